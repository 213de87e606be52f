package stats

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// openAgg is the live part of the KPIs: the open cases (not closed, not
// rejected; a merged duplicate is closed) of a subtree now.
type openAgg struct {
	Open    int64
	Overdue int64 // open cases past their threshold (see OpenFact)
	// DueInPeriod counts open overdue cases whose threshold fell in the
	// period (up to now): late closures. UnhandledDue counts those not yet
	// handled: late handlings.
	DueInPeriod  int64
	UnhandledDue int64
	AgeHours     float64  // sum of the open cases' ages
	P90Hours     *float64 // p90 of the open cases' ages (by reported day)
}

// addToday adds the exact counts of the cases falling due today.
func (o *openAgg) addToday(t *todayAgg) {
	if t == nil {
		return
	}
	o.Overdue += t.Overdue
	o.DueInPeriod += t.InPeriod
	o.UnhandledDue += t.Unhandled
}

// openGroup names a group of open figures: a region id (breakdown by
// region, map load) or a dimension key.
type openGroup struct {
	RegionID int64
	Key      string
}

// openRollups reads the open figures of regions ids (each a subtree)
// under dim and, when keys are given, those keys only (else key), from
// stats_open: Σ open of the thresholds before today is the overdue count
// up to today; today's are added by openToday. Unless lean, it also reads
// the due-in-period counts and the backlog's age (stats_open_age).
func (s *Service) openRollups(ctx context.Context, p *period, ids []int64, dim Dim, keys []string, lean bool) (map[openGroup]*openAgg, error) {
	today := DayOf(p.now, p.zone)
	dueTo := min(p.to, today)
	where, fargs := openFilter(ids, dim, keys, 4)
	args := append([]any{today, p.from, dueTo}, fargs...)
	q := `SELECT region_id, key, sum(open), sum(CASE WHEN due_day > 0 AND due_day < $1 THEN open ELSE 0 END),
		sum(CASE WHEN due_day >= $2 AND due_day < $3 THEN open ELSE 0 END),
		sum(CASE WHEN due_day >= $2 AND due_day < $3 THEN unhandled ELSE 0 END), sum(reported_sum)
		FROM stats_open WHERE ` + where + ` GROUP BY region_id, key`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("stats: open cases: %w", sqldb.Translate(err))
	}
	out := make(map[openGroup]*openAgg)
	nowUnix := float64(p.now.Unix())
	for rows.Next() {
		var g openGroup
		var reportedSum int64
		o := &openAgg{}
		if err := rows.Scan(&g.RegionID, &g.Key, &o.Open, &o.Overdue, &o.DueInPeriod, &o.UnhandledDue, &reportedSum); err != nil {
			rows.Close()
			return nil, fmt.Errorf("stats: open cases: %w", sqldb.Translate(err))
		}
		if lean {
			o.DueInPeriod, o.UnhandledDue = 0, 0
		}
		o.AgeHours = (float64(o.Open)*nowUnix - float64(reportedSum)) / 3600
		out[g] = o
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: open cases: %w", sqldb.Translate(err))
	}
	if lean || len(out) == 0 {
		return out, nil
	}
	// The backlog's p90 age, from the open cases per reported day.
	where, fargs = openFilter(ids, dim, keys, 1)
	rows, err = s.db.Query(ctx, `SELECT region_id, key, reported_day, open FROM stats_open_age WHERE `+
		where+` ORDER BY region_id, key, reported_day DESC`, fargs...)
	if err != nil {
		return nil, fmt.Errorf("stats: open case ages: %w", sqldb.Translate(err))
	}
	defer rows.Close()
	days := make(map[openGroup][]dayOpen)
	for rows.Next() {
		var g openGroup
		var d dayOpen
		if err := rows.Scan(&g.RegionID, &g.Key, &d.Day, &d.Open); err != nil {
			return nil, fmt.Errorf("stats: open case ages: %w", sqldb.Translate(err))
		}
		days[g] = append(days[g], d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: open case ages: %w", sqldb.Translate(err))
	}
	for g, o := range out {
		o.P90Hours = ageP90(days[g], p.now, p.zone)
	}
	return out, nil
}

// openFilter is the condition on the open rollups' region ids, dim and
// keys, numbering its parameters from next.
func openFilter(ids []int64, dim Dim, keys []string, next int) (string, []any) {
	args := []any{string(dim)}
	where := fmt.Sprintf("dim = $%d", next)
	// The ids are integers written into the text: the map reads hundreds,
	// and the SQLite driver binds each parameter by a lookup by name.
	ph := make([]string, 0, max(len(ids), len(keys)))
	for _, id := range ids {
		ph = append(ph, strconv.FormatInt(id, 10))
	}
	where += " AND region_id IN (" + strings.Join(ph, ", ") + ")"
	ph = ph[:0]
	for _, k := range keys {
		args = append(args, k)
		ph = append(ph, fmt.Sprintf("$%d", next+len(args)-1))
	}
	return where + " AND key IN (" + strings.Join(ph, ", ") + ")", args
}

// dayOpen is the open cases reported on one local day.
type dayOpen struct {
	Day  int32
	Open int64
}

// ageP90 is the p90 age in hours of open cases counted per reported day
// (newest first): the age within the day where the count reaches 90 % is
// interpolated linearly over the day (up to now).
func ageP90(days []dayOpen, now time.Time, zone *time.Location) *float64 {
	var n int64
	for _, d := range days {
		n += d.Open
	}
	if n <= 0 {
		return nil
	}
	target := 0.9 * float64(n)
	cum := 0.0
	for _, d := range days {
		if d.Open <= 0 {
			continue
		}
		if cum+float64(d.Open) < target {
			cum += float64(d.Open)
			continue
		}
		start := dayTime(d.Day, zone)
		end := start.AddDate(0, 0, 1)
		if end.After(now) {
			end = now
		}
		young, old := max(now.Sub(end).Hours(), 0), max(now.Sub(start).Hours(), 0)
		h := young + (old-young)*(target-cum)/float64(d.Open)
		return &h
	}
	return nil
}

