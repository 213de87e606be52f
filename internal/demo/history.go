package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/gridwork/gridwork/internal/territory"
)

// HistoryOptions says what history GenerateHistory writes.
type HistoryOptions struct {
	Cases int       // how many cases in all
	Days  int       // over how many days before Now; 0: Cases/300, between 30 and 365
	Seed  int64     // the same seed, city and Now give the same history
	Now   time.Time // the end of the history: cases still open then are the backlog
	// Batch is how many cases go into one transaction: 10,000 if 0. The
	// fewer the commits, the fewer times the pages every batch touches
	// (index leaves, the day's rollups) go through the WAL; about three
	// batches are in memory at once (≈10 KB a case).
	Batch int
	// Progress, if not nil, is called with the cases written so far and
	// the total.
	Progress func(done, total int)
}

// HistoryDeps are the services GenerateHistory reads the city through and
// writes the cases with.
type HistoryDeps struct {
	DB        *sqldb.DB
	Cases     *cases.Service
	Territory *territory.Service
	Auth      *auth.Service
	Category  *category.Service
	Calendar  *calendar.Service
}

// HistoryResult counts what GenerateHistory wrote.
type HistoryResult struct {
	Cases  int
	Events int
}

// historyCacheMiB is the writer's page cache while a history is written:
// the rollups of a year take rows at hundreds of thousands of places.
const historyCacheMiB = 1024

// DefaultHistoryCases is the history of the demo without a -cases flag:
// 30 days of a district's usual load (200 a day).
const DefaultHistoryCases = 6000

