package sqldb

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
)

// TestReadStmts: on SQLite a read query is prepared once on the reader
// pool and reused with the same results, also after the schema changed
// under it; a query that does not prepare still reports its error.
func TestReadStmts(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if err := db.Transact(ctx, func(tx *Tx) error { _, err := tx.Exec(ctx, q); return err }); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`)
	exec(`INSERT INTO kv (k, v) VALUES ('a', 1), ('b', 2)`)
	const sum = `SELECT sum(v) FROM kv WHERE k >= $1`
	for i, want := range []int{3, 3} {
		var got int
		if err := db.QueryRow(ctx, sum, "a").Scan(&got); err != nil || got != want {
			t.Fatalf("query %d: %d, %v; want %d", i, got, err, want)
		}
	}
	db.reads.mu.Lock()
	kept := db.reads.stmts[sum] != nil
	db.reads.mu.Unlock()
	if !kept {
		t.Fatal("the read query is not kept prepared")
	}
	exec(`ALTER TABLE kv ADD COLUMN w INTEGER NOT NULL DEFAULT 0`)
	exec(`INSERT INTO kv (k, v) VALUES ('c', 4)`)
	rows, err := db.Query(ctx, sum, "b")
	if err != nil {
		t.Fatal(err)
	}
	var got int
	for rows.Next() {
		if err := rows.Scan(&got); err != nil {
			t.Fatal(err)
		}
	}
	rows.Close()
	if got != 6 {
		t.Fatalf("after a schema change: %d; want 6", got)
	}
	if _, err := db.Query(ctx, `SELECT nope FROM kv`); err == nil {
		t.Fatal("a query naming a missing column ran")
	}
}
