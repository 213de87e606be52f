package cases

import (
	"context"
	"log/slog"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/territory"
)

// Deps are the services the case loop stands on; all but Observer are
// required.
type Deps struct {
	DB        *sqldb.DB
	Auth      *auth.Service      // assignees' accounts
	Territory *territory.Service // routing: point or building → grid
	Keys      *people.Keyring    // the anonymous reporter's phone
	Category  *category.Service  // categories, departments, time limits
	Calendar  *calendar.Service  // working time
	Media     *media.Service     // photos
	Notify    *notify.Service    // inbox, live events, webhooks
	// Observer, optional, is told of every event in its transaction.
	Observer Observer
}

// Options tune the service. The zero value is usable.
type Options struct {
	// Now is the service's clock: event times, deadlines and the ticker.
	// The database's clock (db.Now) if nil.
	Now func() time.Time
	// Logger is the database's logger if nil.
	Logger *slog.Logger
	// ReopenWithin is how long after closing the reporter may reopen an
	// unsatisfactory case: 7 days if 0.
	ReopenWithin time.Duration
	// RateWithin is how long after verification the reporter has to rate
	// before a dispatcher may close the case without a rating: 3 days if 0.
	RateWithin time.Duration
	// AutoEscalate lists the steps whose breach makes the ticker escalate
	// the case one tier up: the handle step if nil; an empty map turns
	// automatic escalation off.
	AutoEscalate map[category.Step]bool
	// TickBatch bounds the cases one Tick looks at: 1000 if 0. A Tick that
	// reaches it reports More; the next Tick carries on.
	TickBatch int
	// GroupMax bounds how many concurrent writes (reports, transitions)
	// share one transaction and its durable commit: 256 if 0; 1 gives
	// every write a transaction of its own.
	GroupMax int
	// GroupLinger is how long the committer waits for more writes before
	// a transaction that is not full: none if 0 (what arrives during one
	// commit makes the next batch anyway).
	GroupLinger time.Duration
}

// Service is the case loop's use cases. It is safe for concurrent use.
type Service struct {
	db   *sqldb.DB
	auth *auth.Service
	terr *territory.Service
	keys *people.Keyring
	cat  *category.Service
	cal  *calendar.Service
	med  *media.Service
	ntf  *notify.Service
	obs  Observer
	opt  Options
	log  *slog.Logger
	// group commits concurrent writes together.
	group *committer
}

// NewService returns the service on deps.
func NewService(deps Deps, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = deps.DB.Now
	}
	if opt.Logger == nil {
		opt.Logger = deps.DB.Logger()
	}
	if opt.ReopenWithin <= 0 {
		opt.ReopenWithin = 7 * 24 * time.Hour
	}
	if opt.RateWithin <= 0 {
		opt.RateWithin = 3 * 24 * time.Hour
	}
	if opt.AutoEscalate == nil {
		opt.AutoEscalate = map[category.Step]bool{category.StepHandle: true}
	}
	if opt.TickBatch <= 0 {
		opt.TickBatch = 1000
	}
	if opt.GroupMax <= 0 {
		opt.GroupMax = defaultGroupMax
	}
	return &Service{db: deps.DB, auth: deps.Auth, terr: deps.Territory, keys: deps.Keys, cat: deps.Category,
		cal: deps.Calendar, med: deps.Media, ntf: deps.Notify, obs: deps.Observer, opt: opt, log: opt.Logger,
		group: newCommitter(deps.DB, opt.Logger, opt.GroupMax, opt.GroupLinger)}
}

// Close refuses further reports and transitions and returns once those
// already accepted are committed (or failed). Close the service before the
// database.
func (s *Service) Close() error {
	s.group.close()
	return nil
}

// GroupStats returns the group committer's counters.
func (s *Service) GroupStats() GroupStats { return s.group.stats() }

// now is the service's clock in UTC, to the microsecond that both engines
// store, so that what is hashed is what is read back.
func (s *Service) now() time.Time { return ts(s.opt.Now()) }

// ts normalises a time for storing and hashing.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// tsp is ts for an optional time.
func tsp(t time.Time) *time.Time { u := ts(t); return &u }

// system returns ctx acting as the system, for lookups a reporter has no
// permission for (routing a resident's report, an assignee's account).
func system(ctx context.Context) context.Context {
	return auth.WithActor(ctx, auth.SystemActor())
}

// actor returns the actor in ctx or the Unauthenticated error.
func actor(ctx context.Context) (*auth.Actor, error) {
	a, ok := auth.ActorFrom(ctx)
	if !ok {
		return nil, apperr.ErrUnauthenticated()
	}
	return a, nil
}

// Page limits of case lists.
const (
	defaultLimit = 50
	maxLimit     = 500
)
