package cases_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// factObserver stands in for the KPI recorder of internal/stats: one
// insert per event, inside the event's transaction.
type factObserver struct{}

func (factObserver) ObserveEvents(ctx context.Context, tx *sqldb.Tx, changes []cases.Change) error {
	for _, ch := range changes {
		if _, err := tx.Exec(ctx, `INSERT INTO bench_facts (case_id, seq, action) VALUES ($1, $2, $3)`,
			ch.Event.CaseID, ch.Event.Seq, string(ch.Event.Action)); err != nil {
			return err
		}
	}
	return nil
}

// withObserver rebuilds f's service with obs and opt.
func withObserver(t testing.TB, f *fixture, obs cases.Observer, opt cases.Options) {
	t.Helper()
	keys, err := people.NewKeyring(bytes.Repeat([]byte{7}, people.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if opt.Now == nil {
		opt.Now = f.clk.Now
	}
	opt.Logger = discard
	f.svc = cases.NewService(cases.Deps{DB: f.db, Auth: f.users, Territory: f.terr, Keys: keys, Category: f.cat,
		Calendar: f.cal, Media: f.med, Notify: f.ntf, Observer: obs}, opt)
}

// BenchmarkReportParallel measures intake with many reporters at once on
// SQLite (durable, synchronous=FULL): each report carries its own
// idempotency key (as the web form's do), and an observer adds one insert
// per event as the KPI recorder does.
//
//	go test ./internal/cases -run '^$' -bench ReportParallel -cpu 2
func BenchmarkReportParallel(b *testing.B) {
	for _, reporters := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("reporters=%d", reporters), func(b *testing.B) {
			f := newFixture(b, sqldbtest.SQLite(b, sqldbtest.Options{}), cases.Options{})
			if _, err := f.db.WriterPool().Exec(`CREATE TABLE bench_facts (case_id INTEGER, seq INTEGER, action TEXT)`); err != nil {
				b.Fatal(err)
			}
			withObserver(b, f, factObserver{}, cases.Options{})
			in := f.leak()
			ctx := as(f.resident)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			cpu0 := cpuTime()
			for range reporters {
				wg.Go(func() {
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						in := in
						in.IdempotencyKey = fmt.Sprintf("bench-%d", i)
						if _, err := f.svc.Report(ctx, in); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/case")
			if st := f.svc.GroupStats(); st.Transactions > 0 {
				b.ReportMetric(float64(st.Writes)/float64(st.Transactions), "cases/commit")
			}
		})
	}
}
