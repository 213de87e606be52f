package sqldb

import (
	"context"
	"embed"
	"fmt"
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
	p, err := db.provider()
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
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	return p.GetVersions(ctx)
}

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations for %s: %w", db.Dialect, err)
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
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
