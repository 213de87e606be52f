package people_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

var errRollback = errors.New("roll back")

// BenchmarkImportResidents50k imports a 50,000-row ledger (with 100 bad
// rows) into one transaction and rolls it back, on SQLite and, when
// configured, PostgreSQL.
func BenchmarkImportResidents50k(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(testing.TB, sqldbtest.Options) *sqldb.DB
	}{{"sqlite", sqldbtest.SQLite}, {"postgres", sqldbtest.Postgres}} {
		b.Run(engine.name, func(b *testing.B) {
			db := engine.open(b, sqldbtest.Options{Now: now})
			s := newService(b, db)
			rows, refs := importRows(50000)
			for i := 0; i < 100; i++ {
				rows[i*500].Phone = "12345"
			}
			ctx := as(1, "管理员", auth.RoleAdmin, district)
			b.ResetTimer()
			for b.Loop() {
				err := db.Transact(context.Background(), func(tx *sqldb.Tx) error {
					created, bad, err := s.ImportResidents(ctx, tx, rows, refs)
					if err != nil {
						return err
					}
					if created != 49900 || len(bad) != 100 {
						b.Fatalf("created %d, %d bad", created, len(bad))
					}
					return errRollback
				})
				if !errors.Is(err, errRollback) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