// GenerateHistory writes opt.Cases cases of the loaded demo city with
// their whole histories, as the case loop would have written them over the
// days before opt.Now, and adds them to the KPI rollups (stats) in the
// same transactions. It reads the city (grids, buildings, accounts,
// departments, the category dictionary, time limits and the work
// calendar) through the services; generation, the events' encoding and
// the writes run on three goroutines. It must run as the system, with
// nothing else writing cases.
func GenerateHistory(ctx context.Context, deps HistoryDeps, opt HistoryOptions) (*HistoryResult, error) {
	if opt.Cases < 0 {
		return nil, apperr.Invalidf("cases", "案件数不能为负数", "the number of cases cannot be negative")
	}
	if opt.Now.IsZero() {
		return nil, apperr.Invalidf("now", "缺少历史的截止时间", "the end of the history is missing")
	}
	if opt.Days == 0 {
		opt.Days = min(365, max(30, opt.Cases/300))
	}
	if opt.Days < 1 || opt.Days > 730 {
		return nil, apperr.Invalidf("days", "天数应在 1 到 730 之间", "the number of days must be between 1 and 730")
	}
	if opt.Batch <= 0 {
		opt.Batch = 10000
	}
	if opt.Progress == nil {
		opt.Progress = func(int, int) {}
	}
	res := &HistoryResult{}
	if opt.Cases == 0 {
		return res, nil
	}
	w, err := loadHistoryWorld(ctx, deps)
	if err != nil {
		return nil, fmt.Errorf("demo: history: %w", err)
	}
	bulk, err := deps.Cases.NewBulk(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: history: %w", err)
	}
	h := newHistoryGen(w, opt, bulk.NextID())
	restore, err := deps.DB.BulkLoad(ctx, historyCacheMiB)
	if err != nil {
		return nil, fmt.Errorf("demo: history: %w", err)
	}
	defer restore(context.WithoutCancel(ctx))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Stage 1 plans the cases day by day; stage 2 encodes them (diffs,
	// JSON, hashes) and merges their KPI facts; this goroutine writes.
	plans := make(chan [][]cases.BulkEvent, 1)
	genErr := make(chan error, 1)
	go func() {
		defer close(plans)
		genErr <- h.run(ctx, opt.Batch, plans)
	}()
	type batch struct {
		rows   *cases.BulkBatch
		facts  []stats.Fact
		upTo   int32 // no later batch has facts of a day before this one
		n, evs int
	}
	batches := make(chan batch)
	encErr := make(chan error, 1)
	encode := func() error {
		for p := range plans {
			var facts []stats.Fact
			evs := 0
			for _, hist := range p {
				chs, err := bulk.Add(hist)
				if err != nil {
					return err
				}
				for _, ch := range chs {
					facts = append(facts, stats.Facts(ch, w.zone)...)
				}
				evs += len(chs)
			}
			// Cases come in the order they were reported, and a case's
			// events happen after its report.
			upTo := stats.DayOf(p[len(p)-1][0].After.ReportedAt, w.zone)
			select {
			case batches <- batch{rows: bulk.Take(), facts: facts, upTo: upTo, n: len(p), evs: evs}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	go func() {
		defer close(batches)
		err := encode()
		if err != nil {
			cancel()
		}
		encErr <- err
	}()
	opt.Progress(0, opt.Cases)
	// One Aggregator for the whole history: each batch writes the rollup
	// rows of the days (and months) that no later case can touch, so that
	// every row is written about once instead of once per batch.
	agg := stats.NewAggregator()
	var werr error
	for b := range batches {
		if werr != nil {
			continue
		}
		agg.Add(b.facts...)
		werr = deps.DB.Transact(ctx, func(tx *sqldb.Tx) error {
			if err := b.rows.Write(ctx, tx); err != nil {
				return err
			}
			return agg.FlushBefore(ctx, tx, b.upTo)
		})
		if werr != nil {
			cancel()
			continue
		}
		res.Cases += b.n
		res.Events += b.evs
		opt.Progress(res.Cases, opt.Cases)
	}
	if werr == nil && res.Cases > 0 {
		werr = deps.DB.Transact(ctx, func(tx *sqldb.Tx) error { return agg.Flush(ctx, tx) })
	}
	if err := errors.Join(werr, <-encErr, <-genErr); err != nil {
		return res, fmt.Errorf("demo: history: %w", err)
	}
	return res, nil
}

// who is an account as the events record it.
type who struct {
	id   int64
	name string
	role auth.Role
}

// hgrid is a grid with the people and places its cases need.
type hgrid struct {
	region      *territory.Region
	buildings   []*territory.Building
	workers     []who
	secretaries []who
	residents   []who
	heads       []who
	recent      []planned // the last cases reported here (duplicates merge into them)
}

// planned is a case already generated, as a duplicate's master.
type planned struct {
	id       int64
	category string
	at       time.Time
}

// historyWorld is the city as the generator sees it.
type historyWorld struct {
	cal        *calendar.Calendar
	zone       *time.Location
	clock      cases.Clock
	cats       *category.Service
	regions    map[int64]*territory.Region
	grids      []*hgrid
	buildings  []*territory.Building // every building, for picking a place
	gridOf     map[int64]*hgrid
	dispatch   map[int64][]who // region → its dispatchers
	members    []who           // party members (serve their branch's grids)
	memberByID map[int64]who
	residents  []who // resident accounts anywhere
	heads      []who
	couriers   []who
	hotline    []who
	categories []weighted
	deptOf     map[string]int64 // category + "|" + region path → department
	deptName   map[int64]string
	deptStaff  map[int64][]who
}

// weighted is a category with its base weight and season.
type weighted struct {
	code, name string
	weight     float64
	season     season
}

// season says how a category's reports vary over the year.
type season int

const (
	allYear season = iota
	heating        // the heating season, November to March
	summer         // rain and floods, June to August
)

// factor is the season's multiplier in month m.
func (s season) factor(m time.Month) float64 {
	switch s {
	case heating:
		switch m {
		case time.December, time.January, time.February:
			return 5
		case time.November, time.March:
			return 3
		case time.October, time.April:
			return 0.4
		}
		return 0.05
	case summer:
		switch m {
		case time.June, time.July, time.August:
			return 4
		case time.May, time.September:
			return 1.8
		}
		return 0.5
	}
	return 1
}

// commonCategories are the dictionary's most frequent reports and their
// weights; every other leaf weighs 1.
var commonCategories = map[string]float64{
	"LS0502": 12, "LS0508": 12, "LS0503": 9, "LS0507": 7, "LS0501": 7, "LS0506": 8, "LS0504": 5, "LS0505": 3,
	"LS0509": 4, "LE0102": 3, "LE0104": 3, "LE0101": 2, "LE0106": 2, "LE0107": 1.5, "LH0101": 6, "LS0202": 3,
	"LS0203": 2, "LH0601": 2, "LH0302": 2,
}

// seasonOf places a category in its season by its name.
func seasonOf(name string) season {
	for _, w := range []string{"供暖", "供热", "暖气"} {
		if strings.Contains(name, w) {
			return heating
		}
	}
	for _, w := range []string{"积水", "排水", "下水", "内涝", "防汛"} {
		if strings.Contains(name, w) {
			return summer
		}
	}
	return allYear
}

// loadHistoryWorld reads what the generator needs through the services.
func loadHistoryWorld(ctx context.Context, deps HistoryDeps) (*historyWorld, error) {
	cal, err := deps.Calendar.Current(ctx)
	if err != nil {
		return nil, err
	}
	w := &historyWorld{cal: cal, zone: cal.Location(), clock: cases.NewClock(cal), cats: deps.Category,
		regions: map[int64]*territory.Region{}, memberByID: map[int64]who{}, gridOf: map[int64]*hgrid{}, dispatch: map[int64][]who{},
		deptOf: map[string]int64{}, deptName: map[int64]string{}, deptStaff: map[int64][]who{}}
	for off := 0; ; off += 1000 {
		rs, _, err := deps.Territory.FindRegions(ctx, territory.RegionFilter{Offset: off, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			w.regions[r.ID] = r
			if r.Level == territory.LevelGrid {
				g := &hgrid{region: r}
				w.grids = append(w.grids, g)
				w.gridOf[r.ID] = g
			}
		}
		if len(rs) < 1000 {
			break
		}
	}
	if len(w.grids) == 0 {
		return nil, apperr.Invalidf("cases", "演示城市没有网格，无法生成案件", "the demo city has no grids to generate cases in")
	}
	for off := 0; ; off += 1000 {
		bs, _, err := deps.Territory.FindBuildings(ctx, territory.BuildingFilter{Offset: off, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			if g := w.gridOf[b.GridID]; g != nil {
				g.buildings = append(g.buildings, b)
				w.buildings = append(w.buildings, b)
			}
		}
		if len(bs) < 1000 {
			break
		}
	}
	if len(w.buildings) == 0 {
		return nil, apperr.Invalidf("cases", "演示城市没有楼栋，无法生成案件", "the demo city has no buildings to generate cases at")
	}
	for off := 0; ; off += 500 {
		us, _, err := deps.Auth.FindUsers(ctx, auth.UserFilter{Offset: off, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if !u.Disabled {
				w.addUser(u)
			}
		}
		if len(us) < 500 {
			break
		}
	}
	for off := 0; ; off += 500 {
		ds, _, err := deps.Category.FindDepartments(ctx, category.DepartmentFilter{Offset: off, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			w.deptName[d.ID] = d.Name
		}
		if len(ds) < 500 {
			break
		}
	}
	cs, _, err := deps.Category.FindCategories(ctx, category.CategoryFilter{Limit: 5000})
	if err != nil {
		return nil, err
	}
	parents := map[string]bool{}
	for _, c := range cs {
		parents[c.ParentCode] = true
	}
	for _, c := range cs {
		if !c.Active || c.Kind == category.KindRequestNature || parents[c.Code] {
			continue
		}
		wt, ok := commonCategories[c.Code]
		if !ok {
			wt = 1
			if c.Kind == category.KindComponent {
				wt = 0.5
			}
		}
		w.categories = append(w.categories, weighted{code: c.Code, name: c.NameZH, weight: wt, season: seasonOf(c.NameZH)})
	}
	if len(w.categories) == 0 {
		return nil, apperr.Invalidf("cases", "分类字典为空，无法生成案件", "the category dictionary is empty")
	}
	return w, nil
}

// addUser files an account under the roles and places it acts in.
func (w *historyWorld) addUser(u *auth.User) {
	for _, g := range u.Grants {
		p := who{id: u.ID, name: u.DisplayName, role: g.Role}
		grid := w.gridOf[g.Scope.ID]
		if g.Scope.Kind != auth.ScopeRegion && g.Scope.Kind != auth.ScopeSelf {
			grid = nil
		}
		switch g.Role {
		case auth.RoleGridWorker:
			if grid != nil {
				grid.workers = append(grid.workers, p)
			}
		case auth.RoleBranchSecretary:
			if grid != nil && g.Scope.Kind == auth.ScopeRegion {
				grid.secretaries = append(grid.secretaries, p)
			}
		case auth.RoleResident:
			if grid != nil {
				grid.residents = append(grid.residents, p)
			}
			w.residents = append(w.residents, p)
		case auth.RoleBuildingHead, auth.RoleUnitHead:
			p.role = auth.RoleBuildingHead
			if grid != nil {
				grid.heads = append(grid.heads, p)
			}
			w.heads = append(w.heads, p)
		case auth.RoleCourierVolunteer:
			w.couriers = append(w.couriers, p)
		case auth.RolePartyMember:
			if g.Scope.Kind == auth.ScopeParty {
				w.members = append(w.members, p)
				w.memberByID[p.id] = p
			}
		case auth.RoleDispatcher:
			if g.Scope.Kind == auth.ScopeRegion {
				w.dispatch[g.Scope.ID] = append(w.dispatch[g.Scope.ID], p)
				w.hotline = append(w.hotline, p)
			}
		}
	}
}

// department is the category's responsible department where path lies,
// 0 when none serves it.
func (w *historyWorld) department(ctx context.Context, code, path string) (int64, error) {
	key := code + "|" + path
	if id, ok := w.deptOf[key]; ok {
		return id, nil
	}
	d, err := w.cats.DepartmentFor(ctx, code, path)
	id := int64(0)
	switch {
	case err == nil:
		id = d.ID
		if _, ok := w.deptStaff[id]; !ok {
			ms, err := w.cats.FindMembers(ctx, id)
			if err != nil {
				return 0, err
			}
			staff := make([]who, 0, len(ms))
			for _, m := range ms {
				staff = append(staff, who{id: m, name: d.Name, role: auth.RoleDepartment})
			}
			w.deptStaff[id] = staff
		}
	case apperr.CodeOf(err) != apperr.NotFound:
		return 0, err
	}
	w.deptOf[key] = id
	return id, nil
}

// dispatcherOf is who works region r's queue: its branch secretaries for a
// grid, else its own dispatchers, else the nearest above.
func (w *historyWorld) dispatcherOf(rng *rand.Rand, regionID int64) who {
	for id := regionID; id != 0; {
		if g := w.gridOf[id]; g != nil && len(g.secretaries) > 0 {
			return g.secretaries[rng.IntN(len(g.secretaries))]
		}
		if ds := w.dispatch[id]; len(ds) > 0 {
			return ds[rng.IntN(len(ds))]
		}
		r := w.regions[id]
		if r == nil {
			break
		}
		id = r.ParentID
	}
	return who{name: "system", role: "system"}
}

// historyGen plans the cases: when, what, where, by whom, and how each
// went, deterministically for a seed.
type historyGen struct {
	w      *historyWorld
	opt    HistoryOptions
	rng    *rand.Rand
	nextID int64
	seq    int // cases planned
}

func newHistoryGen(w *historyWorld, opt HistoryOptions, firstID int64) *historyGen {
	return &historyGen{w: w, opt: opt, rng: rand.New(rand.NewPCG(uint64(opt.Seed), 0x9e3779b97f4a7c15)), nextID: firstID}
}

// hourWeights is the share of reports in each hour of the day.
var hourWeights = [24]float64{0.3, 0.2, 0.1, 0.1, 0.1, 0.3, 0.8, 2.2, 4.5, 6.5, 6.8, 5.8, 3.8, 3.5, 5.2, 5.8, 5.5, 4.8, 3.6, 3.4, 3.2, 2.4, 1.4, 0.7}

// hourSum is the sum of hourWeights.
var hourSum = func() float64 {
	s := 0.0
	for _, w := range hourWeights {
		s += w
	}
	return s
}()

// run plans every case, oldest first, and sends them in batches.
func (h *historyGen) run(ctx context.Context, batch int, out chan<- [][]cases.BulkEvent) error {
	now := h.opt.Now.In(h.w.zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, h.w.zone)
	first := today.AddDate(0, 0, -(h.opt.Days - 1))
	// The day weights: weekday profile, holidays, a slow growth, today
	// only up to now.
	days := make([]time.Time, h.opt.Days)
	wts := make([]float64, h.opt.Days)
	total := 0.0
	for i := range days {
		d := first.AddDate(0, 0, i)
		days[i] = d
		wt := 1.0 + 0.15*float64(i)/float64(h.opt.Days)
		switch d.Weekday() {
		case time.Saturday:
			wt *= 0.75
		case time.Sunday:
			wt *= 0.7
		}
		if work, err := h.w.cal.WorkingDay(d); err == nil && !work && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			wt *= 0.55 // a public holiday
		}
		if d.Equal(today) {
			wt *= h.dayShare(now.Sub(today))
		}
		wts[i] = wt
		total += wt
	}
	counts := apportion(wts, total, h.opt.Cases)
	var buf [][]cases.BulkEvent
	for i, d := range days {
		span := 24 * time.Hour
		if d.Equal(today) {
			span = now.Sub(today)
		}
		times := make([]time.Time, counts[i])
		for j := range times {
			times[j] = h.timeOfDay(d, span)
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		cats := h.categoryTable(d.Month())
		for _, at := range times {
			evs, err := h.plan(ctx, at.UTC(), cats)
			if err != nil {
				return err
			}
			buf = append(buf, evs)
			if len(buf) == batch {
				select {
				case out <- buf:
				case <-ctx.Done():
					return ctx.Err()
				}
				buf = nil
			}
		}
	}
	if len(buf) > 0 {
		select {
		case out <- buf:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// dayShare is the share of a day's reports made in its first d.
func (h *historyGen) dayShare(d time.Duration) float64 {
	sum, part := 0.0, 0.0
	for hr, wt := range hourWeights {
		sum += wt
		from := time.Duration(hr) * time.Hour
		switch {
		case d >= from+time.Hour:
			part += wt
		case d > from:
			part += wt * float64(d-from) / float64(time.Hour)
		}
	}
	return part / sum
}

// timeOfDay picks a time of day d in [0, span) by the hour profile.
func (h *historyGen) timeOfDay(d time.Time, span time.Duration) time.Time {
	for {
		x := h.rng.Float64() * hourSum
		hr := 0
		for ; hr < 23 && x >= hourWeights[hr]; hr++ {
			x -= hourWeights[hr]
		}
		off := time.Duration(hr)*time.Hour + time.Duration(h.rng.Int64N(int64(time.Hour/time.Second)))*time.Second
		if off < span {
			return d.Add(off)
		}
		if span < time.Minute {
			return d
		}
	}
}

// apportion splits n into integer shares proportional to wts (largest
// remainders).
func apportion(wts []float64, total float64, n int) []int {
	out := make([]int, len(wts))
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(wts))
	left := n
	for i, wt := range wts {
		x := wt / total * float64(n)
		out[i] = int(math.Floor(x))
		left -= out[i]
		rems[i] = rem{i, x - math.Floor(x)}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.r > b.r:
			return -1
		case a.r < b.r:
			return 1
		}
		return 0
	})
	for k := 0; k < left; k++ {
		out[rems[k%len(rems)].i]++
	}
	return out
}

// categoryTable is the cumulative category weights of month m.
func (h *historyGen) categoryTable(m time.Month) []float64 {
	cum := make([]float64, len(h.w.categories))
	sum := 0.0
	for i, c := range h.w.categories {
		sum += c.weight * c.season.factor(m)
		cum[i] = sum
	}
	return cum
}

// pick returns an index by cumulative weights.
func (h *historyGen) pick(cum []float64) int {
	x := h.rng.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}
