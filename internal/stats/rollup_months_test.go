package stats_test

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
)

// TestMonthSpans checks that queries over periods — read from the whole
// months of stats_monthly and the edge days of stats_daily — answer the
// daily sums (Series stays on days, so the sum of its points is the
// oracle), for periods that start or end mid-month, on month boundaries,
// across a year boundary and inside one month.
func TestMonthSpans(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		// Facts on every day from 2025-10-20 to 2026-04-10, in both grids
		// and street2, under a few categories, channels and persons.
		r := rand.New(rand.NewPCG(11, 12))
		regs := []struct {
			id   int64
			path string
		}{{f.grid1.ID, f.grid1.Path}, {f.grid2.ID, f.grid2.Path}, {f.street2.ID, f.street2.Path}}
		agg := stats.NewAggregator()
		start, end := local(2025, 10, 20, 0, 0), local(2026, 4, 10, 0, 0)
		for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
			for range 1 + r.IntN(4) {
				g := regs[r.IntN(len(regs))]
				fc := stats.Fact{Day: stats.DayOf(d, shanghai), RegionID: g.id, RegionPath: g.path,
					Category: fmt.Sprintf("K%d", r.IntN(4)), Channel: "hotline", PersonID: int64(1 + r.IntN(12)),
					C: stats.Counters{Reported: 1 + r.Int64N(3), Handled: r.Int64N(3), Closed: r.Int64N(2), HandleSeconds: r.Int64N(90000)}}
				fc.C.H[r.IntN(stats.HistBuckets)] = 1
				agg.Add(fc)
			}
		}
		if err := db.Transact(ctx, func(tx *sqldb.Tx) error { return agg.Flush(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		checkMonths(t, db)

		// series sums the daily points of one region and dimension key.
		series := func(q stats.Query) stats.Counters {
			t.Helper()
			pts, err := f.st.Series(sys(), q)
			if err != nil {
				t.Fatal(err)
			}
			var c stats.Counters
			for _, p := range pts {
				c.Add(&p.Counters)
			}
			return c
		}
		for _, p := range []struct{ name, from, to string }{
			{"mid-month across a year", "2025-11-10", "2026-02-17"},
			{"month boundaries", "2025-12-01", "2026-02-01"},
			{"one whole month", "2026-01-01", "2026-02-01"},
			{"mid-month to mid-month over a new year", "2025-12-15", "2026-01-15"},
			{"inside one month", "2026-01-05", "2026-01-20"},
			{"from a first to mid-month", "2026-01-01", "2026-03-10"},
			{"mid-month to a first", "2025-11-20", "2026-03-01"},
			{"one day on a first", "2026-02-01", "2026-02-02"},
			{"last day of a year", "2025-12-31", "2026-01-01"},
			{"every month", "2025-10-01", "2026-05-01"},
		} {
			t.Run(p.name, func(t *testing.T) {
				from, _ := time.ParseInLocation("2006-01-02", p.from, shanghai)
				to, _ := time.ParseInLocation("2006-01-02", p.to, shanghai)
				q := stats.Query{RegionID: f.county.ID, From: from, To: to}
				k, err := f.st.KPIs(sys(), q)
				if err != nil {
					t.Fatal(err)
				}
				want := series(q)
				if want.Reported == 0 {
					t.Fatal("no cases in the period: the test would prove nothing")
				}
				if d := gocmp.Diff(want, k.Counters); d != "" {
					t.Errorf("KPIs (-days +spans):\n%s", d)
				}
				kq := q
				kq.Dim, kq.Key = stats.DimCategory, "K1"
				if k, err := f.st.KPIs(sys(), kq); err != nil {
					t.Fatal(err)
				} else if d := gocmp.Diff(series(kq), k.Counters); d != "" {
					t.Errorf("KPIs of K1 (-days +spans):\n%s", d)
				}
				// Rankings: every person's sums and the order (most
				// reported, then handled, then key) as the days give them.
				for _, limit := range []int{1000, 5} {
					rows, err := f.st.Breakdown(sys(), q, stats.DimPerson, limit)
					if err != nil {
						t.Fatal(err)
					}
					type ranked struct {
						key string
						c   stats.Counters
					}
					var all []ranked
					for id := 1; id <= 12; id++ {
						pq := q
						pq.Dim, pq.Key = stats.DimPerson, strconv.Itoa(id)
						if c := series(pq); !c.IsZero() {
							all = append(all, ranked{pq.Key, c})
						}
					}
					slices.SortFunc(all, func(a, b ranked) int {
						return cmp.Or(cmp.Compare(b.c.Reported, a.c.Reported), cmp.Compare(b.c.Handled, a.c.Handled), cmp.Compare(a.key, b.key))
					})
					all = all[:min(limit, len(all))]
					if len(rows) != len(all) {
						t.Fatalf("limit %d: %d persons ranked, want %d", limit, len(rows), len(all))
					}
					for i := range rows {
						if rows[i].Key != all[i].key {
							t.Errorf("limit %d rank %d: person %s, want %s", limit, i+1, rows[i].Key, all[i].key)
						}
						if d := gocmp.Diff(all[i].c, rows[i].Counters); d != "" {
							t.Errorf("person %s (-days +spans):\n%s", rows[i].Key, d)
						}
					}
				}
				rows, err := f.st.Breakdown(sys(), q, stats.DimRegion, 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != 2 {
					t.Fatalf("%d child regions, want 2", len(rows))
				}
				for _, row := range rows {
					rq := q
					rq.RegionID, _ = strconv.ParseInt(row.Key, 10, 64)
					if d := gocmp.Diff(series(rq), row.Counters); d != "" {
						t.Errorf("region %s (-days +spans):\n%s", row.Label, d)
					}
				}
			})
		}
	})
}

// TestFlushBefore checks that a bulk load flushed in steps (FlushBefore a
// watermark after each batch, then Flush) writes exactly the rows one
// Flush of everything writes, and that the steps bound what the
// Aggregator holds.
func TestFlushBefore(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		// 70 days from 2025-11-25: across two month ends and a year's.
		cs := synthCases(synthTerritory(), 1500, 70)
		one := stats.NewAggregator()
		for _, fs := range cs {
			one.Add(fs...)
		}
		held := one.Len()
		if err := db.Transact(ctx, func(tx *sqldb.Tx) error { return one.Flush(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if one.Len() != 0 {
			t.Errorf("Len after Flush %d, want 0", one.Len())
		}
		want := dumpAll(t, db)
		if len(want) == 0 {
			t.Fatal("no rollups")
		}
		checkMonths(t, db)
		clearRollups(t, db)

		steps := stats.NewAggregator()
		most := 0
		for i := 0; i < len(cs); i += 100 {
			for _, fs := range cs[i:min(i+100, len(cs))] {
				steps.Add(fs...)
			}
			most = max(most, steps.Len())
			// The watermark: the day of the batch's first case; facts of
			// later days (closing) stay, as do the month's.
			mark := cs[i][0].Day
			if err := db.Transact(ctx, func(tx *sqldb.Tx) error { return steps.FlushBefore(ctx, tx, mark) }); err != nil {
				t.Fatal(err)
			}
		}
		if most*2 > held {
			t.Errorf("the steps held up to %d entries, one aggregator %d: FlushBefore frees too little", most, held)
		}
		if err := db.Transact(ctx, func(tx *sqldb.Tx) error { return steps.Flush(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if d := gocmp.Diff(want, dumpAll(t, db)); d != "" {
			t.Errorf("rollups flushed in steps differ (-one flush +steps):\n%s", d)
		}

		// A watermark that does not follow the facts only costs upserts.
		clearRollups(t, db)
		odd := stats.NewAggregator()
		for i, fs := range cs {
			odd.Add(fs...)
			if i%300 == 299 {
				mark := stats.DayOf(benchStart.AddDate(0, 0, 90-i/30), shanghai)
				if err := db.Transact(ctx, func(tx *sqldb.Tx) error { return odd.FlushBefore(ctx, tx, mark) }); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := db.Transact(ctx, func(tx *sqldb.Tx) error { return odd.Flush(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if d := gocmp.Diff(want, dumpAll(t, db)); d != "" {
			t.Errorf("rollups flushed with odd watermarks differ (-one flush +steps):\n%s", d)
		}
	})
}

// TestAggregator checks that a fact reaches its region, every ancestor and
// each dimension, on its day and its month.
func TestAggregator(t *testing.T) {
	t.Parallel()
	db := sqldbtest.SQLite(t, sqldbtest.Options{})
	ctx := context.Background()
	a := stats.NewAggregator()
	c := stats.Counters{Reported: 1}
	a.Add(stats.Fact{Day: 20260302, RegionID: 17, RegionPath: "/1/4/17/", Category: "LE0102", Channel: "hotline", DepartmentID: 3, PersonID: 5, C: c})
	a.Add(stats.Fact{Day: 20260302, RegionID: 17, RegionPath: "/1/4/17/", Category: "LE0102", Channel: "hotline", C: c})
	a.Add(stats.Fact{Day: 20260315, RegionID: 17, RegionPath: "/1/4/17/", Category: "LE0102", Channel: "hotline", C: c})
	if err := db.Transact(ctx, func(tx *sqldb.Tx) error { return a.Flush(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		// 3 regions × (total, category, channel, department, person) on
		// 3/2, and × (total, category, channel) on 3/15.
		{`SELECT count(*) FROM stats_daily`, 24},
		// … in one month.
		{`SELECT count(*) FROM stats_monthly`, 15},
		{`SELECT count(*) FROM stats_monthly WHERE month = 20260301 AND reported = 3 AND dim IN ('', 'category', 'channel')`, 9},
		{`SELECT count(*) FROM stats_daily WHERE region_id = 1 AND dim = 'person' AND key = '5' AND day = 20260302 AND reported = 1`, 1},
	} {
		var n int
		if err := db.QueryRow(ctx, tc.query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != tc.want {
			t.Errorf("%s: %d, want %d", tc.query, n, tc.want)
		}
	}

	// Upserts write the counter groups their rows use: flushes of rows
	// with different groups onto the same rows add up column by column.
	clearRollups(t, db)
	full := stats.Counters{Reported: 1, Returned: 2, Rework: 3, HandleSeconds: 4, Overtime: 5, VerifyDue: 6, ClosedCity: 7,
		Supervised: 8, Unsatisfied: 9}
	full.H[11] = 10
	for _, cs := range [][]stats.Counters{{full}, {{Handled: 1}, {Ratings: 2}}, {{Reported: 1}}, {full}} {
		a := stats.NewAggregator()
		for i, c := range cs {
			a.Add(stats.Fact{Day: 20260302 + int32(i), RegionID: 17, RegionPath: "/1/4/17/", Category: "LE0102", Channel: "hotline", C: c})
		}
		if err := db.Transact(ctx, func(tx *sqldb.Tx) error { return a.Flush(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
	}
	var got [12]int64
	if err := db.QueryRow(ctx, `SELECT reported, returned, rework, handle_seconds, overtime, verify_due, closed_city, supervised,
		unsatisfied, h11, handled, ratings FROM stats_monthly WHERE region_id = 1 AND dim = '' AND month = 20260301`).Scan(
		&got[0], &got[1], &got[2], &got[3], &got[4], &got[5], &got[6], &got[7], &got[8], &got[9], &got[10], &got[11]); err != nil {
		t.Fatal(err)
	}
	if want := [12]int64{3, 4, 6, 8, 10, 12, 14, 16, 18, 20, 1, 2}; got != want {
		t.Errorf("month row %v, want %v", got, want)
	}
}

// checkMonths checks that stats_monthly holds exactly the sums of the
// days of stats_daily per month, as migration 00100's backfill computes
// them: it replaces the monthly rows by the backfill's and compares. It
// also proves the backfill on the rows of the calling test.
func checkMonths(t *testing.T, db *sqldb.DB) {
	t.Helper()
	ddl, err := os.ReadFile(filepath.Join("..", "sqldb", "migrations", string(db.Dialect), "00100_stats_monthly.sql"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(ddl)
	i := strings.Index(s, "INSERT INTO stats_monthly")
	j := strings.Index(s[max(i, 0):], ";")
	if i < 0 || j < 0 {
		t.Fatal("00100 has no backfill")
	}
	q := `SELECT * FROM stats_monthly ORDER BY region_id, dim, key, month`
	before := dumpText(t, db, q)
	if len(before) == 0 {
		t.Fatal("no monthly rows")
	}
	ctx := context.Background()
	err = db.Transact(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM stats_monthly`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s[i:i+j])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := gocmp.Diff(before, dumpText(t, db, q)); d != "" {
		t.Errorf("monthly rows differ from the months of the daily rows (-kept +backfilled):\n%s", d)
	}
}

// dumpAll reads every rollup table, one line per row.
func dumpAll(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	var out []string
	for _, q := range []string{`SELECT 'day', * FROM stats_daily ORDER BY region_id, dim, key, day`,
		`SELECT 'month', * FROM stats_monthly ORDER BY region_id, dim, key, month`,
		`SELECT 'open', * FROM stats_open ORDER BY region_id, dim, key, due_day`,
		`SELECT 'age', * FROM stats_open_age ORDER BY region_id, dim, key, reported_day`} {
		out = append(out, dumpText(t, db, q)...)
	}
	return out
}

// dumpText reads the rows of query as text, one line per row (so that a
// sum PostgreSQL returns as numeric reads as the count it is).
func dumpText(t *testing.T, db *sqldb.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		line := make([]string, len(vals))
		for i, v := range vals {
			line[i] = v.String
		}
		out = append(out, strings.Join(line, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// clearRollups empties the rollup tables.
func clearRollups(t *testing.T, db *sqldb.DB) {
	t.Helper()
	for _, q := range []string{`DELETE FROM stats_daily`, `DELETE FROM stats_monthly`, `DELETE FROM stats_open`, `DELETE FROM stats_open_age`} {
		if err := db.Transact(context.Background(), func(tx *sqldb.Tx) error { _, err := tx.Exec(context.Background(), q); return err }); err != nil {
			t.Fatal(err)
		}
	}
}
