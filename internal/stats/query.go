package stats

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// region is what queries need of a region.
type region struct {
	ID                     int64
	Path, Name, Code, Kind string
}

// scope reads the region and checks that the actor may read its cases.
func (s *Service) scope(ctx context.Context, id int64) (*region, error) {
	if id <= 0 {
		return nil, apperr.Invalidf("region_id", "请指定区域", "region_id is required")
	}
	r := &region{ID: id}
	if err := s.db.QueryRow(ctx, `SELECT path, name, code, kind FROM regions WHERE id = $1`, id).Scan(&r.Path, &r.Name, &r.Code, &r.Kind); err != nil {
		return nil, fmt.Errorf("stats: region %d: %w", id, sqldb.Translate(err))
	}
	if err := auth.Check(ctx, auth.ActCaseRead, auth.Resource{RegionPath: r.Path}); err != nil {
		return nil, err
	}
	return r, nil
}

// period is a query's days: [from, to) as yyyymmdd and as local times.
type period struct {
	from, to     int32
	fromAt, toAt time.Time
	dim          Dim
	key          string
	filterCol    string // the cases column of dim, for the live figures
	filterVal    any
	region       *region
	now          time.Time
	zone         *time.Location
}

// check validates q and reads its region.
func (s *Service) check(ctx context.Context, q Query) (*period, error) {
	if q.RegionID <= 0 {
		return nil, apperr.Invalidf("region_id", "请指定区域", "region_id is required")
	}
	if q.From.IsZero() {
		return nil, apperr.Invalidf("from", "请指定统计区间的开始日期", "from is required")
	}
	if q.To.IsZero() {
		return nil, apperr.Invalidf("to", "请指定统计区间的结束日期", "to is required")
	}
	z := s.opt.Zone
	p := &period{from: DayOf(q.From, z), to: DayOf(q.To, z), dim: q.Dim, key: q.Key, zone: z, now: s.opt.Now()}
	p.fromAt, p.toAt = dayTime(p.from, z), dayTime(p.to, z)
	if p.to <= p.from {
		return nil, apperr.Invalidf("to", "统计区间的结束日期必须晚于开始日期", "to must be after from")
	}
	if p.toAt.Sub(p.fromAt) > MaxDays*24*time.Hour+time.Hour {
		return nil, apperr.Invalidf("to", "统计区间不能超过 %d 天", "the period may not exceed %d days", MaxDays)
	}
	if err := p.setDim(q.Dim, q.Key); err != nil {
		return nil, err
	}
	r, err := s.scope(ctx, q.RegionID)
	if err != nil {
		return nil, err
	}
	p.region = r
	return p, nil
}

// dimColumns are the cases columns of the dimensions, for the live
// figures.
var dimColumns = map[Dim]string{
	DimCategory:   "category_code",
	DimChannel:    "channel",
	DimDepartment: "assignee_department_id",
	DimPerson:     "assignee_user_id",
}

// setDim checks a dimension key and sets the live filter.
func (p *period) setDim(d Dim, key string) error {
	switch d {
	case DimTotal:
		if key != "" {
			return apperr.Invalidf("key", "总计不能指定维度取值", "key needs a dim")
		}
		return nil
	case DimCategory, DimChannel:
		if key == "" {
			return apperr.Invalidf("key", "请指定维度取值", "key is required with dim %s", d)
		}
		p.filterCol, p.filterVal = dimColumns[d], key
	case DimDepartment, DimPerson:
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil || id <= 0 {
			return apperr.Invalidf("key", "维度取值应为编号", "key must be an id with dim %s", d)
		}
		p.filterCol, p.filterVal = dimColumns[d], id
	default:
		return apperr.Invalidf("dim", "维度 %q 无效（可选 category、channel、department、person）",
			"dim %q is not one of category, channel, department, person", d)
	}
	return nil
}

// sumColumns sums every counter column.
var sumColumns = func() string {
	parts := make([]string, len(counterColumns))
	for i, c := range counterColumns {
		parts[i] = "CAST(COALESCE(sum(" + c + "), 0) AS BIGINT)"
	}
	return strings.Join(parts, ", ")
}()

// plainColumns lists every counter column.
var plainColumns = strings.Join(counterColumns, ", ")

// scanCounters scans the counter columns after the leading dest.
func scanCounters(sc sqldb.Scanner, c *Counters, lead ...any) error {
	return sc.Scan(append(lead, anyPtrs(c)...)...)
}

func anyPtrs(c *Counters) []any {
	f := c.fields()
	out := make([]any, len(f))
	for i, p := range f {
		out[i] = p
	}
	return out
}

