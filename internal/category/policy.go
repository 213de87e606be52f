package category

import (
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
)

// Urgency is how urgent a case is.
type Urgency string

// The urgencies.
const (
	Normal Urgency = "normal"
	Urgent Urgency = "urgent"
)

// Valid reports whether u is Normal or Urgent.
func (u Urgency) Valid() bool { return u == Normal || u == Urgent }

// Label names the urgency for people.
func (u Urgency) Label() apperr.Text {
	switch u {
	case Normal:
		return apperr.Text{ZH: "一般", EN: "normal"}
	case Urgent:
		return apperr.Text{ZH: "紧急", EN: "urgent"}
	}
	return apperr.Text{ZH: string(u), EN: string(u)}
}

// Tier is the level of the region tree that owns a case: "小事不出网格、大事不出
// 社区、难事不出街道" — a case starts at the lowest tier and is escalated one
// tier at a time.
type Tier string

// The tiers, from the bottom up.
const (
	TierGrid      Tier = "grid"      // 网格
	TierCommunity Tier = "community" // 社区/村
	TierStreet    Tier = "street"    // 街道/乡镇
	TierDistrict  Tier = "district"  // 区县
	TierCity      Tier = "city"      // 市
)

// Tiers lists the tiers from the bottom up; the order is the escalation order.
var Tiers = []Tier{TierGrid, TierCommunity, TierStreet, TierDistrict, TierCity}

// Valid reports whether t is one of Tiers.
func (t Tier) Valid() bool { return t.index() >= 0 }

func (t Tier) index() int {
	for i, x := range Tiers {
		if x == t {
			return i
		}
	}
	return -1
}

// Next returns the tier one up, or "" for the city tier and for an
// invalid tier (there is nowhere to escalate to).
func (t Tier) Next() Tier {
	i := t.index()
	if i < 0 || i == len(Tiers)-1 {
		return ""
	}
	return Tiers[i+1]
}

// Label names the tier for people.
func (t Tier) Label() apperr.Text {
	switch t {
	case TierGrid:
		return apperr.Text{ZH: "网格", EN: "grid"}
	case TierCommunity:
		return apperr.Text{ZH: "社区", EN: "community"}
	case TierStreet:
		return apperr.Text{ZH: "街道", EN: "street"}
	case TierDistrict:
		return apperr.Text{ZH: "区县", EN: "district"}
	case TierCity:
		return apperr.Text{ZH: "市", EN: "city"}
	}
	return apperr.Text{ZH: string(t), EN: string(t)}
}

// TierOfLevel returns the tier of a region level as the territory package
// names them (grid, village, township, county, city); "" for another.
func TierOfLevel(level string) Tier {
	switch level {
	case "grid":
		return TierGrid
	case "village":
		return TierCommunity
	case "township":
		return TierStreet
	case "county":
		return TierDistrict
	case "city":
		return TierCity
	}
	return ""
}

// Step is a timed step of the case loop.
type Step string

// The steps.
const (
	StepRegister Step = "register" // 立案
	StepDispatch Step = "dispatch" // 派遣
	StepAccept   Step = "accept"   // 接单
	StepHandle   Step = "handle"   // 处置
	StepVerify   Step = "verify"   // 核查
)

// Steps lists the steps in the order of the loop.
var Steps = []Step{StepRegister, StepDispatch, StepAccept, StepHandle, StepVerify}

// Valid reports whether s is one of Steps.
func (s Step) Valid() bool {
	for _, x := range Steps {
		if x == s {
			return true
		}
	}
	return false
}

// Label names the step for people.
func (s Step) Label() apperr.Text {
	switch s {
	case StepRegister:
		return apperr.Text{ZH: "立案", EN: "register"}
	case StepDispatch:
		return apperr.Text{ZH: "派遣", EN: "dispatch"}
	case StepAccept:
		return apperr.Text{ZH: "接单", EN: "accept"}
	case StepHandle:
		return apperr.Text{ZH: "处置", EN: "handle"}
	case StepVerify:
		return apperr.Text{ZH: "核查", EN: "verify"}
	}
	return apperr.Text{ZH: string(s), EN: string(s)}
}

// TimeLimit is a time-limit policy: the limit of a step for a category
// (and its sub-categories), an urgency and a tier, each of which may be
// "any" (the empty value).
type TimeLimit struct {
	ID           int64
	CategoryCode string  // "" for any category
	Urgency      Urgency // "" for any urgency
	Tier         Tier    // "" for any tier
	Step         Step
	Limit        calendar.Limit
	Note         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TimeLimitInput creates a policy; Limit is the limit's text ("30m", "4wh").
type TimeLimitInput struct {
	CategoryCode string
	Urgency      Urgency
	Tier         Tier
	Step         Step
	Limit        string
	Note         string
}

// TimeLimitUpdate changes a policy's limit or note; nil fields stay. What a
// policy applies to does not change: delete it and create another.
type TimeLimitUpdate struct {
	Limit *string
	Note  *string
}

// TimeLimitFilter selects policies; nil fields do not filter.
type TimeLimitFilter struct {
	CategoryCode *string // "" selects the policies for any category
	Step         *Step
	Offset       int
	Limit        int
}

// LimitChoice is a resolved limit and where it came from: the policy that
// won, or the default (Policy nil) described by Default.
type LimitChoice struct {
	Limit   calendar.Limit
	Policy  *TimeLimit
	Default string // "step" (the fixed default of the step), "category" (the handle limit of Category), "fallback" (5wd)
	// Category is the code whose own limits gave the default ("" otherwise):
	// the category or its nearest ancestor that has one.
	Category string
}

// The fixed defaults of DESIGN §3.
var (
	limitRegister       = calendar.Limit{Amount: 30, Unit: calendar.Minutes}
	limitRegisterUrgent = calendar.Limit{Amount: 10, Unit: calendar.Minutes}
	limitAccept         = calendar.Limit{Amount: 1, Unit: calendar.Hours}
	limitVerify         = calendar.Limit{Amount: 1, Unit: calendar.Hours}
	limitHandle         = calendar.Limit{Amount: 5, Unit: calendar.WorkingDays}
)

// stepDefault is the default limit of a step other than handle.
func stepDefault(st Step, u Urgency) calendar.Limit {
	switch st {
	case StepRegister, StepDispatch:
		if u == Urgent {
			return limitRegisterUrgent
		}
		return limitRegister
	case StepAccept:
		return limitAccept
	default:
		return limitVerify
	}
}

// half is the default urgent limit of a category that sets only a handle
// limit: half of it, on the same clock where it divides evenly. An odd
// number of working days becomes working hours (half the working hours of
// that many days, rounded up; hoursPerDay from the calendar, 8 when
// unknown); an odd number of clock hours becomes minutes; an odd number of
// working hours or minutes rounds up, since there is no finer unit on
// their clock.
func half(l calendar.Limit, hoursPerDay time.Duration) calendar.Limit {
	n := l.Amount
	if n%2 == 0 {
		return calendar.Limit{Amount: n / 2, Unit: l.Unit}
	}
	switch l.Unit {
	case calendar.WorkingDays:
		if hoursPerDay <= 0 {
			hoursPerDay = 8 * time.Hour
		}
		total := time.Duration(n) * hoursPerDay / 2
		return calendar.Limit{Amount: int((total + time.Hour - 1) / time.Hour), Unit: calendar.WorkingHours}
	case calendar.Hours:
		return calendar.Limit{Amount: n * 30, Unit: calendar.Minutes}
	default:
		return calendar.Limit{Amount: (n + 1) / 2, Unit: l.Unit}
	}
}
