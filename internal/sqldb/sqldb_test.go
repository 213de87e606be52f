package sqldb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

func TestTransactCommitRollbackAndTranslate(t *testing.T) {
	fixed := time.Date(2026, 3, 6, 22, 40, 0, 0, time.UTC)
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return fixed }}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		ran := false
		err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			tx.AfterCommit(func() { ran = true })
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "a", "1", tx.Now)
			return err
		})
		if err != nil || !ran {
			t.Fatalf("commit: err=%v hook ran=%v", err, ran)
		}
		// A unique violation becomes a Conflict naming the column, and rolls back.
		ran = false
		err = db.Transact(ctx, func(tx *sqldb.Tx) error {
			tx.AfterCommit(func() { ran = true })
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "b", "2", tx.Now); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "a", "3", tx.Now)
			return err
		})
		if apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("duplicate key: got %v, want conflict", err)
		}
		if ran {
			t.Fatal("after-commit hook ran on rollback")
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM settings`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("rows after rollback = %d, %v; want 1", n, err)
		}
		var at time.Time
		if err := db.QueryRow(ctx, `SELECT updated_at FROM settings WHERE key = $1`, "a").Scan(&at); err != nil {
			t.Fatal(err)
		}
		if !at.Equal(fixed) {
			t.Fatalf("updated_at = %v, want %v", at, fixed)
		}
		err = db.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, "zz").Scan(new(string))
		if apperr.CodeOf(sqldb.Translate(err)) != apperr.NotFound {
			t.Fatalf("no rows: got %v", err)
		}
		if !errors.Is(sqldb.Translate(err), err) {
			t.Fatal("translated error does not wrap the cause")
		}
	})
}
