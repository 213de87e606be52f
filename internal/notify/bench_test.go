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

// BenchmarkPublish measures what notify adds to a case transaction on
// SQLite: one event with three inbox recipients and two matching webhooks
// (of four), fanned out to a live subscriber.
//
//	go test -run '^$' -bench Publish ./internal/notify/
func BenchmarkPublish(b *testing.B) {
	db := sqldbtest.SQLite(b, sqldbtest.Options{})
	f := &fixture{db: db}
	f.svc = notify.NewService(db, notify.Options{Logger: slog.New(slog.DiscardHandler)})
	sys := auth.WithActor(context.Background(), auth.SystemActor())
	var users []int64
	err := db.Transact(sys, func(tx *sqldb.Tx) error {
		for _, name := range []string{"u1", "u2", "u3"} {
			id, err := tx.InsertID(sys, `INSERT INTO users (username, display_name, password_hash, password_changed_at, created_at, updated_at)
				VALUES ($1, $1, 'x', $2, $2, $2) RETURNING id`, name, tx.Now)
			if err != nil {
				return err
			}
			users = append(users, id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range []notify.WebhookInput{
		{Name: "x", URL: "https://sms.example/x", RegionPath: pathStreetX},
		{Name: "all", URL: "https://sms.example/all", Kinds: []string{"case.*"}},
		{Name: "y", URL: "https://sms.example/y", RegionPath: pathStreetY},
		{Name: "closed", URL: "https://sms.example/c", Kinds: []string{"case.closed"}},
	} {
		in.Secret = "0123456789abcdef"
		if _, err := f.svc.CreateWebhook(sys, in); err != nil {
			b.Fatal(err)
		}
	}
	live, cancel := f.svc.Subscribe(context.Background(), auth.SystemActor())
	defer cancel()
	go func() {
		for range live {
		}
	}()
	e := caseEvent("case.dispatched", users...)
	// Alone, a durable commit per event dominates; in a batch of 100 (as
	// group commit would run it) what remains is notify's own work.
	for _, batch := range []int{1, 100} {
		b.Run(map[int]string{1: "commit-each", 100: "batch-100"}[batch], func(b *testing.B) {
			n := 0
			for b.Loop() {
				err := db.Transact(sys, func(tx *sqldb.Tx) error {
					for range batch {
						if err := f.svc.Publish(sys, tx, e); err != nil {
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
