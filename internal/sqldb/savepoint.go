package sqldb

import (
	"context"
	"errors"
	"fmt"
)

// ErrTxAborted marks an error after which the transaction cannot go on (a
// savepoint could not be set, released or rolled back): return it from
// Transact's function so that the whole transaction rolls back.
var ErrTxAborted = errors.New("sqldb: transaction aborted")

// Savepoint runs fn inside a savepoint of tx, so that a failure undoes fn's
// work alone. If fn returns an error, the savepoint is rolled back — fn's
// writes and the after-commit hooks it registered are dropped — and the
// transaction carries on (also on PostgreSQL after a failed statement);
// Savepoint returns fn's error. If fn returns nil, the savepoint is released
// and fn's writes commit or roll back with the transaction. Savepoints nest.
//
// ctx should not be cancelled while fn runs: a statement that fails because
// of it may leave the transaction aborted. When setting, releasing or
// rolling back the savepoint fails, the error wraps ErrTxAborted (and fn's
// error, if any).
func (tx *Tx) Savepoint(ctx context.Context, fn func(tx *Tx) error) error {
	// One name serves every level: both engines resolve a name to the
	// innermost savepoint holding it, and fn's savepoints end before ours.
	const name = "gw_sp"
	if _, err := tx.Tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("%w: set savepoint: %w", ErrTxAborted, Translate(err))
	}
	hooks := len(tx.afterCommit)
	ferr := fn(tx)
	if ferr == nil {
		if _, err := tx.Tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
			return fmt.Errorf("%w: release savepoint: %w", ErrTxAborted, Translate(err))
		}
		return nil
	}
	// ROLLBACK TO keeps the savepoint open; RELEASE then drops it, so that
	// a long transaction of many savepoints does not pile them up.
	for _, stmt := range []string{"ROLLBACK TO SAVEPOINT " + name, "RELEASE SAVEPOINT " + name} {
		if _, err := tx.Tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w: %s: %w (after %w)", ErrTxAborted, stmt, Translate(err), ferr)
		}
	}
	clear(tx.afterCommit[hooks:])
	tx.afterCommit = tx.afterCommit[:hooks]
	return ferr
}
