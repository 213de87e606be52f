package sqldb

import (
	"context"
	"fmt"
)

// defaultCacheKiB is the page cache of every SQLite connection (the
// cache_size pragma set when the pools open), in KiB.
const defaultCacheKiB = 32768

// BulkCache gives SQLite's writer connection a page cache of mib MiB for a
// bulk load and returns the function that gives it back its usual 32 MiB.
// A large load adds rows at thousands of places in each index at once (a
// rollup row per region and category, an index entry per grid); once
// those leaves no longer fit in the cache every insert reads its page back
// from the file. On PostgreSQL it does nothing.
func (db *DB) BulkCache(ctx context.Context, mib int) (restore func(context.Context) error, err error) {
	if db.Dialect != SQLite {
		return func(context.Context) error { return nil }, nil
	}
	set := func(ctx context.Context, kib int) error {
		if _, err := db.write.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", kib)); err != nil {
			return fmt.Errorf("sqldb: cache size: %w", Translate(err))
		}
		return nil
	}
	if err := set(ctx, mib*1024); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return set(ctx, defaultCacheKiB) }, nil
}
