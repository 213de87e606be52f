package sqldb_test

import (
	"context"
	"testing"

	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// TestBulkLoad: the writer's page cache grows and its commits stop waiting
// for the disk during a bulk load, and both come back; readers keep their
// cache.
func TestBulkLoad(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.SQLite(t, sqldbtest.Options{})
	// Read on the writer's one connection, unprepared: SQLite bakes some
	// pragmas' values into a prepared statement.
	writer := func(pragma string) int64 {
		var n int64
		if err := db.WriterPool().QueryRowContext(ctx, `PRAGMA `+pragma).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	writerCache := func() int64 { return writer("cache_size") }
	const normal, full = 1, 2
	if n, s := writerCache(), writer("synchronous"); n != -32768 || s != full {
		t.Fatalf("writer before: cache %d, synchronous %d", n, s)
	}
	restore, err := db.BulkLoad(ctx, 512)
	if err != nil {
		t.Fatal(err)
	}
	if n, s := writerCache(), writer("synchronous"); n != -512*1024 || s != normal {
		t.Errorf("writer during the load: cache %d, synchronous %d", n, s)
	}
	var r int64
	if err := db.QueryRow(ctx, `PRAGMA cache_size`).Scan(&r); err != nil || r != -32768 {
		t.Errorf("reader cache during the load: %d %v", r, err)
	}
	if err := restore(ctx); err != nil {
		t.Fatal(err)
	}
	if n, s := writerCache(), writer("synchronous"); n != -32768 || s != full {
		t.Errorf("writer after: cache %d, synchronous %d", n, s)
	}
}
