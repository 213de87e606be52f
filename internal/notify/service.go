package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Service publishes events (inbox, outbox, live), serves each user's inbox
// and lets administrators manage webhooks and the dead-letter list. It is
// safe for concurrent use.
type Service struct {
	db     *sqldb.DB
	broker Broker
	wake   func()
	log    *slog.Logger
}

// Options configure a Service. The zero value is usable.
type Options struct {
	// Broker carries live events; a MemoryBroker built from Buffer and
	// Visible if nil.
	Broker Broker
	// Visible decides who besides the recipients sees an event live
	// (CanReadRegion if nil); used only when Broker is nil.
	Visible VisibleFunc
	// Buffer is the number of events each live subscriber may fall behind
	// before its oldest are dropped (64 if 0); used only when Broker is nil.
	Buffer int
	// Wake is called after a commit that queued webhook deliveries, so
	// that a worker in this process sends them without waiting for its
	// next poll (Worker.Wake). Optional.
	Wake func()
	// Logger is the database's logger if nil.
	Logger *slog.Logger
}

// NewService returns a Service on db.
func NewService(db *sqldb.DB, opt Options) *Service {
	if opt.Broker == nil {
		opt.Broker = NewMemoryBroker(opt.Buffer, opt.Visible)
	}
	if opt.Logger == nil {
		opt.Logger = db.Logger()
	}
	return &Service{db: db, broker: opt.Broker, wake: opt.Wake, log: opt.Logger}
}

// Broker returns the service's live-event broker.
func (s *Service) Broker() Broker { return s.broker }

// Publish records e inside the caller's transaction tx: one inbox item per
// recipient and one outbox row per active webhook whose kinds and region
// match; live subscribers receive it after tx commits (never if it rolls
// back). The caller has authorised the change the event reports, so
// Publish only requires an actor in ctx. Errors: Unauthenticated, Invalid
// naming the field of e ("kind", "region_path", "title_zh", "public" …),
// Invalid from the database for an unknown recipient; the caller should
// roll back on any error.
func (s *Service) Publish(ctx context.Context, tx *sqldb.Tx, e Event) error {
	if _, ok := auth.ActorFrom(ctx); !ok {
		return fmt.Errorf("notify: publish: %w", apperr.ErrUnauthenticated())
	}
	e, err := e.prepare(tx.Now.UTC())
	if err != nil {
		return fmt.Errorf("notify: publish %s: %w", e.Kind, err)
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("notify: publish %s: %w", e.Kind, apperr.Wrap(err, apperr.Invalid, "public",
			"事件附加数据无法转换为 JSON", "the event's public data cannot be encoded as JSON"))
	}
	if err := insertInbox(ctx, tx, e); err != nil {
		return fmt.Errorf("notify: publish %s: inbox: %w", e.Kind, err)
	}
	queued, err := queueDeliveries(ctx, tx, e, body)
	if err != nil {
		return fmt.Errorf("notify: publish %s: outbox: %w", e.Kind, err)
	}
	if tb, ok := s.broker.(TxBroker); ok {
		// Other processes hear of it when tx commits (PgBroker).
		if err := tb.Send(ctx, tx, e); err != nil {
			return fmt.Errorf("notify: publish %s: live: %w", e.Kind, err)
		}
	}
	tx.AfterCommit(func() {
		s.broker.Publish(e)
		if queued > 0 && s.wake != nil {
			s.wake()
		}
	})
	return nil
}

// Subscribe returns the live events actor a may see — those it is a
// recipient of and those the broker's visibility check lets through — and
// a function that ends the subscription. It ends too when ctx is done.
// The web layer calls it for an authenticated SSE stream.
func (s *Service) Subscribe(ctx context.Context, a *auth.Actor) (<-chan Event, func()) {
	return s.broker.Subscribe(ctx, a)
}

// Page limits of list queries.
const (
	defaultLimit = 50
	maxLimit     = 500
)
