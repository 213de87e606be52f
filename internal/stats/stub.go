package stats

import (
	"context"
	"errors"
	"time"

	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
)

var errTODO = errors.New("stats: not implemented yet")

// Fact is the additive contribution of one case event to the rollups: the
// counters it adds on its local day for its region (and every ancestor),
// category, channel, department and person.
type Fact struct {
	Day          int32 // local yyyymmdd of the event
	RegionID     int64
	RegionPath   string
	Category     string
	Channel      string
	DepartmentID int64
	PersonID     int64
	C            Counters
}

// Facts returns what one change adds to the rollups; days are counted in zone.
func Facts(ch cases.Change, zone *time.Location) []Fact { return nil }

// Recorder is the cases.Observer that queues facts for the projector.
type Recorder struct {
	zone *time.Location
	kick func()
}

// ObserveEvents queues the facts of changes in tx.
func (r *Recorder) ObserveEvents(ctx context.Context, tx *sqldb.Tx, changes []cases.Change) error {
	return nil
}

// Aggregator merges facts in memory, then adds them to the rollups.
type Aggregator struct{}

// NewAggregator returns an empty Aggregator.
func NewAggregator() *Aggregator { return &Aggregator{} }

// Add merges facts.
func (a *Aggregator) Add(facts ...Fact) {}

// Len is the number of rollup rows held.
func (a *Aggregator) Len() int { return 0 }

// Flush adds what a holds to the rollups in tx and empties a.
func (a *Aggregator) Flush(ctx context.Context, tx *sqldb.Tx) error { return errTODO }

// Drain projects the pending facts into the rollups, exactly once.
func (s *Service) Drain(ctx context.Context) (int, error) { return 0, errTODO }

// KPIs answers the KPIs of q.
func (s *Service) KPIs(ctx context.Context, q Query) (*KPIs, error) { return nil, errTODO }

// Breakdown answers the KPIs of q per key of by.
func (s *Service) Breakdown(ctx context.Context, q Query, by Dim, limit int) ([]Row, error) {
	return nil, errTODO
}

// Series answers the counters of every day of q.
func (s *Service) Series(ctx context.Context, q Query) ([]Point, error) { return nil, errTODO }

// Live answers today's counters and the open cases of a region subtree.
func (s *Service) Live(ctx context.Context, regionID int64) (*Live, error) { return nil, errTODO }

// Load answers the open cases per child region and per grid below.
func (s *Service) Load(ctx context.Context, regionID int64) ([]RegionLoad, error) {
	return nil, errTODO
}

// Rebuild recomputes the rollups from the events.
func (s *Service) Rebuild(ctx context.Context, progress func(done, total int)) (int, error) {
	return 0, errTODO
}
