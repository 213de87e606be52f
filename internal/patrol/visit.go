package patrol

import (
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/category"
)

// ItemKind says what a patrol item is.
type ItemKind string

// The item kinds.
const (
	PolicyTalk ItemKind = "policy_talk" // 政策宣传
	Mediation  ItemKind = "mediation"   // 矛盾调解
	Errand     ItemKind = "errand"      // 代办服务
	Finding    ItemKind = "finding"     // 发现问题, reported as a case
)

// ItemKinds lists the kinds in display order.
var ItemKinds = []ItemKind{PolicyTalk, Mediation, Errand, Finding}

// Valid reports whether k is a kind.
func (k ItemKind) Valid() bool {
	switch k {
	case PolicyTalk, Mediation, Errand, Finding:
		return true
	}
	return false
}

// Label names the kind for people.
func (k ItemKind) Label() apperr.Text {
	switch k {
	case PolicyTalk:
		return apperr.Text{ZH: "政策宣传", EN: "policy talk"}
	case Mediation:
		return apperr.Text{ZH: "矛盾调解", EN: "mediation"}
	case Errand:
		return apperr.Text{ZH: "代办服务", EN: "errand"}
	case Finding:
		return apperr.Text{ZH: "发现问题", EN: "finding"}
	}
	return apperr.Text{ZH: string(k), EN: string(k)}
}

// Visit is one patrol visit.
type Visit struct {
	ID         int64
	GridID     int64
	RegionPath string // the grid's path
	UserID     int64  // 0 when recorded by the system
	UserName   string
	VisitedOn  time.Time // the civil date, as UTC midnight
	Note       string
	Households []int64 // the households seen, by id
	Items      []Item
	CreatedAt  time.Time
}

// Count returns how many items of kind k the visit has.
func (v *Visit) Count(k ItemKind) int {
	n := 0
	for _, it := range v.Items {
		if it.Kind == k {
			n++
		}
	}
	return n
}

// Item is one thing a visit did.
type Item struct {
	Kind        ItemKind
	Note        string
	HouseholdID int64 // 0 when it concerns no one household
	CaseID      int64 // the case a finding became; 0 for the other kinds
}

// VisitInput is a visit to record (see Service.RecordVisit).
type VisitInput struct {
	// IdempotencyKey, when set, makes a resent visit (same actor, same key)
	// return the visit the first one recorded.
	IdempotencyKey string
	GridID         int64
	VisitedOn      time.Time // a date; today in the service's zone when zero
	Note           string
	Households     []int64 // households seen, in the grid; duplicates are dropped
	Items          []ItemInput
	Findings       []FindingInput
}

// ItemInput is a policy talk, a mediation or an errand.
type ItemInput struct {
	Kind        ItemKind // PolicyTalk, Mediation or Errand
	Note        string   // what was said or done; required
	HouseholdID int64    // optional, in the grid
}

// FindingInput is a problem found on the visit, to be reported as a case
// through the grid-worker channel.
type FindingInput struct {
	Category    string
	Urgency     category.Urgency
	Title       string
	Description string
	BuildingID  int64
	UnitID      int64
	Lon, Lat    *float64
	Attachments []int64 // photos uploaded beforehand
}

// VisitFilter selects visits; nil and zero fields do not filter.
type VisitFilter struct {
	GridID   *int64
	RegionOf *int64 // visits in this region's subtree
	UserID   *int64
	Mine     bool       // visits recorded by the actor
	From, To *time.Time // visited on a date in [From, To)
	Offset   int
	Limit    int // 50 if 0; at most 500
}

// Tally counts what visits did.
type Tally struct {
	Visits      int
	Households  int // households seen, counted once per visit
	PolicyTalks int
	Mediations  int
	Errands     int
	Findings    int
}

// Limits on what one visit may hold.
const (
	maxNote       = 1000
	maxHouseholds = 500
	maxItems      = 50
	maxFindings   = 10
)
