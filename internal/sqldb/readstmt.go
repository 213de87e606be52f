package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// readStmts keeps SQLite's read queries prepared on the reader pool. A list
// page runs the same few queries on every request, and parsing one costs
// SQLite about as much as running it (a grid worker's task list spent a
// fifth of its time in the parser); database/sql prepares a Stmt on each
// reader connection once and keeps it there.
type readStmts struct {
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	refused map[string]bool // failed to prepare: run unprepared
}

// get returns query's statement on pool, preparing it the first time, or
// nil once maxCachedStmts queries are kept (texts built with a varying
// number of arguments must not fill memory) or when it does not prepare.
func (c *readStmts) get(ctx context.Context, pool *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	s, ok := c.stmts[query]
	full := len(c.stmts) >= maxCachedStmts || c.refused[query]
	c.mu.Unlock()
	if ok || full {
		return s
	}
	s, err := pool.PrepareContext(ctx, query)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil:
		if c.refused == nil {
			c.refused = make(map[string]bool)
		}
		if len(c.refused) < maxCachedStmts {
			c.refused[query] = true
		}
		return nil
	case c.stmts[query] != nil: // prepared meanwhile by another request
		_ = s.Close()
		return c.stmts[query]
	}
	if c.stmts == nil {
		c.stmts = make(map[string]*sql.Stmt)
	}
	c.stmts[query] = s
	return s
}

// close closes the kept statements.
func (c *readStmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		_ = s.Close()
	}
	clear(c.stmts)
}
