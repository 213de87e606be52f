package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tx is a write transaction. Now is the single timestamp of the transaction:
// every row it writes carries the same time.
type Tx struct {
	*sql.Tx
	Dialect Dialect
	Now     time.Time

	afterCommit []func()
	stmts       *stmtCache
}

// stmt returns query's statement prepared on the transaction's connection,
// or nil to run query unprepared.
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.stmts == nil {
		return nil
	}
	if s := tx.stmts.get(query); s != nil {
		return tx.Tx.StmtContext(ctx, s)
	}
	return nil
}

// AfterCommit registers fn to run once the transaction has committed
// (never if it rolls back). Use it for live events and notifications, which
// must not be seen before the data is durable.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// Exec runs a statement inside the transaction, translating driver errors.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := tx.stmt(ctx, query); s != nil {
		res, err := s.ExecContext(ctx, args...)
		return res, Translate(err)
	}
	res, err := tx.Tx.ExecContext(ctx, query, args...)
	return res, Translate(err)
}

// Query runs a query inside the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := tx.stmt(ctx, query); s != nil {
		rows, err := s.QueryContext(ctx, args...)
		return rows, Translate(err)
	}
	rows, err := tx.Tx.QueryContext(ctx, query, args...)
	return rows, Translate(err)
}

// QueryRow runs a single-row query inside the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// InsertID runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) InsertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, query, args...).Scan(&id); err != nil {
		return 0, Translate(err)
	}
	return id, nil
}

// Transact runs fn in a write transaction and commits it if fn returns nil;
// otherwise it rolls back and returns fn's error. After-commit hooks run
// after a successful commit, in order.
func (db *DB) Transact(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if db.stmts != nil {
		db.stmts.prepare(ctx, db.write)
	}
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqldb: begin: %w", Translate(err))
	}
	tx := &Tx{Tx: stx, Dialect: db.Dialect, Now: db.Now(), stmts: db.stmts}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := stx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			db.log.Error("rollback failed", "err", rerr)
		}
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("sqldb: commit: %w", Translate(err))
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}