// sumSQL sums the counters of one region and dimension key over a span.
var sumSQL = `SELECT ` + sumColumns + ` FROM (` + spanSQL(plainColumns, `region_id = $1 AND dim = $2 AND key = $3`, 3) + `) t`

// sum reads the counters of one region, dimension key and days: the
// whole months from stats_monthly, the other days from stats_daily.
func (s *Service) sum(ctx context.Context, regionID int64, d Dim, key string, from, to int32) (Counters, error) {
	var c Counters
	err := scanCounters(s.db.QueryRow(ctx, sumSQL, append([]any{regionID, string(d), key}, spanOf(from, to).args()...)...), &c)
	if err != nil {
		return c, fmt.Errorf("stats: sum rollups: %w", sqldb.Translate(err))
	}
	return c, nil
}

// KPIs answers the KPIs of the subtree of q.RegionID (and q.Dim/q.Key)
// over the days of [q.From, q.To). The actor needs case.read over the
// region. Bad input is apperr.Invalid naming the field.
func (s *Service) KPIs(ctx context.Context, q Query) (*KPIs, error) {
	p, err := s.check(ctx, q)
	if err != nil {
		return nil, err
	}
	c, err := s.sum(ctx, p.region.ID, p.dim, p.key, p.from, p.to)
	if err != nil {
		return nil, err
	}
	open, err := s.openOf(ctx, p, p.region, false)
	if err != nil {
		return nil, err
	}
	k := p.kpis(c, open)
	return &k, nil
}

// Breakdown answers the KPIs of q per key of by: the categories, channels,
// departments or persons (q.Dim must be total), by most reported, then most handled, first, or
// the child regions (under q.Dim/q.Key), in code order. At most limit rows
// (20 if limit <= 0, at most 1000).
func (s *Service) Breakdown(ctx context.Context, q Query, by Dim, limit int) ([]Row, error) {
	if !by.Valid() || by == DimTotal {
		return nil, apperr.Invalidf("by", "分组维度 %q 无效（可选 region、category、channel、department、person）",
			"by %q is not one of region, category, channel, department, person", by)
	}
	if by != DimRegion && (q.Dim != DimTotal || q.Key != "") {
		return nil, apperr.Invalidf("dim", "按维度分组时不能再指定维度", "dim must be empty when breaking down by %s", by)
	}
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 1000)
	p, err := s.check(ctx, q)
	if err != nil {
		return nil, err
	}
	if by == DimRegion {
		return s.byRegion(ctx, p, limit)
	}
	// First rank the keys on the two ranking sums alone, then sum every
	// counter of the top keys only: far fewer columns decoded.
	top, err := s.topKeys(ctx, p, by, limit)
	if err != nil || len(top) == 0 {
		return []Row{}, err
	}
	args := []any{p.region.ID, string(by)}
	ph := make([]string, len(top))
	for i, k := range top {
		args = append(args, k)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	where := `region_id = $1 AND dim = $2 AND key IN (` + strings.Join(ph, ", ") + `)`
	rows, err := s.db.Query(ctx, `SELECT key, `+sumColumns+` FROM (`+spanSQL(`key, `+plainColumns, where, len(args))+`) t
		GROUP BY key`, append(args, spanOf(p.from, p.to).args()...)...)
	if err != nil {
		return nil, fmt.Errorf("stats: breakdown: %w", sqldb.Translate(err))
	}
	sums := make(map[string]Counters, len(top))
	for rows.Next() {
		var key string
		var c Counters
		if err := scanCounters(rows, &c, &key); err != nil {
			rows.Close()
			return nil, fmt.Errorf("stats: breakdown: %w", sqldb.Translate(err))
		}
		sums[key] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: breakdown: %w", sqldb.Translate(err))
	}
	out := make([]Row, len(top))
	cs := make([]Counters, len(top))
	for i, k := range top {
		out[i].Key, cs[i] = k, sums[k]
	}
	open, err := s.openByKey(ctx, p, by, top)
	if err != nil {
		return nil, err
	}
	labels, err := s.labels(ctx, by, out)
	if err != nil {
		return nil, err
	}
	for i := range out {
		kp := *p
		kp.dim, kp.key = by, out[i].Key
		out[i].KPIs = kp.kpis(cs[i], open[out[i].Key])
		out[i].Label = labels[out[i].Key]
		if out[i].Label == "" {
			out[i].Label = out[i].Key
		}
	}
	return out, nil
}

