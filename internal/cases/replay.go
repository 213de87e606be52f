package cases

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// Replay folds events — of one or more cases, in case and seq order, each
// case from its first event — into the Changes an Observer was told of when
// they were appended: each event with its case before (nil for the report)
// and after it. Fields that events do not derive (see the package doc) are
// zero, except the case id.
func Replay(events []*Event) ([]Change, error) {
	out := make([]Change, 0, len(events))
	var cur *Case
	var curID int64
	for _, e := range events {
		if e.CaseID != curID || e.Seq == 1 {
			cur, curID = nil, e.CaseID
		}
		var d EventData
		if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
			return nil, fmt.Errorf("cases: replay case %d event %d: %w", e.CaseID, e.Seq, err)
		}
		base := cur
		if base == nil {
			base = &Case{}
		}
		next, err := applySet(base, d.Set)
		if err != nil {
			return nil, fmt.Errorf("cases: replay case %d event %d: %w", e.CaseID, e.Seq, err)
		}
		next.ID = e.CaseID
		out = append(out, Change{Before: cur, After: next, Event: e})
		cur = next
	}
	return out, nil
}

// ReplayCases reads the events of the cases with ids in [from, to] and
// replays them (see Replay).
func ReplayCases(ctx context.Context, q sqldb.Querier, from, to int64) ([]Change, error) {
	evs, err := loadEvents(ctx, q, from, to)
	if err != nil {
		return nil, fmt.Errorf("cases: replay: %w", err)
	}
	return Replay(evs)
}

// CaseIDs returns the lowest and highest case id and the number of cases
// (zeros when there are none), for walking every case in id ranges.
func CaseIDs(ctx context.Context, q sqldb.Querier) (lo, hi int64, n int, err error) {
	if err := q.QueryRow(ctx, `SELECT COALESCE(min(id), 0), COALESCE(max(id), 0), count(*) FROM cases`).Scan(&lo, &hi, &n); err != nil {
		return 0, 0, 0, fmt.Errorf("cases: case ids: %w", sqldb.Translate(err))
	}
	return lo, hi, n, nil
}
