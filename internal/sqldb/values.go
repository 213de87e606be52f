package sqldb

import (
	"strconv"
	"strings"
)

// AppendValues writes the parameters of a multi-row VALUES list to b: n
// rows of width each, "(?, ?), (?, ?)" on SQLite, "($1, $2), ($3, $4)" on
// PostgreSQL. SQLite's are anonymous because the driver binds them by
// position, while it looks each $N up by name in a list, which makes a
// long statement's binding cost the square of its arguments.
func AppendValues(b *strings.Builder, d Dialect, n, width int) {
	arg := 0
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			arg++
			if d == Postgres {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(arg))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
}
