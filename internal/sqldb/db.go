// Package sqldb opens Gridwork's database — embedded SQLite by default,
// PostgreSQL for production — runs the embedded per-dialect migrations,
// provides transactions with after-commit hooks and translates driver errors
// into apperr codes. It knows nothing of the domain.
package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database: a single-connection writer and a reader pool on
// SQLite, one shared pool on PostgreSQL.
type DB struct {
	Dialect Dialect
	DSN     string

	write *sql.DB
	read  *sql.DB
	now   func() time.Time
	log   *slog.Logger
	sync  string     // SQLite's synchronous pragma
	stmts *stmtCache // SQLite's writer statements; nil on PostgreSQL
	reads *readStmts // SQLite's reader statements; nil on PostgreSQL
}

// Options configure Open. The zero value is usable.
type Options struct {
	Now    func() time.Time // the clock stamped on transactions; time.Now if nil
	Logger *slog.Logger     // slog.Default() if nil
	// Synchronous is SQLite's synchronous pragma; "FULL" (durable on power
	// loss) unless set.
	Synchronous string
	// MaxReaders bounds the SQLite reader pool and the PostgreSQL pool.
	MaxReaders int
}

// Open connects to dsn: "postgres://…" or "postgresql://…" selects
// PostgreSQL; anything else is a SQLite file path (optionally "sqlite:path").
// It pings the database but does not migrate it; call Migrate for that.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.MaxReaders <= 0 {
		opt.MaxReaders = max(4, 2*runtime.NumCPU())
	}
	db := &DB{DSN: dsn, now: opt.Now, log: opt.Logger}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.Dialect = Postgres
		err = db.openPostgres(opt)
	} else {
		db.Dialect = SQLite
		err = db.openSQLite(strings.TrimPrefix(dsn, "sqlite:"), opt)
	}
	if err != nil {
		return nil, err
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqldb: ping %s: %w", db.Dialect, err)
	}
	return db, nil
}

func (db *DB) openPostgres(opt Options) error {
	pool, err := sql.Open("pgx", db.DSN)
	if err != nil {
		return fmt.Errorf("sqldb: open postgres: %w", err)
	}
	pool.SetMaxOpenConns(opt.MaxReaders * 2)
	pool.SetMaxIdleConns(opt.MaxReaders * 2)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db.write, db.read = pool, pool
	return nil
}

func (db *DB) openSQLite(path string, opt Options) error {
	if path == "" {
		return fmt.Errorf("sqldb: empty database path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("sqldb: create directory for %s: %w", path, err)
		}
	}
	sync := opt.Synchronous
	if sync == "" {
		sync = "FULL"
	}
	// busy_timeout comes first so that the following pragmas wait for locks too.
	// temp_store=MEMORY keeps statement journals of large writes off disk;
	// a 32 MiB page cache (per connection) keeps the random-keyed indexes of
	// bulk imports (blind indexes) from spilling to disk.
	pragmas := []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(" + sync + ")",
		"temp_store(MEMORY)", fmt.Sprintf("cache_size(-%d)", defaultCacheKiB)}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	w := q
	w.Set("_txlock", "immediate") // writers take the lock at BEGIN, never upgrade mid-transaction
	write, err := sql.Open("sqlite", "file:"+path+"?"+w.Encode())
	if err != nil {
		return fmt.Errorf("sqldb: open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	r := url.Values{}
	for _, p := range pragmas {
		r.Add("_pragma", p)
	}
	r.Add("_pragma", "query_only(1)")
	r.Set("_time_format", "sqlite")
	read, err := sql.Open("sqlite", "file:"+path+"?"+r.Encode())
	if err != nil {
		write.Close()
		return fmt.Errorf("sqldb: open sqlite reader %s: %w", path, err)
	}
	read.SetMaxOpenConns(opt.MaxReaders)
	read.SetMaxIdleConns(opt.MaxReaders)
	read.SetConnMaxIdleTime(0)
	db.write, db.read, db.sync = write, read, sync
	db.stmts = &stmtCache{}
	db.reads = &readStmts{}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.reads != nil {
		db.reads.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		if rerr := db.read.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// Now returns the current time from the injected clock, in UTC.
func (db *DB) Now() time.Time { return db.now().UTC() }

// Logger returns the database's logger.
func (db *DB) Logger() *slog.Logger { return db.log }

// Query runs a read-only query on the reader pool.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := db.readStmt(ctx, query); s != nil {
		rows, err := s.QueryContext(ctx, args...)
		return rows, Translate(err)
	}
	rows, err := db.read.QueryContext(ctx, query, args...)
	return rows, Translate(err)
}

// QueryRow runs a read-only single-row query on the reader pool.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s := db.readStmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, query, args...)
}

// readStmt is query prepared on SQLite's reader pool, or nil.
func (db *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	if db.reads == nil {
		return nil
	}
	return db.reads.get(ctx, db.read, query)
}

// WriterPool returns the pool that writes (for migrations and tools that
// need a *sql.DB). On SQLite it holds one connection: do not keep it busy.
func (db *DB) WriterPool() *sql.DB { return db.write }

// ReaderPool returns the pool used by Query.
func (db *DB) ReaderPool() *sql.DB { return db.read }
