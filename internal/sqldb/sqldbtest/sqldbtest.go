// Package sqldbtest opens migrated test databases: a temporary SQLite file
// per test and, when GRIDWORK_TEST_POSTGRES holds a DSN, a fresh PostgreSQL
// schema per test, so the same test functions run on both engines in parallel.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// EnvPostgres names the variable holding the PostgreSQL DSN for tests.
const EnvPostgres = "GRIDWORK_TEST_POSTGRES"

// Options tune a test database.
type Options struct {
	Now func() time.Time // injected clock; time.Now if nil
}

// SQLite returns a migrated database in a temporary file, closed at cleanup.
func SQLite(t testing.TB, opt Options) *sqldb.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sqldb.Open(context.Background(), path, sqldb.Options{Now: opt.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// Postgres returns a migrated database in a fresh schema of the server named
// by GRIDWORK_TEST_POSTGRES; the schema is dropped at cleanup. It skips the
// test when the variable is unset.
func Postgres(t testing.TB, opt Options) *sqldb.DB {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " not set: PostgreSQL tests skipped")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("postgres dsn: %v", err)
	}
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{Now: opt.Now, MaxReaders: 2, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open postgres schema: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}

// PostgresDSN returns a DSN for a fresh schema (dropped at cleanup), for
// tests that start whole processes; it skips when the variable is unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	db := Postgres(t, Options{})
	return db.DSN
}

func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Engines runs fn as a subtest on SQLite and, when configured, PostgreSQL.
// Subtests run in parallel.
func Engines(t *testing.T, opt Options, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, SQLite(t, opt))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, Postgres(t, opt))
	})
}
