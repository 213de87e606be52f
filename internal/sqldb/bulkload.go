package sqldb

import (
	"context"
	"fmt"
)

// defaultCacheKiB is the page cache of every SQLite connection (the
// cache_size pragma set when the pools open), in KiB.
const defaultCacheKiB = 32768

// BulkLoad readies SQLite's writer connection for a bulk load (the demo's
// history) and returns the function that undoes it:
//   - a page cache of cacheMiB MiB instead of 32: a large load adds rows at
//     thousands of places in each index at once (a rollup row per region
//     and category, an index entry per grid), and once those leaves no
//     longer fit every insert reads its page back from the file;
//   - synchronous=NORMAL: commits no longer wait for the disk (in WAL mode
//     the file stays consistent; a power cut may lose the last batches,
//     which a loader that starts over on failure does not need).
//
// On PostgreSQL it does nothing.
func (db *DB) BulkLoad(ctx context.Context, cacheMiB int) (restore func(context.Context) error, err error) {
	if db.Dialect != SQLite {
		return func(context.Context) error { return nil }, nil
	}
	set := func(ctx context.Context, kib int, sync string) error {
		for _, p := range []string{fmt.Sprintf("PRAGMA cache_size = -%d", kib), "PRAGMA synchronous = " + sync} {
			if _, err := db.write.ExecContext(ctx, p); err != nil {
				return fmt.Errorf("sqldb: bulk load: %w", Translate(err))
			}
		}
		return nil
	}
	if err := set(ctx, cacheMiB*1024, "NORMAL"); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return set(ctx, defaultCacheKiB, db.sync) }, nil
}
