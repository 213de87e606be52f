package cases_test

import (
	"testing"

	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// BenchmarkReport measures intake on SQLite (durable, synchronous=FULL):
// validate, route by building, write the case, its first event and the
// notification, one transaction per case.
//
//	go test ./internal/cases -run '^$' -bench Report
func BenchmarkReport(b *testing.B) {
	f := newFixture(b, sqldbtest.SQLite(b, sqldbtest.Options{}), cases.Options{})
	in := f.leak()
	for b.Loop() {
		if _, err := f.svc.Report(as(f.resident), in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkAct measures one transition (register) on SQLite.
func BenchmarkAct(b *testing.B) {
	f := newFixture(b, sqldbtest.SQLite(b, sqldbtest.Options{}), cases.Options{})
	in := f.leak()
	cs := make([]*cases.Case, b.N)
	for i := range cs {
		cs[i] = f.report(f.resident, in)
	}
	b.ResetTimer()
	for i := range b.N {
		f.act(f.secretary, cs[i], cases.ActInput{Action: cases.ActRegister})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "acts/s")
}

// BenchmarkFindCases measures a grid worker's task list (the first page
// of its grid's open cases, most urgent first) with 200 open cases in the
// grid among 2,000.
func BenchmarkFindCases(b *testing.B) {
	f := newFixture(b, sqldbtest.SQLite(b, sqldbtest.Options{}), cases.Options{})
	in := f.leak()
	elsewhere := cases.ReportInput{Channel: cases.ChannelResident, Category: "E06010", Title: "垃圾", Lon: fp(117.015), Lat: fp(36.605)}
	for i := range 2000 {
		if i%10 == 0 {
			f.report(f.resident, in)
		} else {
			f.report(f.resident, elsewhere)
		}
	}
	open := true
	for b.Loop() {
		if _, _, err := f.svc.FindCases(as(f.worker1), cases.CaseFilter{Open: &open, Limit: 20}); err != nil {
			b.Fatal(err)
		}
	}
}