// todayAgg is the exact count of the open cases whose threshold falls
// today before now and that are overdue (not suspended before it).
type todayAgg struct {
	Overdue   int64
	InPeriod  int64 // when today is in the period
	Unhandled int64 // of those in the period, not yet handled
}

// openToday counts the open cases under path (filtered by p's dimension
// key) whose threshold falls today before now, grouped by the cases
// column groupCol ("" for one group keyed ""). It reads the partial
// indexes that start with the thresholds: today's due cases only.
func (s *Service) openToday(ctx context.Context, p *period, path, groupCol string) (map[string]*todayAgg, error) {
	now := p.now
	today := DayOf(now, p.zone)
	start := dayTime(today, p.zone).UTC()
	inPeriod := today >= p.from && today < p.to
	group := "''"
	if groupCol != "" {
		group = "COALESCE(CAST(" + groupCol + " AS TEXT), '')"
	}
	out := make(map[string]*todayAgg)
	for _, col := range []string{"handling_due_at", "due_at"} {
		cond := "handling_due_at IS NOT NULL"
		if col == "due_at" {
			cond = "handling_due_at IS NULL"
		}
		// The subtree as a prefix test the planner cannot serve from an
		// index on region_path: the threshold's index must lead.
		args := []any{start, now.UTC(), path}
		sub := "substr(region_path, 1, length(CAST($3 AS TEXT))) = CAST($3 AS TEXT)"
		q := `SELECT ` + group + `, count(*), count(*) FILTER (WHERE state IN ('reported', 'registered', 'dispatched', 'in_progress'))
			FROM cases WHERE state NOT IN ('closed', 'rejected') AND ` + cond + ` AND ` + col + ` >= $1 AND ` + col + ` < $2
			AND (suspended_at IS NULL OR suspended_at > ` + col + `) AND ` + sub
		if p.filterCol != "" {
			args = append(args, p.filterVal)
			q += fmt.Sprintf(" AND %s = $%d", p.filterCol, len(args))
		}
		if groupCol != "" {
			q += " GROUP BY " + group
		}
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("stats: open cases due today: %w", sqldb.Translate(err))
		}
		for rows.Next() {
			var key string
			var n, unhandled int64
			if err := rows.Scan(&key, &n, &unhandled); err != nil {
				rows.Close()
				return nil, fmt.Errorf("stats: open cases due today: %w", sqldb.Translate(err))
			}
			if n == 0 {
				continue
			}
			t := out[key]
			if t == nil {
				t = &todayAgg{}
				out[key] = t
			}
			t.Overdue += n
			if inPeriod {
				t.InPeriod += n
				t.Unhandled += unhandled
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("stats: open cases due today: %w", sqldb.Translate(err))
		}
	}
	return out, nil
}

// openOf reads the open figures of p's region (p's dimension key).
func (s *Service) openOf(ctx context.Context, p *period, r *region, lean bool) (*openAgg, error) {
	m, err := s.openRollups(ctx, p, []int64{r.ID}, p.dim, []string{p.key}, lean)
	if err != nil {
		return nil, err
	}
	t, err := s.openToday(ctx, p, r.Path, "")
	if err != nil {
		return nil, err
	}
	o := m[openGroup{r.ID, p.key}]
	if o == nil {
		o = &openAgg{}
	}
	o.addToday(t[""])
	return o, nil
}

// openByKey reads the open figures of p's region under dimension by, for
// keys.
func (s *Service) openByKey(ctx context.Context, p *period, by Dim, keys []string) (map[string]*openAgg, error) {
	m, err := s.openRollups(ctx, p, []int64{p.region.ID}, by, keys, false)
	if err != nil {
		return nil, err
	}
	t, err := s.openToday(ctx, p, p.region.Path, dimColumns[by])
	if err != nil {
		return nil, err
	}
	out := make(map[string]*openAgg, len(keys))
	for _, k := range keys {
		o := m[openGroup{p.region.ID, k}]
		if o == nil {
			o = &openAgg{}
		}
		o.addToday(t[k])
		out[k] = o
	}
	return out, nil
}

// openByRegion reads the open figures of each region of regs (subtrees
// of p's region), under p's dimension key.
func (s *Service) openByRegion(ctx context.Context, p *period, regs []*region, lean bool) (map[int64]*openAgg, error) {
	ids := make([]int64, len(regs))
	for i, r := range regs {
		ids[i] = r.ID
	}
	m, err := s.openRollups(ctx, p, ids, p.dim, []string{p.key}, lean)
	if err != nil {
		return nil, err
	}
	t, err := s.openToday(ctx, p, p.region.Path, "region_path")
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(t))
	for k := range t {
		paths = append(paths, k)
	}
	slices.Sort(paths)
	out := make(map[int64]*openAgg, len(regs))
	for _, r := range regs {
		o := m[openGroup{r.ID, p.key}]
		if o == nil {
			o = &openAgg{}
		}
		// The paths under r are one run of the sorted paths.
		i, _ := slices.BinarySearch(paths, r.Path)
		for ; i < len(paths) && strings.HasPrefix(paths[i], r.Path); i++ {
			o.addToday(t[paths[i]])
		}
		out[r.ID] = o
	}
	return out, nil
}
