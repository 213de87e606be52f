package category

import (
	"context"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// snapshotRefresh is how long a snapshot is trusted before the lookups
// re-read the tables, so that edits made by other processes (several serve
// processes on one PostgreSQL) arrive. Edits through this Service drop the
// snapshot at once.
const snapshotRefresh = time.Minute

// snapshot is the whole dictionary, the policies and the departments in
// memory, immutable once built: LimitFor and DepartmentFor run for every
// intake and every timer tick, and a few hundred microseconds of SQL each
// would cost a large share of the intake budget (DESIGN §6).
type snapshot struct {
	cats     map[string]*Category
	policies map[Step][]*TimeLimit
	depts    map[string]map[string]*Department // name → region path → department
	loaded   time.Time
}

// current returns the snapshot, loading it when there is none or it is
// older than snapshotRefresh. The lock is held while loading, so that
// concurrent callers wait for one load and an edit's invalidation (which
// takes the lock) cannot be overtaken by a load that read the tables before
// the edit committed.
func (s *Service) current(ctx context.Context) (*snapshot, error) {
	fresh := func(now time.Time) *snapshot {
		if sn := s.snap.Load(); sn != nil && now.Sub(sn.loaded) < snapshotRefresh && !now.Before(sn.loaded) {
			return sn
		}
		return nil
	}
	if sn := fresh(s.db.Now()); sn != nil {
		return sn, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.db.Now()
	if sn := fresh(now); sn != nil {
		return sn, nil // another caller loaded it meanwhile
	}
	sn, err := loadSnapshot(ctx, s.db)
	if err != nil {
		return nil, err
	}
	sn.loaded = now
	s.snap.Store(sn)
	return sn, nil
}

// invalidate drops the snapshot; the next lookup reloads it.
func (s *Service) invalidate() {
	s.mu.Lock()
	s.snap.Store(nil)
	s.mu.Unlock()
}

// dropAfterCommit drops the snapshot once tx commits.
func (s *Service) dropAfterCommit(tx *sqldb.Tx) { tx.AfterCommit(s.invalidate) }

func loadSnapshot(ctx context.Context, db *sqldb.DB) (*snapshot, error) {
	cats, err := allCategories(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("category: load dictionary: %w", err)
	}
	ps, err := queryPolicies(ctx, db, `SELECT `+policyCols+` FROM time_limits`)
	if err != nil {
		return nil, fmt.Errorf("category: load time limits: %w", err)
	}
	ds, err := queryDepartments(ctx, db, `SELECT `+departmentCols+` FROM departments`)
	if err != nil {
		return nil, fmt.Errorf("category: load departments: %w", err)
	}
	snap := &snapshot{
		cats:     make(map[string]*Category, len(cats)),
		policies: make(map[Step][]*TimeLimit),
		depts:    make(map[string]map[string]*Department),
	}
	for _, c := range cats {
		snap.cats[c.Code] = c
	}
	for _, p := range ps {
		snap.policies[p.Step] = append(snap.policies[p.Step], p)
	}
	for _, d := range ds {
		m := snap.depts[d.Name]
		if m == nil {
			m = make(map[string]*Department)
			snap.depts[d.Name] = m
		}
		m[d.RegionPath] = d
	}
	return snap, nil
}

// chain returns a category and its ancestors, the category first, from the
// snapshot. A code the snapshot lacks is looked up in the database (another
// process may have just created it): found, the snapshot is reloaded;
// otherwise NotFound.
func (s *Service) chain(ctx context.Context, code string) (*snapshot, []*Category, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	if snap.cats[code] == nil {
		if _, err := categoryByCode(ctx, s.db, code); err != nil {
			return nil, nil, err
		}
		s.invalidate()
		if snap, err = s.current(ctx); err != nil {
			return nil, nil, err
		}
	}
	var out []*Category
	for c := snap.cats[code]; c != nil && len(out) <= maxDepth; c = snap.cats[c.ParentCode] {
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, nil, apperr.NotFoundf("分类 %s 不存在", "category %s not found", code)
	}
	return snap, out, nil
}