// topKeysSQL ranks the keys of one region's dimension over a span ($3 is
// the limit); the rankings' indexes (stats_daily_rank, stats_monthly_rank)
// cover it.
var topKeysSQL = `SELECT key, sum(reported), sum(handled) FROM (` +
	spanSQL(`key, reported, handled`, `region_id = $1 AND dim = $2`, 3) + `) t
	GROUP BY key ORDER BY 2 DESC, 3 DESC, key LIMIT $3`

// topKeys ranks the keys of dimension by in p: most reported, then most
// handled, then by key.
func (s *Service) topKeys(ctx context.Context, p *period, by Dim, limit int) ([]string, error) {
	rows, err := s.db.Query(ctx, topKeysSQL, append([]any{p.region.ID, string(by), limit}, spanOf(p.from, p.to).args()...)...)
	if err != nil {
		return nil, fmt.Errorf("stats: breakdown: %w", sqldb.Translate(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		var a, b any
		if err := rows.Scan(&k, &a, &b); err != nil {
			return nil, fmt.Errorf("stats: breakdown: %w", sqldb.Translate(err))
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: breakdown: %w", sqldb.Translate(err))
	}
	return out, nil
}

// byRegion is Breakdown by child region.
func (s *Service) byRegion(ctx context.Context, p *period, limit int) ([]Row, error) {
	kids, err := s.children(ctx, p.region.ID)
	if err != nil {
		return nil, err
	}
	if len(kids) > limit {
		kids = kids[:limit]
	}
	if len(kids) == 0 {
		return []Row{}, nil
	}
	args := []any{string(p.dim), p.key}
	ph := make([]string, len(kids))
	for i, k := range kids {
		args = append(args, k.ID)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	where := `region_id IN (` + strings.Join(ph, ", ") + `) AND dim = $1 AND key = $2`
	rows, err := s.db.Query(ctx, `SELECT region_id, `+sumColumns+` FROM (`+spanSQL(`region_id, `+plainColumns, where, len(args))+`) t
		GROUP BY region_id`, append(args, spanOf(p.from, p.to).args()...)...)
	if err != nil {
		return nil, fmt.Errorf("stats: breakdown by region: %w", sqldb.Translate(err))
	}
	sums := make(map[int64]Counters, len(kids))
	for rows.Next() {
		var id int64
		var c Counters
		if err := scanCounters(rows, &c, &id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("stats: breakdown by region: %w", sqldb.Translate(err))
		}
		sums[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: breakdown by region: %w", sqldb.Translate(err))
	}
	open, err := s.openByRegion(ctx, p, kids, false)
	if err != nil {
		return nil, err
	}
	out := make([]Row, len(kids))
	for i, k := range kids {
		kp := *p
		kp.region = k
		out[i] = Row{Key: strconv.FormatInt(k.ID, 10), Label: k.Name, KPIs: kp.kpis(sums[k.ID], open[k.ID])}
	}
	return out, nil
}

// children lists the child regions of id in code order.
func (s *Service) children(ctx context.Context, id int64) ([]*region, error) {
	rows, err := s.db.Query(ctx, `SELECT id, path, name, code, kind FROM regions WHERE parent_id = $1 ORDER BY code`, id)
	if err != nil {
		return nil, fmt.Errorf("stats: child regions: %w", sqldb.Translate(err))
	}
	defer rows.Close()
	var out []*region
	for rows.Next() {
		r := &region{}
		if err := rows.Scan(&r.ID, &r.Path, &r.Name, &r.Code, &r.Kind); err != nil {
			return nil, fmt.Errorf("stats: child regions: %w", sqldb.Translate(err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: child regions: %w", sqldb.Translate(err))
	}
	return out, nil
}

// labels names the keys of rows for people, in Chinese: category names,
// channel labels, department and person names.
func (s *Service) labels(ctx context.Context, by Dim, rows []Row) (map[string]string, error) {
	out := make(map[string]string, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	if by == DimChannel {
		for _, r := range rows {
			out[r.Key] = channelLabels[r.Key]
		}
		return out, nil
	}
	var q string
	switch by {
	case DimCategory:
		q = `SELECT code, name_zh FROM categories WHERE code IN (%s)`
	case DimDepartment:
		q = `SELECT CAST(id AS TEXT), name FROM departments WHERE id IN (%s)`
	case DimPerson:
		q = `SELECT CAST(id AS TEXT), display_name FROM users WHERE id IN (%s)`
	default:
		return out, nil
	}
	args := make([]any, 0, len(rows))
	ph := make([]string, 0, len(rows))
	for _, r := range rows {
		if by == DimCategory {
			args = append(args, r.Key)
		} else {
			id, _ := strconv.ParseInt(r.Key, 10, 64)
			args = append(args, id)
		}
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	res, err := s.db.Query(ctx, fmt.Sprintf(q, strings.Join(ph, ", ")), args...)
	if err != nil {
		return nil, fmt.Errorf("stats: labels: %w", sqldb.Translate(err))
	}
	defer res.Close()
	for res.Next() {
		var k, v string
		if err := res.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("stats: labels: %w", sqldb.Translate(err))
		}
		out[k] = v
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("stats: labels: %w", sqldb.Translate(err))
	}
	return out, nil
}

// channelLabels name the intake channels.
var channelLabels = map[string]string{
	"resident": "居民上报", "grid_worker": "网格员巡查", "building_head": "楼栋长上报",
	"courier_volunteer": "快递小哥/志愿者随手拍", "hotline": "12345热线", "walk_in": "来访", "api": "系统对接",
}

// Series answers the counters of every day of q, zero days included.
func (s *Service) Series(ctx context.Context, q Query) ([]Point, error) {
	p, err := s.check(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT day, `+plainColumns+` FROM stats_daily
		WHERE region_id = $1 AND dim = $2 AND key = $3 AND day >= $4 AND day < $5`,
		p.region.ID, string(p.dim), p.key, p.from, p.to)
	if err != nil {
		return nil, fmt.Errorf("stats: series: %w", sqldb.Translate(err))
	}
	byDay := make(map[int32]Counters)
	for rows.Next() {
		var day int32
		var c Counters
		if err := scanCounters(rows, &c, &day); err != nil {
			rows.Close()
			return nil, fmt.Errorf("stats: series: %w", sqldb.Translate(err))
		}
		byDay[day] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: series: %w", sqldb.Translate(err))
	}
	var out []Point
	for d := p.fromAt; d.Before(p.toAt); d = d.AddDate(0, 0, 1) {
		out = append(out, Point{Day: d, Counters: byDay[DayOf(d, p.zone)]})
	}
	return out, nil
}

// Live answers today's counters of a region subtree and its open cases
// now.
func (s *Service) Live(ctx context.Context, regionID int64) (*Live, error) {
	r, err := s.scope(ctx, regionID)
	if err != nil {
		return nil, err
	}
	now := s.opt.Now()
	today := DayOf(now, s.opt.Zone)
	c, err := s.sum(ctx, r.ID, DimTotal, "", today, today+1)
	if err != nil {
		return nil, err
	}
	p := &period{region: r, now: now, zone: s.opt.Zone, from: today, to: today + 1}
	o, err := s.openOf(ctx, p, r, true)
	if err != nil {
		return nil, err
	}
	return &Live{RegionID: r.ID, Today: c, Open: int(o.Open), OpenOverdue: int(o.Overdue), At: now}, nil
}

// Load answers the open cases of each child region of regionID and of
// each grid below it, for the map: children first (in code order), then
// grids (in path order).
func (s *Service) Load(ctx context.Context, regionID int64) ([]RegionLoad, error) {
	r, err := s.scope(ctx, regionID)
	if err != nil {
		return nil, err
	}
	sub, args := sqldb.Subtree("path", []string{r.Path}, 2)
	rows, err := s.db.Query(ctx, `SELECT id, path, name, code, kind FROM regions
		WHERE `+sub+` AND (parent_id = $1 OR level = 'grid') ORDER BY parent_id = $1 DESC, path`, append([]any{r.ID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("stats: load regions: %w", sqldb.Translate(err))
	}
	var regs []*region
	for rows.Next() {
		g := &region{}
		if err := rows.Scan(&g.ID, &g.Path, &g.Name, &g.Code, &g.Kind); err != nil {
			rows.Close()
			return nil, fmt.Errorf("stats: load regions: %w", sqldb.Translate(err))
		}
		regs = append(regs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stats: load regions: %w", sqldb.Translate(err))
	}
	now := s.opt.Now()
	today := DayOf(now, s.opt.Zone)
	p := &period{region: r, now: now, zone: s.opt.Zone, from: today, to: today + 1}
	open, err := s.openByRegion(ctx, p, regs, true)
	if err != nil {
		return nil, err
	}
	out := make([]RegionLoad, 0, len(regs))
	seen := make(map[int64]bool, len(regs))
	for _, g := range regs {
		if seen[g.ID] {
			continue
		}
		seen[g.ID] = true
		o := open[g.ID]
		out = append(out, RegionLoad{RegionID: g.ID, Name: g.Name, Code: g.Code, Kind: g.Kind, Open: int(o.Open), OpenOverdue: int(o.Overdue)})
	}
	return out, nil
}
