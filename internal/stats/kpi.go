// Package stats counts the KPIs of DESIGN §3 from the case events, per
// region subtree and period. This first version computes them on demand
// from the event log; rollups kept up to date with each event come with the
// dashboard.
package stats

import (
	"context"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Filter selects the cases counted: located in the subtree of RegionID,
// and events in [From, To).
type Filter struct {
	RegionID int64
	From, To time.Time
}

// KPIs are the counts and rates of a region and period. Rates are nil when
// their denominator is zero.
type KPIs struct {
	RegionID   int64     `json:"region_id"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Reported   int       `json:"reported"`
	Registered int       `json:"registered"`
	Rejected   int       `json:"rejected"`
	Dispatched int       `json:"dispatched"`
	Returned   int       `json:"returned"`
	Handled    int       `json:"handled"`
	Rework     int       `json:"rework"`
	Closed     int       `json:"closed"`
	Reopened   int       `json:"reopened"`
	Escalated  int       `json:"escalated"`
	// ClosedOnTime counts closed cases handled by their handling deadline;
	// DueToClose counts those closed plus the open cases whose handling
	// deadline passed in the period — open overdue cases count as late.
	ClosedOnTime int `json:"closed_on_time"`
	DueToClose   int `json:"due_to_close"`
	// ClosedAtGrid counts cases closed while at grid tier (小事不出网格).
	ClosedAtGrid int `json:"closed_at_grid"`
	Ratings      int `json:"ratings"`
	Satisfied    int `json:"satisfied"`

	RegistrationRate  *float64 `json:"registration_rate"`    // registered / reported
	DispatchAccuracy  *float64 `json:"dispatch_accuracy"`    // (dispatched − returned − rework) / dispatched
	ReworkRate        *float64 `json:"rework_rate"`          // rework / handled
	ReopenRate        *float64 `json:"reopen_rate"`          // reopened / closed
	OnTimeClosureRate *float64 `json:"on_time_closure_rate"` // closed on time / due to close
	Satisfaction      *float64 `json:"satisfaction"`         // satisfied ratings / ratings
	GridShare         *float64 `json:"grid_share"`           // closed at grid tier / closed
}

// Service computes KPIs.
type Service struct {
	db *sqldb.DB
}

// NewService returns the KPI service on db.
func NewService(db *sqldb.DB) *Service { return &Service{db: db} }

// KPIs counts the KPIs of f. The actor needs case.read over the region.
func (s *Service) KPIs(ctx context.Context, f Filter) (*KPIs, error) {
	if f.RegionID == 0 {
		return nil, apperr.Invalidf("region_id", "请指定区域", "region_id is required")
	}
	if f.To.IsZero() || !f.From.Before(f.To) {
		return nil, apperr.Invalidf("to", "统计区间的结束时间必须晚于开始时间", "to must be after from")
	}
	var path string
	if err := s.db.QueryRow(ctx, `SELECT path FROM regions WHERE id = $1`, f.RegionID).Scan(&path); err != nil {
		return nil, fmt.Errorf("stats: region %d: %w", f.RegionID, sqldb.Translate(err))
	}
	if err := auth.Check(ctx, auth.ActCaseRead, auth.Resource{RegionPath: path}); err != nil {
		return nil, err
	}
	k := &KPIs{RegionID: f.RegionID, From: f.From.UTC(), To: f.To.UTC()}
	sub, subArgs := sqldb.Subtree("c.region_path", []string{path}, 3)
	args := append([]any{k.From, k.To}, subArgs...)
	// One pass over the period's events of the region's cases.
	q := `SELECT
		count(*) FILTER (WHERE e.action = 'report'),
		count(*) FILTER (WHERE e.action = 'register' OR (e.action = 'self_handle' AND e.from_state = 'reported')),
		count(*) FILTER (WHERE e.action = 'reject'),
		count(*) FILTER (WHERE e.action = 'dispatch'),
		count(*) FILTER (WHERE e.action = 'return'),
		count(*) FILTER (WHERE e.to_state = 'handled' AND e.from_state <> 'handled'),
		count(*) FILTER (WHERE e.action = 'verify_fail'),
		count(*) FILTER (WHERE e.to_state = 'closed' AND e.from_state <> 'closed' AND e.action <> 'merge'),
		count(*) FILTER (WHERE e.action = 'reopen'),
		count(*) FILTER (WHERE e.action = 'escalate'),
		count(*) FILTER (WHERE e.to_state = 'closed' AND e.from_state <> 'closed' AND e.action <> 'merge' AND e.to_tier = 'grid')
		FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE e.at >= $1 AND e.at < $2 AND ` + sub
	if err := s.db.QueryRow(ctx, q, args...).Scan(&k.Reported, &k.Registered, &k.Rejected, &k.Dispatched, &k.Returned,
		&k.Handled, &k.Rework, &k.Closed, &k.Reopened, &k.Escalated, &k.ClosedAtGrid); err != nil {
		return nil, fmt.Errorf("stats: count events: %w", sqldb.Translate(err))
	}
	sub2, subArgs2 := sqldb.Subtree("c.region_path", []string{path}, 4)
	// Closure on time: cases closed in the period, handled by their handling
	// deadline; plus open cases whose handling deadline fell in the period.
	q = `SELECT
		count(*) FILTER (WHERE c.state = 'closed' AND c.merged_into IS NULL AND c.closed_at >= $1 AND c.closed_at < $2),
		count(*) FILTER (WHERE c.state = 'closed' AND c.merged_into IS NULL AND c.closed_at >= $1 AND c.closed_at < $2
			AND (c.handling_due_at IS NULL OR c.handled_at <= c.handling_due_at)),
		count(*) FILTER (WHERE c.state NOT IN ('closed', 'rejected') AND c.handling_due_at >= $1 AND c.handling_due_at < $2
			AND c.handling_due_at < $3),
		count(*) FILTER (WHERE c.rated_at >= $1 AND c.rated_at < $2),
		count(*) FILTER (WHERE c.rated_at >= $1 AND c.rated_at < $2 AND c.rating_satisfaction = 'satisfied')
		FROM cases c WHERE ` + sub2
	var closed, overdueOpen int
	args = append([]any{k.From, k.To, s.db.Now()}, subArgs2...)
	if err := s.db.QueryRow(ctx, q, args...).Scan(&closed, &k.ClosedOnTime, &overdueOpen, &k.Ratings, &k.Satisfied); err != nil {
		return nil, fmt.Errorf("stats: count cases: %w", sqldb.Translate(err))
	}
	k.DueToClose = closed + overdueOpen
	k.RegistrationRate = ratio(k.Registered, k.Reported)
	k.DispatchAccuracy = ratio(k.Dispatched-k.Returned-k.Rework, k.Dispatched)
	k.ReworkRate = ratio(k.Rework, k.Handled)
	k.ReopenRate = ratio(k.Reopened, k.Closed)
	k.OnTimeClosureRate = ratio(k.ClosedOnTime, k.DueToClose)
	k.Satisfaction = ratio(k.Satisfied, k.Ratings)
	k.GridShare = ratio(k.ClosedAtGrid, k.Closed)
	return k, nil
}

func ratio(num, den int) *float64 {
	if den <= 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}
