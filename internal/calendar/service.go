package calendar

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// Options configure the calendar. The zero value is usable: office hours
// in Asia/Shanghai.
type Options struct {
	Now      func() time.Time // the clock of the snapshot's refresh; time.Now if nil
	Hours    []Span           // daily working hours in local time; OfficeHours if nil
	Location *time.Location   // the calendar's time zone; Asia/Shanghai if nil
	// Refresh is how long a snapshot is trusted before Current re-reads the
	// tables, so that edits made by other processes (several serve
	// processes on one PostgreSQL) arrive; one minute if 0. Edits made
	// through this Service refresh it at once.
	Refresh time.Duration
}

func (o Options) location() (*time.Location, error) {
	if o.Location != nil {
		return o.Location, nil
	}
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		return nil, fmt.Errorf("calendar: load %s: %w", DefaultZone, err)
	}
	return loc, nil
}

// Service keeps the work calendar: the known years and their overrides in
// the database, and the cached snapshot the arithmetic runs on. It is safe
// for concurrent use.
type Service struct {
	db  *sqldb.DB
	opt Options

	// mu is held while a snapshot loads, so that concurrent callers wait
	// for one load and an edit's invalidation cannot be overtaken by a load
	// that read the tables before the edit committed.
	mu     sync.Mutex
	cur    *Calendar // nil until loaded, and after an edit
	loaded time.Time // when cur was read
}

// NewService returns the calendar service on db. Bad Options (working
// hours out of order…) surface as the error of Current.
func NewService(db *sqldb.DB, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Refresh <= 0 {
		opt.Refresh = time.Minute
	}
	if loc, err := opt.location(); err == nil {
		opt.Location = loc // loaded once, not at every rebuild; an error resurfaces in Current
	}
	return &Service{db: db, opt: opt}
}

// Current returns the calendar as it stands: a cached immutable snapshot,
// rebuilt after every edit through this service and at the latest
// Options.Refresh after an edit elsewhere (when that re-read fails, the
// previous snapshot is kept and the failure logged). It checks no permission: the
// calendar is published national data every use case needs (the deadline
// of an anonymous resident's report included), and it reveals nothing of
// any region.
func (s *Service) Current(ctx context.Context) (*Calendar, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && s.opt.Now().Sub(s.loaded) < s.opt.Refresh {
		return s.cur, nil
	}
	years, days, err := loadAll(ctx, s.db)
	if err != nil && s.cur != nil && ctx.Err() == nil {
		// A refresh that fails keeps the expired snapshot (only another
		// process's edit can be missing from it) rather than failing every
		// deadline while the database hiccups; the next call retries.
		s.db.Logger().Warn("calendar: refresh failed, keeping the previous snapshot", "err", err)
		return s.cur, nil
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: load: %w", err)
	}
	ys := make([]int, len(years))
	for i, y := range years {
		ys[i] = y.Year
	}
	c, err := NewCalendar(s.opt, ys, days)
	if err != nil {
		return nil, fmt.Errorf("calendar: build snapshot: %w", err)
	}
	s.cur, s.loaded = c, s.opt.Now()
	return c, nil
}

// invalidate drops the snapshot; the next Current reads the tables again.
// Edits register it with tx.AfterCommit.
func (s *Service) invalidate() {
	s.mu.Lock()
	s.cur = nil
	s.mu.Unlock()
}
