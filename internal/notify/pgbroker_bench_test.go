package notify_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// BenchmarkPublishPostgres measures what the PostgreSQL broker adds to a
// transaction that publishes (one pg_notify per event) against the
// in-memory broker, with a second process listening.
//
//	GRIDWORK_TEST_POSTGRES=… go test -run '^$' -bench PublishPostgres ./internal/notify/
func BenchmarkPublishPostgres(b *testing.B) {
	db := sqldbtest.Postgres(b, sqldbtest.Options{})
	quiet := slog.New(slog.DiscardHandler)
	sys := auth.WithActor(context.Background(), auth.SystemActor())
	other, err := notify.NewPgBroker(context.Background(), db, notify.PgBrokerOptions{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { other.Run(ctx); close(done) }()
	defer func() { stop(); <-done }()
	<-other.Listening()
	heard, cancel := other.Subscribe(context.Background(), auth.SystemActor())
	defer cancel()
	go func() {
		for range heard {
		}
	}()
	pg, err := notify.NewPgBroker(context.Background(), db, notify.PgBrokerOptions{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	// One recipient: each transaction writes (an inbox row), as a case
	// transaction always does, so that both variants commit durably.
	var user int64
	if err := db.Transact(sys, func(tx *sqldb.Tx) error {
		user, err = tx.InsertID(sys, `INSERT INTO users (username, display_name, password_hash, password_changed_at, created_at, updated_at)
			VALUES ('u1', 'u1', 'x', $1, $1, $1) RETURNING id`, tx.Now)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	e := caseEvent("case.dispatched", user)
	for _, broker := range []struct {
		name string
		b    notify.Broker
	}{{"memory", notify.NewMemoryBroker(0, nil)}, {"postgres", pg}} {
		svc := notify.NewService(db, notify.Options{Broker: broker.b, Logger: quiet})
		for _, batch := range []int{1, 100} {
			b.Run(broker.name+map[int]string{1: "/commit-each", 100: "/batch-100"}[batch], func(b *testing.B) {
				n := 0
				for b.Loop() {
					err := db.Transact(sys, func(tx *sqldb.Tx) error {
						for range batch {
							if err := svc.Publish(sys, tx, e); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					n += batch
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
