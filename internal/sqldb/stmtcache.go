package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statements a stmtCache keeps: queries built
// with a varying number of arguments must not fill memory.
const maxCachedStmts = 512

// stmtCache keeps the SQLite writer connection's statements prepared across
// transactions. Parsing a statement costs SQLite about as much as running a
// small insert, and a write transaction runs the same few statements again
// and again (PostgreSQL's driver caches its own statements per connection).
//
// A statement is prepared on the writer pool, which has one connection; a
// transaction holds that connection, so a statement first seen inside one
// runs unprepared and is noted, and the next Transact prepares it before it
// begins.
type stmtCache struct {
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	waiting map[string]bool
	refused map[string]bool // failed to prepare: not tried again
}

// get returns the prepared statement of query, or nil (then noting query
// for the next prepare).
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s
	}
	if len(c.stmts)+len(c.waiting) < maxCachedStmts && !c.refused[query] {
		if c.waiting == nil {
			c.waiting = make(map[string]bool)
		}
		c.waiting[query] = true
	}
	return nil
}

// prepare prepares the statements noted since the last call on pool. Call
// it outside a transaction of pool: preparing waits for the connection.
func (c *stmtCache) prepare(ctx context.Context, pool *sql.DB) {
	c.mu.Lock()
	if len(c.waiting) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.waiting))
	for q := range c.waiting {
		queries = append(queries, q)
	}
	clear(c.waiting)
	c.mu.Unlock()
	for _, q := range queries {
		s, err := pool.PrepareContext(ctx, q)
		c.mu.Lock()
		switch {
		case err != nil:
			if c.refused == nil {
				c.refused = make(map[string]bool)
			}
			if len(c.refused) < maxCachedStmts {
				c.refused[q] = true
			}
		case c.stmts[q] != nil: // prepared meanwhile by another call
			_ = s.Close()
		default:
			if c.stmts == nil {
				c.stmts = make(map[string]*sql.Stmt)
			}
			c.stmts[q] = s
		}
		c.mu.Unlock()
	}
}
