package stats_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
)

// synthTerritory is the benchmark's district (benchStreets × benchComms ×
// benchGrids) with made-up ids, for benchmarks that need no database rows.
func synthTerritory() *benchTerritory {
	tr := &benchTerritory{district: 1}
	next := int64(2)
	id := func() int64 { next++; return next - 1 }
	for range benchStreets {
		s := id()
		for range benchComms {
			c := id()
			for range benchGrids {
				g := id()
				tr.grids = append(tr.grids, g)
				tr.gridPaths = append(tr.gridPaths, fmt.Sprintf("/1/%d/%d/%d/", s, c, g))
			}
		}
	}
	for i := range 40 {
		tr.codes = append(tr.codes, fmt.Sprintf("C%02d", i))
	}
	for range benchDepts {
		tr.depts = append(tr.depts, id())
	}
	for range tr.grids {
		tr.workers = append(tr.workers, 10_000+id())
		var ms []int64
		for range benchMembers {
			ms = append(ms, 10_000+id())
		}
		tr.members = append(tr.members, ms)
	}
	for range benchDeptStaff {
		tr.staff = append(tr.staff, 10_000+id())
	}
	return tr
}

// synthCases returns the facts of n cases reported over days days, in
// report order, one slice per case: what the 10M benchmark's lifecycle
// counts (the report and the closing day) and, as the case's events
// would, its open contribution added at the report, moved from one due
// day to the next at registration, dispatch and handling, and taken out
// at closing: about 8 facts per case.
func synthCases(tr *benchTerritory, n, days int) [][]stats.Fact {
	r := rand.New(rand.NewPCG(7, 8))
	zipf := rand.NewZipf(r, 1.5, 2, uint64(len(tr.codes)-1))
	out := make([][]stats.Fact, 0, n)
	for i := range n {
		d := i * days / n
		fs := tr.lifecycle(r, zipf, d, nil)
		closed := len(fs) == 2 // the report's facts and the closing day's
		rep := fs[0]
		at := benchStart.AddDate(0, 0, d).Add(time.Duration(r.IntN(86400)) * time.Second)
		o := stats.Fact{RegionID: rep.RegionID, RegionPath: rep.RegionPath, Category: rep.Category, Channel: rep.Channel,
			Open: 1, Unhandled: 1, DueDay: rep.Day, ReportedAt: at.Unix(), ReportedDay: rep.Day}
		fs = append(fs, o)
		for step := range 3 {
			out, in := o, o
			out.Open, out.Unhandled, out.ReportedAt = -1, -o.Unhandled, -o.ReportedAt
			in.DepartmentID, in.PersonID = rep.DepartmentID, rep.PersonID
			in.DueDay = stats.DayOf(benchStart.AddDate(0, 0, d+step+1), shanghai)
			if step == 2 {
				in.Unhandled = 0
			}
			fs = append(fs, out, in)
			o = in
		}
		if closed { // take the contribution out
			o.Open, o.Unhandled, o.ReportedAt = -1, -o.Unhandled, -o.ReportedAt
			fs = append(fs, o)
		}
		out = append(out, fs)
	}
	return out
}

// BenchmarkAggregator measures the Aggregator on the facts of realistic
// cases (synthCases: 30,000 cases over 30 days, about 8 facts each): Add
// alone; Add and the in-memory part of Flush (expanding to the rollup
// rows, sorting them: the Aggregator's whole cost); and Add then Flush
// into a SQLite database (rows inserted).
// go test ./internal/stats -run '^$' -bench Aggregator
func BenchmarkAggregator(b *testing.B) {
	tr := synthTerritory()
	cs := synthCases(tr, 30_000, 30)
	nf := 0
	for _, fs := range cs {
		nf += len(fs)
	}
	report := func(b *testing.B, spent time.Duration, loops int) {
		b.ReportMetric(float64(spent.Nanoseconds())/float64(loops*nf), "ns/fact")
		b.ReportMetric(float64(spent.Nanoseconds())/float64(loops*len(cs))/1000, "µs/case")
	}
	b.Run("Add", func(b *testing.B) {
		loops := 0
		start := time.Now()
		for b.Loop() {
			a := stats.NewAggregator()
			for _, fs := range cs {
				a.Add(fs...)
			}
			loops++
		}
		report(b, time.Since(start), loops)
	})
	b.Run("AddExpand", func(b *testing.B) {
		loops := 0
		start := time.Now()
		rows := 0
		for b.Loop() {
			a := stats.NewAggregator()
			for _, fs := range cs {
				a.Add(fs...)
			}
			rows = a.ExpandAll()
			loops++
		}
		report(b, time.Since(start), loops)
		b.ReportMetric(float64(rows)/float64(len(cs)), "rows/case")
	})
	b.Run("AddFlush", func(b *testing.B) {
		db := sqldbtest.SQLite(b, sqldbtest.Options{})
		ctx := context.Background()
		loops := 0
		var spent time.Duration
		for b.Loop() {
			b.StopTimer()
			for _, q := range []string{`DELETE FROM stats_daily`, `DELETE FROM stats_monthly`, `DELETE FROM stats_open`, `DELETE FROM stats_open_age`} {
				if _, err := db.WriterPool().ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			t0 := time.Now()
			a := stats.NewAggregator()
			for _, fs := range cs {
				a.Add(fs...)
			}
			if err := db.Transact(ctx, func(tx *sqldb.Tx) error { return a.Flush(ctx, tx) }); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(t0)
			loops++
		}
		report(b, spent, loops)
	})
}
