package stats

import (
	"context"
	"log/slog"
	"time"

	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Options tune a Service; the zero value is fine.
type Options struct {
	// Now is the clock for the live figures; the database's if nil.
	Now func() time.Time
	// Zone decides what a day is; Asia/Shanghai if nil.
	Zone *time.Location
	// Logger reports projector failures; slog.Default() if nil.
	Logger *slog.Logger
}

// Service answers KPI queries from the rollups and keeps them up to date.
type Service struct {
	db   *sqldb.DB
	opt  Options
	kick chan struct{}
}

// NewService returns the KPI service on db. At most one Options is used.
func NewService(db *sqldb.DB, opts ...Options) *Service {
	var opt Options
	if len(opts) > 0 {
		opt = opts[0]
	}
	if opt.Now == nil {
		opt.Now = db.Now
	}
	if opt.Zone == nil {
		z, err := time.LoadLocation(calendar.DefaultZone)
		if err != nil {
			z = time.FixedZone("CST", 8*3600)
		}
		opt.Zone = z
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Service{db: db, opt: opt, kick: make(chan struct{}, 1)}
}

// Zone is the time zone days are counted in.
func (s *Service) Zone() *time.Location { return s.opt.Zone }

// Recorder returns the cases.Observer that queues each event's facts for
// this service's projector (wire it into cases.Deps.Observer).
func (s *Service) Recorder() *Recorder {
	return &Recorder{zone: s.opt.Zone, kick: s.Kick}
}

// Kick asks the projector to drain soon; it never blocks.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run drains the pending facts every `every` and whenever kicked, until
// ctx ends. Failures are logged and retried on the next round.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Drain(ctx); err != nil && ctx.Err() == nil {
			s.opt.Logger.Error("stats: drain", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}
