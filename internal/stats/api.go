package stats

import (
	"time"
)

// Dim is a dimension the rollups are kept by, beside the region.
type Dim string

// The dimensions. DimRegion is only for Breakdown: the child regions.
const (
	DimTotal      Dim = ""
	DimCategory   Dim = "category"
	DimChannel    Dim = "channel"
	DimDepartment Dim = "department"
	DimPerson     Dim = "person"
	DimRegion     Dim = "region"
)

// Valid reports whether d is a dimension kept in the rollups or DimRegion.
func (d Dim) Valid() bool {
	switch d {
	case DimTotal, DimCategory, DimChannel, DimDepartment, DimPerson, DimRegion:
		return true
	}
	return false
}

// MaxDays is the longest period a query may span.
const MaxDays = 400

// Query selects the rollups read: the subtree of RegionID, the local days
// in [From, To) (local midnights in the service's zone, To exclusive), and
// optionally one key of one dimension (Dim "" with Key "" for totals).
type Query struct {
	RegionID int64
	From, To time.Time
	Dim      Dim
	Key      string
}

// KPIs are the counts and rates of one region subtree (and dimension key)
// over a period. Rates are nil when their denominator is zero. The counts
// come from the rollups; Open, OpenOverdue and the backlog ages are live
// (as of At).
type KPIs struct {
	RegionID int64     `json:"region_id"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Dim      Dim       `json:"dim,omitzero"`
	Key      string    `json:"key,omitzero"`
	At       time.Time `json:"at"`
	Counters

	// Live figures of the subtree (all open cases, not only the period's).
	Open            int      `json:"open"`
	OpenOverdue     int      `json:"open_overdue"`
	BacklogAvgHours *float64 `json:"backlog_avg_hours"`
	BacklogP90Hours *float64 `json:"backlog_p90_hours"`
	// DueToClose counts the cases closed in the period plus the open cases
	// whose handling deadline fell in [From, min(To, now)): open overdue
	// cases count as late. OpenOverdueInPeriod is the second part.
	DueToClose          int64 `json:"due_to_close"`
	OpenOverdueInPeriod int64 `json:"open_overdue_in_period"`

	RegistrationRate     *float64 `json:"registration_rate"`     // registered / reported
	AccurateRegistration *float64 `json:"accurate_registration"` // (registered − cancelled) / registered
	OnTimeRegistration   *float64 `json:"on_time_registration"`  // register_on_time / register_due
	OnTimeDispatch       *float64 `json:"on_time_dispatch"`      // dispatch_on_time / dispatch_due
	OnTimeVerify         *float64 `json:"on_time_verify"`        // verify_on_time / verify_due
	DispatchAccuracy     *float64 `json:"dispatch_accuracy"`     // (dispatched − returned − rework) / dispatched
	HandlingRate         *float64 `json:"handling_rate"`         // handled / (handled + open overdue in period)
	OnTimeHandling       *float64 `json:"on_time_handling"`      // handle_on_time / (handle_due + open overdue in period)
	ReworkRate           *float64 `json:"rework_rate"`           // rework / handled
	ReopenRate           *float64 `json:"reopen_rate"`           // reopened / closed
	ClosureRate          *float64 `json:"closure_rate"`          // closed / due to close
	OnTimeClosure        *float64 `json:"on_time_closure"`       // closed_on_time / due to close
	OvertimeMultiple     *float64 `json:"overtime_multiple"`     // mean of handling time used / limit
	Satisfaction         *float64 `json:"satisfaction"`          // satisfied / ratings
	GridShare            *float64 `json:"grid_share"`            // closed at grid tier / closed
	// TierShare is the share of closed cases by the tier they were closed
	// at (grid, community, street, district, city); empty when none closed.
	TierShare      map[string]float64 `json:"tier_share"`
	AvgHandleHours *float64           `json:"avg_handle_hours"` // mean of handled − reported
	P90HandleHours *float64           `json:"p90_handle_hours"` // from the histogram (bucket upper bound)
}

// Row is one line of a breakdown: a key of the dimension, its label for
// people (Chinese name of the category, channel, department, person or
// region) and its KPIs.
type Row struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	KPIs
}

// Point is the counters of one local day.
type Point struct {
	Day time.Time `json:"day"`
	Counters
}

// Live is what the big screen polls: today's counters of a region subtree
// and its open cases now.
type Live struct {
	RegionID    int64     `json:"region_id"`
	Today       Counters  `json:"today"`
	Open        int       `json:"open"`
	OpenOverdue int       `json:"open_overdue"`
	At          time.Time `json:"at"`
}

// RegionLoad is the open cases of one region (a child region or a grid
// below), for the map.
type RegionLoad struct {
	RegionID    int64  `json:"region_id"`
	Name        string `json:"name"`
	Code        string `json:"code"`
	Kind        string `json:"kind"`
	Open        int    `json:"open"`
	OpenOverdue int    `json:"open_overdue"`
}
