package sqldb

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
)

// TestStmtCache: on SQLite a statement run inside a transaction is
// prepared before the next one and then reused, with the same results
// (also after a savepoint rolled back); statements beyond the bound run
// unprepared.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Transact(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO kv (k, v) VALUES ($1, $2) RETURNING v`
	cached := func() bool {
		db.stmts.mu.Lock()
		defer db.stmts.mu.Unlock()
		return db.stmts.stmts[insert] != nil
	}
	for i := range 4 {
		err := db.Transact(ctx, func(tx *Tx) error {
			if i >= 1 && !cached() {
				t.Errorf("transaction %d: the insert is not prepared", i)
			}
			v, err := tx.InsertID(ctx, insert, fmt.Sprint("k", i), i)
			if err != nil || v != int64(i) {
				return fmt.Errorf("insert %d: %d, %w", i, v, err)
			}
			// A duplicate inside a savepoint fails alone, also prepared.
			if err := tx.Savepoint(ctx, func(tx *Tx) error {
				_, err := tx.InsertID(ctx, insert, fmt.Sprint("k", i), i)
				return err
			}); err == nil {
				return fmt.Errorf("duplicate %d accepted", i)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM kv`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("%d rows (%v); want 4", n, err)
	}

	// Past the bound, queries run unprepared and are not noted.
	err = db.Transact(ctx, func(tx *Tx) error {
		for i := range maxCachedStmts + 10 {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE kv SET v = v + %d WHERE k = 'k0'`, i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.stmts.prepare(ctx, db.write)
	if got := len(db.stmts.stmts) + len(db.stmts.waiting); got > maxCachedStmts {
		t.Errorf("%d statements kept; want at most %d", got, maxCachedStmts)
	}
	if err := db.QueryRow(ctx, `SELECT v FROM kv WHERE k = 'k0'`).Scan(&n); err != nil || n != (maxCachedStmts+9)*(maxCachedStmts+10)/2 {
		t.Errorf("k0 = %d (%v)", n, err)
	}
}
