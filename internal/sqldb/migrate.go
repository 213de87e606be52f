package sqldb

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are plain SQL files per dialect, numbered by owning domain:
// 00001–00009 sqldb, 0001x auth, 0002x territory, 0003x people, 0004x cases,
// 0005x stats, 0006x open311 and so on.
//
//go:embed migrations
var migrations embed.FS

// Migrate brings the schema up to date. On PostgreSQL a session advisory
// lock keeps several processes from migrating at once.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.provider(ctx)
	if err != nil {
		return err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", db.Dialect, err)
	}
	for _, r := range res {
		db.log.Debug("migrated", "version", r.Source.Version, "path", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// MigrationStatus reports the current and the newest schema version.
func (db *DB) MigrationStatus(ctx context.Context) (current, target int64, err error) {
	p, err := db.provider(ctx)
	if err != nil {
		return 0, 0, err
	}
	return p.GetVersions(ctx)
}

// MigrationsDigest returns a hash of the embedded migrations of a dialect:
// tests use it to name a template database that is migrated once.
func MigrationsDigest(d Dialect) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations, "migrations/"+string(d), func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("sqldb: digest migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (db *DB) provider(ctx context.Context) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations for %s: %w", db.Dialect, err)
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// The lock is per schema: processes migrating the same schema wait
		// for each other, other schemas of the database are not held up.
		var schema string
		if err := db.write.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, fmt.Errorf("sqldb: current schema: %w", err)
		}
		h := fnv.New64a()
		h.Write([]byte(schema))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lock.DefaultLockID ^ int64(h.Sum64()>>1)))
		if err != nil {
			return nil, fmt.Errorf("sqldb: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.write, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations: %w", err)
	}
	return p, nil
}
