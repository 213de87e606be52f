package territory

import (
	"context"
	"log/slog"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
)

// IndexChannel is the base name of the PostgreSQL notification channel on
// which every committed change to regions or boundaries is announced, by
// triggers (migration 00097), whichever process or tool made it. Each
// serve process listens on it (notify.PgBroker.Watch) and hands the
// signals to WatchIndex.
const IndexChannel = "gridwork_territory"

// WatchIndex reloads the point → region index after each signal on
// changed — regions or boundaries changed, perhaps in another process —
// until ctx ends. It waits debounce after a signal and takes the signals
// that arrived meanwhile with it, so a burst of edits (an import, a
// redrawn community) costs one reload. A failed reload is logged and
// retried after the next debounce. The service keeps its index current
// for its own changes already; this is for everyone else's.
func (s *Service) WatchIndex(ctx context.Context, changed <-chan struct{}, debounce time.Duration, log *slog.Logger) {
	ctx = auth.WithActor(ctx, auth.SystemActor())
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(debounce):
			}
			// Signals during the wait are covered by the reload below,
			// which reads after them.
			select {
			case <-changed:
			default:
			}
			err := s.LoadIndex(ctx)
			if err == nil {
				log.Debug("territory: index reloaded", "regions", s.index.Len())
				break
			}
			if ctx.Err() != nil {
				return
			}
			log.Warn("territory: reload index", "err", err)
		}
	}
}
