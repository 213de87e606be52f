package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Recorder is the cases.Observer that queues the facts of each event for
// the projector: one small insert into stats_pending in the case's own
// transaction, so the facts commit or roll back with the events.
type Recorder struct {
	zone *time.Location
	kick func()
}

// ObserveEvents queues the facts of changes in tx and, once tx commits,
// asks the projector to drain.
func (r *Recorder) ObserveEvents(ctx context.Context, tx *sqldb.Tx, changes []cases.Change) error {
	var facts []Fact
	for _, ch := range changes {
		facts = append(facts, Facts(ch, r.zone)...)
	}
	if len(facts) == 0 {
		return nil
	}
	b, err := json.Marshal(facts)
	if err != nil {
		return fmt.Errorf("stats: encode facts: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO stats_pending (events, facts, created_at) VALUES ($1, $2, $3)`,
		len(changes), string(b), tx.Now); err != nil {
		return fmt.Errorf("stats: queue facts: %w", sqldb.Translate(err))
	}
	if r.kick != nil {
		tx.AfterCommit(r.kick)
	}
	return nil
}

// drainBatch is how many pending rows one drain transaction takes.
const drainBatch = 2000

// drainLockKey is the PostgreSQL advisory lock of the projector, as the
// two keys of pg_advisory_xact_lock: one per schema, so that databases
// sharing a server (the tests' schemas, tenants) do not wait on each other.
const drainLockKey = `hashtext('gridwork-stats-drain'), hashtext(current_schema())`

// Drain adds the pending facts to the rollups in id order, in batches of
// one transaction each that also deletes the rows it added: each fact is
// counted exactly once. On PostgreSQL a transaction-scoped advisory lock
// keeps two processes from draining at once (the loser returns 0). It
// returns the number of events projected.
func (s *Service) Drain(ctx context.Context) (int, error) {
	// Look before taking the writer: an idle server drains every 500 ms.
	var pending int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM stats_pending LIMIT 1) p`).Scan(&pending)
	if err != nil || pending == 0 {
		if err != nil {
			err = fmt.Errorf("stats: read pending: %w", sqldb.Translate(err))
		}
		return 0, err
	}
	total := 0
	agg := NewAggregator()
	for {
		n, rows, err := s.drainOnce(ctx, agg)
		total += n
		if err != nil {
			return total, err
		}
		if rows < drainBatch {
			return total, nil
		}
	}
}

// drainOnce drains one batch; it returns the events projected and the
// pending rows taken.
func (s *Service) drainOnce(ctx context.Context, agg *Aggregator) (events, taken int, err error) {
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		events, taken = 0, 0
		if tx.Dialect == sqldb.Postgres {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(`+drainLockKey+`)`).Scan(&ok); err != nil {
				return fmt.Errorf("stats: drain lock: %w", sqldb.Translate(err))
			}
			if !ok {
				return nil
			}
		}
		rows, err := tx.Query(ctx, `SELECT id, events, facts FROM stats_pending ORDER BY id LIMIT $1`, drainBatch)
		if err != nil {
			return fmt.Errorf("stats: read pending: %w", sqldb.Translate(err))
		}
		var ids []int64
		for rows.Next() {
			var id int64
			var n int
			var text string
			if err := rows.Scan(&id, &n, &text); err != nil {
				rows.Close()
				return fmt.Errorf("stats: read pending: %w", sqldb.Translate(err))
			}
			var facts []Fact
			if err := json.Unmarshal([]byte(text), &facts); err != nil {
				rows.Close()
				return fmt.Errorf("stats: pending row %d: %w", id, err)
			}
			agg.Add(facts...)
			ids = append(ids, id)
			events += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("stats: read pending: %w", sqldb.Translate(err))
		}
		taken = len(ids)
		if taken == 0 {
			return nil
		}
		if err := agg.Flush(ctx, tx); err != nil {
			return err
		}
		// Delete exactly the rows read: on PostgreSQL a row with a lower id
		// may commit after a higher one was read.
		for start := 0; start < len(ids); start += 500 {
			chunk := ids[start:min(start+500, len(ids))]
			ph := make([]string, len(chunk))
			args := make([]any, len(chunk))
			for i, id := range chunk {
				ph[i] = fmt.Sprintf("$%d", i+1)
				args[i] = id
			}
			if _, err := tx.Exec(ctx, `DELETE FROM stats_pending WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...); err != nil {
				return fmt.Errorf("stats: delete pending: %w", sqldb.Translate(err))
			}
		}
		return nil
	})
	if err != nil {
		agg.reset()
		return 0, 0, err
	}
	return events, taken, nil
}
