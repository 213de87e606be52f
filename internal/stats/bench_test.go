package stats_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
)

// The synthetic district of the 10-million-case benchmark: 10 streets × 3
// communities × 10 grids, 10 million cases reported over 365 days, and
// 100,000 of them still open.
const (
	benchVersion   = "v2"
	benchCases     = 10_000_000
	benchOpen      = 100_000
	benchStreets   = 10
	benchComms     = 3  // per street
	benchGrids     = 10 // per community
	benchDays      = 365
	benchDepts     = 15
	benchMembers   = 1 // party members per grid, besides its grid worker
	benchDeptStaff = 15
)

// benchStart is the first day of the benchmark's year; benchNow the
// clock of its queries (the last day, at noon).
var (
	benchStart = time.Date(2025, 11, 25, 0, 0, 0, 0, shanghai)
	benchNow   = benchStart.AddDate(0, 0, benchDays-1).Add(12 * time.Hour)
)

// benchWorld is the cached benchmark database and what queries need of it.
type benchWorld struct {
	db                     *sqldb.DB
	st                     *stats.Service
	district, street, grid int64
}

// openBenchWorld opens the benchmark database, building it on first use
// into os.TempDir() (keyed by benchVersion; a few minutes once, a few GB).
func openBenchWorld(b *testing.B) *benchWorld {
	b.Helper()
	if testing.Short() {
		b.Skip("the 10-million-case benchmark builds a multi-GB database; not with -short")
	}
	path := filepath.Join(os.TempDir(), "gridwork-stats-bench-"+benchVersion+".db")
	if _, err := os.Stat(path); err != nil {
		b.Logf("building %s (once): %d cases over %d days", path, benchCases, benchDays)
		start := time.Now()
		if err := buildBenchDB(path + ".tmp"); err != nil {
			b.Fatalf("build benchmark database: %v", err)
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(path + ".tmp" + suffix)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built in %s", time.Since(start).Round(time.Second))
	}
	db, err := sqldb.Open(context.Background(), path, sqldb.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := benchOpenRollups(db); err != nil {
		b.Fatal(err)
	}
	if err := benchOpenIndex(db); err != nil {
		b.Fatal(err)
	}
	w := &benchWorld{db: db, st: stats.NewService(db, stats.Options{Now: func() time.Time { return benchNow }, Zone: shanghai,
		Logger: slog.New(slog.DiscardHandler)})}
	ctx := context.Background()
	if err := db.QueryRow(ctx, `SELECT id FROM regions WHERE parent_id IS NULL`).Scan(&w.district); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT min(id) FROM regions WHERE level = 'township'`).Scan(&w.street); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT min(id) FROM regions WHERE level = 'grid'`).Scan(&w.grid); err != nil {
		b.Fatal(err)
	}
	return w
}

// benchOpenIndex recreates the open-case indexes and the rankings' index
// as migrations 00090 and 00098 now declare them, in a cached database
// built with earlier declarations (creating the rankings' index when
// missing: about a minute over 10 M rollup rows).
func benchOpenIndex(db *sqldb.DB) error {
	for _, ix := range []struct {
		file, name string
		create     bool
	}{{"00090_stats.sql", "cases_open", false},
		{"00098_stats_open.sql", "cases_open_handling_due", false}, {"00098_stats_open.sql", "cases_open_step_due", false},
		{"00098_stats_open.sql", "stats_daily_rank", true}, {"00100_stats_monthly.sql", "stats_monthly_rank", false}} {
		ddl, err := os.ReadFile(filepath.Join("..", "sqldb", "migrations", "sqlite", ix.file))
		if err != nil {
			return err
		}
		s := string(ddl)
		i := strings.Index(s, "CREATE INDEX "+ix.name+" ")
		if i < 0 {
			return fmt.Errorf("%s declares no %s", ix.file, ix.name)
		}
		j := strings.Index(s[i:], ";")
		ctx := context.Background()
		var have string
		err = db.QueryRow(ctx, `SELECT sql FROM sqlite_master WHERE name = $1`, ix.name).Scan(&have)
		if errors.Is(err, sql.ErrNoRows) && ix.create {
			if _, err := db.WriterPool().ExecContext(ctx, s[i:i+j]); err != nil {
				return err
			}
			continue
		}
		if errors.Is(err, sql.ErrNoRows) {
			continue // created with its tables (benchOpenRollups)
		}
		if err != nil {
			return err
		}
		if strings.Join(strings.Fields(have), " ") == strings.Join(strings.Fields(s[i:i+j]), " ") {
			continue
		}
		for _, q := range []string{`DROP INDEX ` + ix.name, s[i : i+j]} {
			if _, err := db.WriterPool().ExecContext(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}

// benchOpenRollups creates the open rollups of migration 00098 in a
// cached database built before it, and fills them from the open cases
// rows when empty (through the real Aggregator; a few seconds).
func benchOpenRollups(db *sqldb.DB) error {
	ctx := context.Background()
	var have int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'stats_open'`).Scan(&have); err != nil {
		return err
	}
	if have == 0 {
		ddl, err := os.ReadFile(filepath.Join("..", "sqldb", "migrations", "sqlite", "00098_stats_open.sql"))
		if err != nil {
			return err
		}
		up, _, _ := strings.Cut(string(ddl), "-- +goose Down")
		if _, err := db.WriterPool().ExecContext(ctx, up); err != nil {
			return fmt.Errorf("00098: %w", err)
		}
	}
	if err := db.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM stats_open LIMIT 1) o`).Scan(&have); err != nil || have > 0 {
		return err
	}
	start := time.Now()
	rows, err := db.Query(ctx, `SELECT region_id, region_path, category_code, channel, COALESCE(assignee_department_id, 0),
		COALESCE(assignee_user_id, 0), state, handling_due_at, due_at, reported_at FROM cases WHERE state NOT IN ('closed', 'rejected')`)
	if err != nil {
		return err
	}
	agg := stats.NewAggregator()
	n := 0
	for rows.Next() {
		f := stats.Fact{Open: 1}
		var state string
		var hdue, sdue sql.NullTime
		var rep time.Time
		if err := rows.Scan(&f.RegionID, &f.RegionPath, &f.Category, &f.Channel, &f.DepartmentID, &f.PersonID, &state, &hdue, &sdue, &rep); err != nil {
			rows.Close()
			return err
		}
		if state != "handled" && state != "verified" {
			f.Unhandled = 1
		}
		if hdue.Valid {
			f.DueDay = stats.DayOf(hdue.Time, shanghai)
		} else if sdue.Valid {
			f.DueDay = stats.DayOf(sdue.Time, shanghai)
		}
		f.ReportedAt, f.ReportedDay = rep.Unix(), stats.DayOf(rep, shanghai)
		agg.Add(f)
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	err = db.Transact(ctx, func(tx *sqldb.Tx) error { return agg.Flush(ctx, tx) })
	if err == nil {
		_, err = db.WriterPool().ExecContext(ctx, `ANALYZE`)
	}
	fmt.Fprintf(os.Stderr, "open rollups of %d open cases filled in %s\n", n, time.Since(start).Round(time.Millisecond))
	return err
}

// benchTerritory is the synthetic territory: region ids and paths.
type benchTerritory struct {
	district  int64
	grids     []int64
	gridPaths []string
	codes     []string // categories, most frequent first
	depts     []int64
	workers   []int64 // per grid
	members   [][]int64
	staff     []int64
}

// buildBenchDB creates the benchmark database at path.
func buildBenchDB(path string) error {
	ctx := auth.WithActor(context.Background(), auth.SystemActor())
	os.Remove(path)
	db, err := sqldb.Open(ctx, path, sqldb.Options{Synchronous: "OFF", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	cal := calendar.NewService(db, calendar.Options{})
	if _, err := cal.SeedDefaults(ctx); err != nil {
		return err
	}
	cat := category.NewService(db, cal)
	if _, err := cat.SeedDefaults(ctx); err != nil {
		return err
	}
	tr, err := benchTerritoryFill(ctx, db)
	if err != nil {
		return err
	}
	if err := benchRollups(ctx, db, tr); err != nil {
		return err
	}
	if err := benchOpenCases(ctx, db, tr); err != nil {
		return err
	}
	_, err = db.WriterPool().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	if err == nil {
		_, err = db.WriterPool().ExecContext(ctx, `ANALYZE`)
	}
	return err
}

// benchTerritoryFill writes the regions, departments and users.
func benchTerritoryFill(ctx context.Context, db *sqldb.DB) (*benchTerritory, error) {
	tr := &benchTerritory{}
	now := time.Now().UTC()
	err := db.Transact(ctx, func(tx *sqldb.Tx) error {
		region := func(parent int64, parentPath, level, kind, code, name string) (int64, string, error) {
			var p any
			if parent != 0 {
				p = parent
			}
			id, err := tx.InsertID(ctx, `INSERT INTO regions (parent_id, level, kind, code, name, path, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, '', $6, $6) RETURNING id`, p, level, kind, code, name, now)
			if err != nil {
				return 0, "", err
			}
			path := parentPath + strconv.FormatInt(id, 10) + "/"
			_, err = tx.Exec(ctx, `UPDATE regions SET path = $1 WHERE id = $2`, path, id)
			return id, path, err
		}
		d, dpath, err := region(0, "/", "county", "district", "370102", "临江区")
		if err != nil {
			return err
		}
		tr.district = d
		for s := range benchStreets {
			sid, spath, err := region(d, dpath, "township", "street", fmt.Sprintf("370102%03d000", s+1), fmt.Sprintf("第%d街道", s+1))
			if err != nil {
				return err
			}
			for c := range benchComms {
				cid, cpath, err := region(sid, spath, "village", "community", fmt.Sprintf("370102%03d%03d", s+1, c+1), fmt.Sprintf("第%d街道第%d社区", s+1, c+1))
				if err != nil {
					return err
				}
				for g := range benchGrids {
					gid, gpath, err := region(cid, cpath, "grid", "grid", fmt.Sprintf("370102%03d%03d%03d", s+1, c+1, g+1), fmt.Sprintf("第%d社区第%d网格", c+1, g+1))
					if err != nil {
						return err
					}
					tr.grids = append(tr.grids, gid)
					tr.gridPaths = append(tr.gridPaths, gpath)
				}
			}
		}
		for i := range benchDepts {
			id, err := tx.InsertID(ctx, `INSERT INTO departments (name, kind, region_id, region_path, created_at, updated_at)
				VALUES ($1, 'government', $2, $3, $4, $4) RETURNING id`, fmt.Sprintf("部门%02d", i+1), d, dpath, now)
			if err != nil {
				return err
			}
			tr.depts = append(tr.depts, id)
		}
		user := func(name string) (int64, error) {
			return tx.InsertID(ctx, `INSERT INTO users (username, display_name, password_hash, password_changed_at, created_at, updated_at)
				VALUES ($1, $1, 'x', $2, $2, $2) RETURNING id`, name, now)
		}
		for g := range tr.grids {
			id, err := user(fmt.Sprintf("gridworker-%03d", g))
			if err != nil {
				return err
			}
			tr.workers = append(tr.workers, id)
			var ms []int64
			for m := range benchMembers {
				id, err := user(fmt.Sprintf("member-%03d-%d", g, m))
				if err != nil {
					return err
				}
				ms = append(ms, id)
			}
			tr.members = append(tr.members, ms)
		}
		for i := range benchDeptStaff {
			id, err := user(fmt.Sprintf("staff-%03d", i))
			if err != nil {
				return err
			}
			tr.staff = append(tr.staff, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT code FROM categories WHERE kind IN ('component', 'event', 'social') ORDER BY code LIMIT 40`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		tr.codes = append(tr.codes, c)
	}
	return tr, rows.Err()
}

// benchChannels are the channels with their weights.
var benchChannels = []struct {
	ch string
	w  int
}{{"resident", 35}, {"grid_worker", 30}, {"hotline", 15}, {"building_head", 8}, {"courier_volunteer", 5}, {"walk_in", 4}, {"api", 3}}

// lifecycle returns the facts of one synthetic case reported on day
// index d: what its report day and its closing day add.
func (tr *benchTerritory) lifecycle(r *rand.Rand, zipf *rand.Zipf, d int, out []stats.Fact) []stats.Fact {
	g := r.IntN(len(tr.grids))
	day := stats.DayOf(benchStart.AddDate(0, 0, d), shanghai)
	ch := benchChannels[0].ch
	n, acc := r.IntN(100), 0
	for _, c := range benchChannels {
		acc += c.w
		if n < acc {
			ch = c.ch
			break
		}
	}
	f := stats.Fact{Day: day, RegionID: tr.grids[g], RegionPath: tr.gridPaths[g], Category: tr.codes[zipf.Uint64()], Channel: ch}
	rep := f
	rep.C.Reported = 1
	rep.C.RegisterDue = 1
	rep.C.RegisterOnTime = b2i(r.Float64() < 0.98)
	switch x := r.Float64(); {
	case x < 0.03:
		rep.C.Rejected = 1
		return append(out, rep)
	case x < 0.04:
		rep.C.Registered, rep.C.Cancelled = 1, 1
		return append(out, rep)
	}
	rep.C.Registered = 1
	self := r.Float64() < 0.4
	// The assignee: the grid worker on the spot, a party member, or a
	// department's staff.
	person := tr.workers[g]
	if !self {
		rep.C.Dispatched, rep.C.DispatchDue = 1, 1
		rep.C.DispatchOnTime = b2i(r.Float64() < 0.97)
		rep.C.Returned = b2i(r.Float64() < 0.01)
		if r.Float64() < 0.4 {
			rep.DepartmentID = tr.depts[r.IntN(len(tr.depts))]
			person = tr.staff[r.IntN(len(tr.staff))]
		} else {
			person = tr.members[g][r.IntN(len(tr.members[g]))]
		}
	}
	rep.PersonID = person
	tier := r.Float64()
	if tier >= 0.85 {
		rep.C.Escalated = 1
	}
	out = append(out, rep)
	// Handled after a log-normal time around 6 hours; closed the same day
	// or the next.
	hours := math.Exp(math.Log(6) + 1.1*r.NormFloat64())
	closeDay := d + int(hours/24) + r.IntN(2)
	if closeDay >= benchDays {
		return out // still open at the end of the year
	}
	end := f
	end.Day = stats.DayOf(benchStart.AddDate(0, 0, closeDay), shanghai)
	end.DepartmentID, end.PersonID = rep.DepartmentID, person
	c := &end.C
	c.Handled, c.HandleDue = 1, 1
	limit := 24.0
	c.HandleOnTime = b2i(hours <= limit)
	secs := int64(hours * 3600)
	c.HandleSeconds = secs
	c.H[benchBucket(hours)] = 1
	if !self {
		c.Timed = 1
		c.OvertimeMilli = int64(hours / limit * 1000)
		c.Overtime = b2i(hours > limit)
	}
	c.VerifyDue, c.VerifyOnTime = 1, b2i(r.Float64() < 0.98)
	c.Rework = b2i(r.Float64() < 0.005)
	c.Verified = 1 - c.Rework
	c.Closed = 1
	c.ClosedOnTime = c.HandleOnTime
	switch {
	case tier < 0.85:
		c.ClosedGrid = 1
	case tier < 0.95:
		c.ClosedCommunity = 1
	case tier < 0.99:
		c.ClosedStreet = 1
	default:
		c.ClosedDistrict = 1
	}
	c.Reopened = b2i(r.Float64() < 0.003)
	if r.Float64() < 0.6 {
		c.Ratings = 1
		switch x := r.Float64(); {
		case x < 0.92:
			c.Satisfied = 1
		case x < 0.98:
			c.Basic = 1
		default:
			c.Unsatisfied = 1
		}
	}
	return append(out, end)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// benchBucket is the histogram bucket of a handling time in hours.
func benchBucket(h float64) int {
	for i, b := range stats.Buckets {
		if h <= b {
			return i
		}
	}
	return stats.HistBuckets - 1
}

// benchRollups generates the cases' facts day by day and writes the
// rollups (daily and monthly) through the real Aggregator, as a bulk
// loader does: every 10 days it flushes the days before the current one
// and the months that ended (FlushBefore), then everything at the end.
func benchRollups(ctx context.Context, db *sqldb.DB, tr *benchTerritory) error {
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.5, 2, uint64(len(tr.codes)-1))
	agg := stats.NewAggregator()
	perDay := benchCases / benchDays
	var facts []stats.Fact
	for d := range benchDays {
		n := perDay
		if d < benchCases%benchDays {
			n++
		}
		for range n {
			facts = tr.lifecycle(r, zipf, d, facts[:0])
			agg.Add(facts...)
		}
		if d%10 == 9 || d == benchDays-1 {
			rows := agg.Len()
			flush := func(tx *sqldb.Tx) error {
				return agg.FlushBefore(ctx, tx, stats.DayOf(benchStart.AddDate(0, 0, d), shanghai))
			}
			if d == benchDays-1 {
				flush = func(tx *sqldb.Tx) error { return agg.Flush(ctx, tx) }
			}
			if err := db.Transact(ctx, flush); err != nil {
				return err
			}
			// The build takes minutes: say how far it got.
			fmt.Fprintf(os.Stderr, "stats bench: day %d/%d, %d merged entries held, %d left\n", d+1, benchDays, rows, agg.Len())
		}
	}
	return nil
}

// benchOpenCases writes the open cases the live figures read: reported
// over the last 60 days, a tenth of them past their handling deadline.
func benchOpenCases(ctx context.Context, db *sqldb.DB, tr *benchTerritory) error {
	r := rand.New(rand.NewPCG(3, 4))
	const batch = 500
	states := []string{"reported", "registered", "dispatched", "in_progress", "handled", "verified"}
	cols := `number, channel, category_code, urgency, title, region_id, region_path, grid_id, queue_region_id, queue_path, tier, state,
		supervision, public, allow_location, anonymous, assignee_user_id, handling_due_at, due_at, reported_at, version, last_hash, created_at, updated_at`
	ncols := strings.Count(cols, ",") + 1
	for start := 0; start < benchOpen; start += batch {
		err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			var ph []string
			var args []any
			for i := start; i < min(start+batch, benchOpen); i++ {
				g := r.IntN(len(tr.grids))
				rep := benchNow.Add(-time.Duration(r.Float64() * 60 * 24 * float64(time.Hour))).UTC()
				due := rep.Add(time.Duration(24+r.IntN(24*20)) * time.Hour)
				if r.Float64() < 0.1 {
					due = benchNow.Add(-time.Duration(r.IntN(72)+1) * time.Hour).UTC()
				}
				st := states[r.IntN(len(states))]
				var hdue, sdue, assignee any
				if st != "reported" && st != "registered" {
					hdue, assignee = due, tr.members[g][0]
				} else {
					sdue = rep.Add(30 * time.Minute)
				}
				args = append(args, fmt.Sprintf("GWBENCH-%07d", i), "resident", tr.codes[r.IntN(len(tr.codes))], "normal", "bench",
					tr.grids[g], tr.gridPaths[g], tr.grids[g], tr.grids[g], tr.gridPaths[g], "grid", st,
					"normal", false, false, true, assignee, hdue, sdue, rep, 1, "x", rep, rep)
				p := make([]string, ncols)
				for j := range p {
					p[j] = fmt.Sprintf("$%d", len(args)-ncols+j+1)
				}
				ph = append(ph, "("+strings.Join(p, ", ")+")")
			}
			_, err := tx.Exec(ctx, `INSERT INTO cases (`+cols+`) VALUES `+strings.Join(ph, ", "), args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("open cases: %w", err)
		}
	}
	return nil
}

// BenchmarkKPI10M measures the KPI queries over the rollups of 10 million
// cases (see openBenchWorld): go test ./internal/stats -run '^$' -bench KPI10M
func BenchmarkKPI10M(b *testing.B) {
	w := openBenchWorld(b)
	ctx := auth.WithActor(context.Background(), auth.SystemActor())
	end := benchStart.AddDate(0, 0, benchDays)
	month := stats.Query{From: end.AddDate(0, 0, -30), To: end}
	year := stats.Query{From: benchStart, To: end}
	at := func(q stats.Query, id int64) stats.Query { q.RegionID = id; return q }
	levels := []struct {
		name string
		id   int64
	}{{"district", w.district}, {"street", w.street}, {"grid", w.grid}}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, l := range levels {
		run("KPIs/"+l.name+"/30d", func() error { _, err := w.st.KPIs(ctx, at(month, l.id)); return err })
		run("KPIs/"+l.name+"/365d", func() error { _, err := w.st.KPIs(ctx, at(year, l.id)); return err })
		q := at(year, l.id)
		q.Dim, q.Key = stats.DimCategory, "E06010"
		run("KPIs/"+l.name+"/365d/category", func() error { _, err := w.st.KPIs(ctx, q); return err })
		for _, by := range []stats.Dim{stats.DimCategory, stats.DimRegion, stats.DimPerson} {
			run("Breakdown/"+string(by)+"/"+l.name+"/30d", func() error { _, err := w.st.Breakdown(ctx, at(month, l.id), by, 20); return err })
			run("Breakdown/"+string(by)+"/"+l.name+"/365d", func() error { _, err := w.st.Breakdown(ctx, at(year, l.id), by, 20); return err })
		}
		run("Series/"+l.name+"/30d", func() error { _, err := w.st.Series(ctx, at(month, l.id)); return err })
		run("Live/"+l.name, func() error { _, err := w.st.Live(ctx, l.id); return err })
		run("Load/"+l.name, func() error { _, err := w.st.Load(ctx, l.id); return err })
	}
}

// BenchmarkDrain measures the projector: pending rows of one event each
// (a report of today anywhere in a district of 300 grids, 60 categories,
// 900 persons, moving the case's open contribution from one due day to
// the next) drained 2000 at a time into the rollups, reported as
// events/s.
func BenchmarkDrain(b *testing.B) {
	db := sqldbtest.SQLite(b, sqldbtest.Options{})
	st := stats.NewService(db, stats.Options{Zone: shanghai, Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	const batch = 2000
	events := 0
	var spent time.Duration
	for b.Loop() {
		b.StopTimer()
		err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			for range batch {
				s, c, g := r.IntN(10)+2, r.IntN(3), r.IntN(10)
				f := stats.Fact{Day: 20261125, RegionID: int64(1000 + g), Category: fmt.Sprintf("C%02d", r.IntN(60)),
					Channel: "resident", PersonID: int64(r.IntN(900) + 1), C: stats.Counters{Reported: 1, Registered: 1}}
				f.RegionPath = fmt.Sprintf("/1/%d/%d/%d/", s, 100+s*3+c, f.RegionID+int64(s*100+c*10))
				// The event also moves the case's open contribution from
				// one due day to the next, as a registration does.
				out := f
				out.C, out.Open, out.Unhandled, out.DueDay, out.ReportedAt, out.ReportedDay = stats.Counters{}, -1, -1, 20261125, -1795000000, 20261125
				in := out
				in.Open, in.Unhandled, in.DueDay, in.ReportedAt = 1, 1, 20261126, 1795000000
				if _, err := tx.Exec(ctx, `INSERT INTO stats_pending (events, facts, created_at) VALUES (1, $1, $2)`,
					`[`+mustJSON(f)+`,`+mustJSON(out)+`,`+mustJSON(in)+`]`, tx.Now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		n, err := st.Drain(ctx)
		spent += time.Since(t0)
		if err != nil || n != batch {
			b.Fatalf("drained %d: %v", n, err)
		}
		events += n
	}
	b.ReportMetric(float64(events)/spent.Seconds(), "events/s")
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
