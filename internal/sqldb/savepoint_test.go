package sqldb_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// TestSavepoint: a failing savepoint (a unique violation, or an error of
// the function) undoes its own writes and drops its after-commit hooks;
// the transaction carries on — on PostgreSQL too, where a failed statement
// aborts the transaction — and commits the rest; savepoints nest.
func TestSavepoint(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		put := func(tx *sqldb.Tx, key string) error {
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, key, "v", tx.Now)
			return err
		}
		var ran []string
		hook := func(tx *sqldb.Tx, name string) { tx.AfterCommit(func() { ran = append(ran, name) }) }
		errOwn := errors.New("own error")
		err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			if err := tx.Savepoint(ctx, func(tx *sqldb.Tx) error { hook(tx, "a"); return put(tx, "a") }); err != nil {
				return err
			}
			// A unique violation: b is undone, the hook dropped.
			err := tx.Savepoint(ctx, func(tx *sqldb.Tx) error {
				hook(tx, "b")
				if err := put(tx, "b"); err != nil {
					return err
				}
				return put(tx, "a")
			})
			if apperr.CodeOf(err) != apperr.Conflict || errors.Is(err, sqldb.ErrTxAborted) {
				t.Errorf("duplicate in savepoint: %v; want a conflict", err)
			}
			// The function's own error: c is undone.
			if err := tx.Savepoint(ctx, func(tx *sqldb.Tx) error {
				hook(tx, "c")
				if err := put(tx, "c"); err != nil {
					return err
				}
				return errOwn
			}); !errors.Is(err, errOwn) {
				t.Errorf("own error: got %v", err)
			}
			// Nested: the inner failure undoes d2 alone; d1 and d3 stay.
			if err := tx.Savepoint(ctx, func(tx *sqldb.Tx) error {
				if err := put(tx, "d1"); err != nil {
					return err
				}
				if err := tx.Savepoint(ctx, func(tx *sqldb.Tx) error {
					hook(tx, "d2")
					if err := put(tx, "d2"); err != nil {
						return err
					}
					return put(tx, "d1")
				}); apperr.CodeOf(err) != apperr.Conflict {
					t.Errorf("inner duplicate: %v", err)
				}
				hook(tx, "d3")
				return put(tx, "d3")
			}); err != nil {
				return err
			}
			return put(tx, "e")
		})
		if err != nil {
			t.Fatalf("transaction: %v", err)
		}
		rows, err := db.Query(ctx, `SELECT key FROM settings ORDER BY key`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var keys []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		if got, want := keys, []string{"a", "d1", "d3", "e"}; !slices.Equal(got, want) {
			t.Errorf("rows %v, want %v", got, want)
		}
		if got, want := ran, []string{"a", "d3"}; !slices.Equal(got, want) {
			t.Errorf("hooks ran %v, want %v", got, want)
		}

		// A savepoint that succeeded rolls back with its transaction.
		ran = nil
		err = db.Transact(ctx, func(tx *sqldb.Tx) error {
			if err := tx.Savepoint(ctx, func(tx *sqldb.Tx) error { hook(tx, "f"); return put(tx, "f") }); err != nil {
				return err
			}
			return errOwn
		})
		var n int
		if qerr := db.QueryRow(ctx, `SELECT count(*) FROM settings WHERE key = 'f'`).Scan(&n); !errors.Is(err, errOwn) || qerr != nil || n != 0 || len(ran) != 0 {
			t.Errorf("rolled-back transaction: err %v, rows %d (%v), hooks %v", err, n, qerr, ran)
		}
	})
}
