package stats

import (
	"context"
	"fmt"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// rebuildCases is how many cases Rebuild replays at a time, and
// rebuildRows how many merged entries (Aggregator.Len) it holds before
// writing them: each expands to up to 20 rollup rows per table.
const (
	rebuildCases = 1000
	rebuildRows  = 50_000
)

// Rebuild recomputes the rollups from the case events: it empties
// stats_daily, stats_monthly, the open rollups and stats_pending and folds every case's events into facts,
// in one transaction (on PostgreSQL holding the projector's lock, so no
// drain runs meanwhile; run it with the servers stopped, since events
// appended while it runs may be missed). progress, if set, is told the
// cases done and the total. It returns the number of events replayed.
// Only the system actor may rebuild.
func (s *Service) Rebuild(ctx context.Context, progress func(done, total int)) (int, error) {
	if err := auth.Check(ctx, auth.ActCaseRead, auth.Resource{}); err != nil {
		return 0, err
	}
	events := 0
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		events = 0
		if tx.Dialect == sqldb.Postgres {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+drainLockKey+`)`); err != nil {
				return fmt.Errorf("stats: rebuild lock: %w", sqldb.Translate(err))
			}
		}
		for _, q := range []string{`DELETE FROM stats_daily`, `DELETE FROM stats_monthly`, `DELETE FROM stats_open`, `DELETE FROM stats_open_age`, `DELETE FROM stats_pending`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("stats: rebuild: %w", sqldb.Translate(err))
			}
		}
		lo, hi, total, err := cases.CaseIDs(ctx, tx)
		if err != nil {
			return err
		}
		agg := NewAggregator()
		done := 0
		for from := lo; total > 0 && from <= hi; from += rebuildCases {
			chs, err := cases.ReplayCases(ctx, tx, from, from+rebuildCases-1)
			if err != nil {
				return fmt.Errorf("stats: rebuild: %w", err)
			}
			for _, ch := range chs {
				agg.Add(Facts(ch, s.opt.Zone)...)
				if ch.Event.Seq == 1 {
					done++
				}
			}
			events += len(chs)
			if agg.Len() >= rebuildRows {
				if err := agg.Flush(ctx, tx); err != nil {
					return err
				}
			}
			if progress != nil {
				progress(done, total)
			}
		}
		return agg.Flush(ctx, tx)
	})
	if err != nil {
		return 0, err
	}
	return events, nil
}
