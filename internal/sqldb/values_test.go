package sqldb_test

import (
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/sqldb"
)

func TestAppendValues(t *testing.T) {
	for _, c := range []struct {
		d    sqldb.Dialect
		want string
	}{
		{sqldb.SQLite, "(?, ?, ?), (?, ?, ?)"},
		{sqldb.Postgres, "($1, $2, $3), ($4, $5, $6)"},
	} {
		var b strings.Builder
		sqldb.AppendValues(&b, c.d, 2, 3)
		if b.String() != c.want {
			t.Errorf("%s: %q, want %q", c.d, b.String(), c.want)
		}
	}
}
