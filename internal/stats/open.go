package stats

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// openAgg is the live part of the KPIs: the open cases (not closed, not
// rejected; a merged duplicate is closed) of a subtree now.
type openAgg struct {
	Open    int64
	Overdue int64 // open cases past their deadline (see overdueCond)
	// DueInPeriod counts open cases whose handling deadline fell in the
	// period (up to now): late closures. UnhandledDue counts those not yet
	// handled: late handlings.
	DueInPeriod  int64
	UnhandledDue int64
	AgeHours     float64            // sum of the open cases' ages
	AgeH         [HistBuckets]int64 // histogram of ages over Buckets
}

func (o *openAgg) merge(p *openAgg) {
	if p == nil {
		return
	}
	o.Open += p.Open
	o.Overdue += p.Overdue
	o.DueInPeriod += p.DueInPeriod
	o.UnhandledDue += p.UnhandledDue
	o.AgeHours += p.AgeHours
	for i := range o.AgeH {
		o.AgeH[i] += p.AgeH[i]
	}
}

// overdueCond is true for an open case past its deadline: its handling
// deadline, or before dispatch (no handling deadline yet) its current
// step's. Time suspended does not make a case overdue: the deadline is
// compared with the start of a running suspension.
const overdueCond = `(handling_due_at < COALESCE(suspended_at, $1) OR (handling_due_at IS NULL AND due_at < COALESCE(suspended_at, $1)))`

// ageSum is the sum of the open cases' ages in hours at $1: the one
// expression the two engines spell differently.
func ageSum(d sqldb.Dialect) string {
	if d == sqldb.Postgres {
		return `CAST(COALESCE(sum(extract(epoch from (CAST($1 AS TIMESTAMPTZ) - reported_at))), 0) / 3600 AS DOUBLE PRECISION)`
	}
	return `CAST(COALESCE(sum(julianday($1) - julianday(reported_at)), 0) * 24 AS DOUBLE PRECISION)`
}

// openStats reads the live figures of the open cases under path (filtered
// by p's dimension key), grouped by the cases column groupCol ("" for one
// group keyed ""), and when only is set, for those values of groupCol only.
func (s *Service) openStats(ctx context.Context, p *period, path, groupCol string, only ...any) (map[string]*openAgg, error) {
	return s.openQuery(ctx, p, path, groupCol, false, only)
}

// openCounts is openStats reading only the open and overdue counts: each
// aggregate costs a pass over the district's open cases.
func (s *Service) openCounts(ctx context.Context, p *period, path, groupCol string) (map[string]*openAgg, error) {
	return s.openQuery(ctx, p, path, groupCol, true, nil)
}

// openQuery is openStats, or openCounts when lean.
func (s *Service) openQuery(ctx context.Context, p *period, path, groupCol string, lean bool, only []any) (map[string]*openAgg, error) {
	now := p.now.UTC()
	dueFrom, dueTill := p.dueFrom.UTC(), p.dueTill.UTC()
	if dueTill.Before(dueFrom) {
		dueTill = dueFrom
	}
	args := []any{now}
	if !lean {
		args = append(args, dueFrom, dueTill)
	}
	var b strings.Builder
	group := "''"
	if groupCol != "" {
		group = "COALESCE(CAST(" + groupCol + " AS TEXT), '')"
	}
	b.WriteString("SELECT " + group + ", count(*), count(*) FILTER (WHERE " + overdueCond + "),")
	if lean {
		// The same columns, as constants.
		b.WriteString(" 0, 0, CAST(0 AS DOUBLE PRECISION)")
		for range Buckets {
			b.WriteString(", 0")
		}
	} else {
		b.WriteString(" count(*) FILTER (WHERE handling_due_at >= $2 AND handling_due_at < $3),")
		b.WriteString(" count(*) FILTER (WHERE handling_due_at >= $2 AND handling_due_at < $3 AND state IN ('reported', 'registered', 'dispatched', 'in_progress')),")
		b.WriteString(" " + ageSum(s.db.Dialect))
		for _, h := range Buckets {
			args = append(args, now.Add(-time.Duration(h*float64(time.Hour))))
			fmt.Fprintf(&b, ", count(*) FILTER (WHERE reported_at >= $%d)", len(args))
		}
	}
	sub, subArgs := sqldb.Subtree("region_path", []string{path}, len(args)+1)
	args = append(args, subArgs...)
	b.WriteString(" FROM cases WHERE state NOT IN ('closed', 'rejected') AND " + sub)
	if p.filterCol != "" {
		args = append(args, p.filterVal)
		fmt.Fprintf(&b, " AND %s = $%d", p.filterCol, len(args))
	}
	if groupCol != "" && len(only) > 0 {
		ph := make([]string, len(only))
		for i, v := range only {
			args = append(args, v)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		fmt.Fprintf(&b, " AND %s IN (%s)", groupCol, strings.Join(ph, ", "))
	}
	if groupCol != "" {
		b.WriteString(" GROUP BY " + group)
	}
	rows, err := s.db.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("stats: open cases: %w", sqldb.Translate(err))
	}
	defer rows.Close()
	out := make(map[string]*openAgg)
	for rows.Next() {
		var key string
		o := &openAgg{}
		var within [HistBuckets - 1]int64
		dest := []any{&key, &o.Open, &o.Overdue, &o.DueInPeriod, &o.UnhandledDue, &o.AgeHours}
		for i := range within {
			dest = append(dest, &within[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("stats: open cases: %w", sqldb.Translate(err))
		}
		prev := int64(0)
		for i, n := range within {
			o.AgeH[i] = n - prev
			prev = n
		}
		o.AgeH[HistBuckets-1] = o.Open - prev
		out[key] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: open cases: %w", sqldb.Translate(err))
	}
	return out, nil
}
