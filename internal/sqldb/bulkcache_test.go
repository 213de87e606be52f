package sqldb_test

import (
	"context"
	"testing"

	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// TestBulkCache: the writer's page cache grows for a bulk load, inside
// transactions too, and comes back to 32 MiB; readers keep theirs.
func TestBulkCache(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.SQLite(t, sqldbtest.Options{})
	writerCache := func() int64 {
		var n int64
		if err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			return tx.QueryRow(ctx, `PRAGMA cache_size`).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := writerCache(); n != -32768 {
		t.Fatalf("writer cache before: %d", n)
	}
	restore, err := db.BulkCache(ctx, 512)
	if err != nil {
		t.Fatal(err)
	}
	if n := writerCache(); n != -512*1024 {
		t.Errorf("writer cache during the load: %d", n)
	}
	var r int64
	if err := db.QueryRow(ctx, `PRAGMA cache_size`).Scan(&r); err != nil || r != -32768 {
		t.Errorf("reader cache during the load: %d %v", r, err)
	}
	if err := restore(ctx); err != nil {
		t.Fatal(err)
	}
	if n := writerCache(); n != -32768 {
		t.Errorf("writer cache after: %d", n)
	}
}
