package cases

import (
	"context"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// Change is one appended event with the case before and after it. Before
// is nil for the event that created the case (the report).
type Change struct {
	Before *Case
	After  *Case
	Event  *Event
}

// Observer is told of every event appended, inside the transaction that
// appends it, so that what it writes commits or rolls back with the event
// (the KPI rollups of internal/stats). Changes are in event order; After.ID
// and Event.CaseID are set.
type Observer interface {
	ObserveEvents(ctx context.Context, tx *sqldb.Tx, changes []Change) error
}
