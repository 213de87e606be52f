package sqldb

import (
	"context"
	"database/sql"
)

// Querier is what the reader pool (*DB) and a write transaction (*Tx) have
// in common, so that one lookup serves a service's reads and a caller's
// transaction alike.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
)

// Scanner is a *sql.Row or *sql.Rows, so that one function scans a table's
// row whether it was read alone or in a list.
type Scanner interface{ Scan(dest ...any) error }

var (
	_ Scanner = (*sql.Row)(nil)
	_ Scanner = (*sql.Rows)(nil)
	_ Scanner = ScanFunc(nil)
)

// ScanFunc adapts a function to Scanner: a query that selects a table's
// columns and then more can hand a row scanner a ScanFunc that appends the
// extra destinations.
type ScanFunc func(dest ...any) error

// Scan calls f.
func (f ScanFunc) Scan(dest ...any) error { return f(dest...) }
