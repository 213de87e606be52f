package category

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Service is the use cases of the dictionary, the departments and the
// time-limit policies. It is safe for concurrent use.
type Service struct {
	db   *sqldb.DB
	cal  *calendar.Service
	seed *seedSet

	mu   sync.Mutex               // held while the snapshot loads and when it is dropped
	snap atomic.Pointer[snapshot] // nil until loaded and after an edit
}

// NewService returns a service on db. cal may be nil; when set, LimitFor
// uses the calendar's working hours to halve an odd number of working days
// (the default urgent limit of a category without one). It panics if the
// embedded seed files are broken, which a test of this package rules out.
func NewService(db *sqldb.DB, cal *calendar.Service) *Service {
	seed, err := loadSeed()
	if err != nil {
		panic(err)
	}
	return &Service{db: db, cal: cal, seed: seed}
}

// Page limits of list queries. The dictionary is small (a few hundred rows),
// so a picker may fetch all of it in one page.
const (
	defaultLimit = 50
	maxLimit     = 5000
)

func page(offset, limit int) (int, int) {
	if limit <= 0 {
		limit = defaultLimit
	}
	if limit > maxLimit {
		limit = maxLimit
	}
	if offset < 0 {
		offset = 0
	}
	return offset, limit
}

// querier is what both the reader pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// where builds a WHERE clause with numbered placeholders.
type where struct {
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

// add adds a condition.
func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

// String returns " WHERE …" or "".
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// checkDictionaryWrite allows changes to the dictionary and the policies,
// which hold for the whole deployment: the system, or an actor holding
// region.write at a county or city (a street's admin must not change the
// limits its county works to). A later issue may give these their own
// action; region.write at the top of the tree stands in for it.
func checkDictionaryWrite(ctx context.Context, q querier) error {
	paths, all, err := auth.Scoped(ctx, auth.ActRegionWrite)
	if err != nil {
		return err
	}
	if all {
		return nil
	}
	w := &where{}
	ph := make([]string, len(paths))
	for i, p := range paths {
		ph[i] = w.arg(p)
	}
	var n int
	err = q.QueryRow(ctx, `SELECT count(*) FROM regions WHERE level IN ('city', 'county') AND path IN (`+strings.Join(ph, ", ")+`)`,
		w.args...).Scan(&n)
	if err != nil {
		return sqldb.Translate(err)
	}
	if n == 0 {
		return apperr.New(apperr.Forbidden, "", "只有区县及以上的管理员可以修改分类字典和时限",
			"only administrators of a county or above may change the category dictionary and time limits")
	}
	return nil
}
