package category

import (
	"context"
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

// checkDictionaryWrite allows changes to the dictionary and the policies,
// which hold for the whole deployment: the system, or an actor holding
// region.write at a county or city (a street's admin must not change the
// limits its county works to). A later issue may give these their own
// action; region.write at the top of the tree stands in for it.
func checkDictionaryWrite(ctx context.Context, q sqldb.Querier) error {
	paths, all, err := auth.Scoped(ctx, auth.ActRegionWrite)
	if err != nil {
		return err
	}
	if all {
		return nil
	}
	w := &sqldb.Where{}
	var n int
	err = q.QueryRow(ctx, `SELECT count(*) FROM regions WHERE level IN ('city', 'county') AND path IN (`+sqldb.ArgList(w, paths)+`)`,
		w.Args()...).Scan(&n)
	if err != nil {
		return sqldb.Translate(err)
	}
	if n == 0 {
		return apperr.New(apperr.Forbidden, "", "只有区县及以上的管理员可以修改分类字典和时限",
			"only administrators of a county or above may change the category dictionary and time limits")
	}
	return nil
}
