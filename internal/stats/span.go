package stats

import "fmt"

// span is a period [from, to) split for reading: the whole calendar
// months [m1, m2) come from stats_monthly, the days at the edges,
// [from, m1) and [m2, to), from stats_daily. A period within one month
// (m1 = m2 = to) is days only.
type span struct{ from, m1, m2, to int32 }

// spanOf splits the days [from, to) (yyyymmdd).
func spanOf(from, to int32) span {
	m1 := monthOf(from)
	if m1 != from {
		m1 = nextMonth(m1)
	}
	m2 := monthOf(to)
	if m1 >= m2 {
		return span{from, to, to, to}
	}
	return span{from, m1, m2, to}
}

// args are the span's bounds, in the order spanSQL numbers them.
func (s span) args() []any { return []any{s.from, s.m1, s.m2, s.to} }

// spanSQL selects cols from the rows of a span that match where: where's
// own arguments are $1 … $n, the span's (span.args) follow as $n+1 …
// $n+4. The three branches read the days before the first whole month,
// the days after the last and the whole months; sum over them.
func spanSQL(cols, where string, n int) string {
	return fmt.Sprintf(`SELECT %[1]s FROM stats_daily WHERE %[2]s AND day >= $%[3]d AND day < $%[4]d
		UNION ALL SELECT %[1]s FROM stats_daily WHERE %[2]s AND day >= $%[5]d AND day < $%[6]d
		UNION ALL SELECT %[1]s FROM stats_monthly WHERE %[2]s AND month >= $%[4]d AND month < $%[5]d`,
		cols, where, n+1, n+2, n+3, n+4)
}
