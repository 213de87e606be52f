package stats

import (
	"encoding/json"
	"time"

	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
)

// Fact is the additive contribution of one case event to the rollups: the
// counters it adds on its local day to its region (and every ancestor), in
// total and under its category, channel, department and person.
type Fact struct {
	Day          int32    `json:"d"` // local yyyymmdd of the event
	RegionID     int64    `json:"r"`
	RegionPath   string   `json:"p"` // "/1/4/17/": the region and its ancestors
	Category     string   `json:"k,omitzero"`
	Channel      string   `json:"ch,omitzero"`
	DepartmentID int64    `json:"dep,omitzero"`
	PersonID     int64    `json:"per,omitzero"`
	C            Counters `json:"c"`
	// An open fact (Open ±1, C zero) moves an open case into (+1) or out of
	// (-1) the open rollups: its region, category, channel, assigned
	// department and assigned person, the local day its overdue threshold
	// falls (DueDay, 0: none), whether it is not yet handled (Unhandled
	// ±1), when it was reported (unix seconds) and on which local day.
	Open        int64 `json:"o,omitzero"`
	Unhandled   int64 `json:"u,omitzero"`
	DueDay      int32 `json:"dd,omitzero"`
	ReportedAt  int64 `json:"ra,omitzero"`
	ReportedDay int32 `json:"rd,omitzero"`
}

// DayOf returns the local yyyymmdd of t in zone.
func DayOf(t time.Time, zone *time.Location) int32 {
	y, m, d := t.In(zone).Date()
	return int32(y*10000 + int(m)*100 + d)
}

// dayTime returns the local midnight of a yyyymmdd day.
func dayTime(day int32, zone *time.Location) time.Time {
	return time.Date(int(day/10000), time.Month(day/100%100), int(day%100), 0, 0, 0, 0, zone)
}

// Facts returns what one change adds to the rollups, days counted in zone:
// the event's counters (none when it counts for nothing: a note, an
// extension request …) and, when the case's open contribution changes,
// an open fact taking out the one before (Open -1) and one adding the one
// after (Open +1). It is pure: the facts follow from the event and the
// case before and after it (see the package doc for each count).
func Facts(ch cases.Change, zone *time.Location) []Fact {
	a, b, e := ch.After, ch.Before, ch.Event
	if a == nil || e == nil {
		return nil
	}
	out := eventFacts(a, b, e, zone)
	before, wasOpen := OpenFact(b, zone)
	after, isOpen := OpenFact(a, zone)
	if wasOpen && isOpen && before == after {
		return out
	}
	if wasOpen {
		before.Open, before.Unhandled, before.ReportedAt = -before.Open, -before.Unhandled, -before.ReportedAt
		out = append(out, before)
	}
	if isOpen {
		out = append(out, after)
	}
	return out
}

// OpenFact returns the open contribution of c (Open +1), and false when c
// is nil or not open (closed, rejected; a merged duplicate is closed).
// The overdue threshold is the handling deadline or, before there is one,
// the current step's deadline; a case suspended before its threshold has
// none (DueDay 0) until it resumes: suspended time does not make it late.
func OpenFact(c *cases.Case, zone *time.Location) (Fact, bool) {
	if c == nil || c.State == cases.Closed || c.State == cases.Rejected {
		return Fact{}, false
	}
	f := Fact{
		RegionID:     c.RegionID,
		RegionPath:   c.RegionPath,
		Category:     c.Category,
		Channel:      string(c.Channel),
		DepartmentID: c.AssigneeDepartmentID,
		PersonID:     c.AssigneeUserID,
		Open:         1,
		ReportedAt:   c.ReportedAt.Unix(),
		ReportedDay:  DayOf(c.ReportedAt, zone),
	}
	switch c.State {
	case cases.Reported, cases.Registered, cases.Dispatched, cases.InProgress:
		f.Unhandled = 1
	}
	var due *time.Time
	if c.Due.Handle != nil {
		due = c.Due.Handle
	} else if c.Step != nil {
		due = &c.Step.Due
	}
	if due != nil && (c.SuspendedAt == nil || due.Before(*c.SuspendedAt)) {
		f.DueDay = DayOf(*due, zone)
	}
	return f, true
}

// eventFacts is the fact of the event's counters, if any.
func eventFacts(a, b *cases.Case, e *cases.Event, zone *time.Location) []Fact {
	var c Counters
	at := e.At
	reportedFrom := b != nil && b.State == cases.Reported
	switch e.Action {
	case cases.ActReport:
		c.Reported = 1
	case cases.ActRegister:
		c.Registered = 1
	case cases.ActReject:
		c.Rejected = 1
	case cases.ActSelfHandle:
		if reportedFrom {
			c.Registered = 1
		}
	case cases.ActDispatch:
		c.Dispatched = 1
		if b != nil && b.Step != nil && b.Step.Step == category.StepDispatch {
			c.DispatchDue = 1
			c.DispatchOnTime = onTime(at, &b.Step.Due)
		}
	case cases.ActReturn:
		c.Returned = 1
	case cases.ActVerifyOK, cases.ActVerifyFail:
		c.VerifyDue = 1
		var due *time.Time
		if b != nil && b.Step != nil && b.Step.Step == category.StepVerify {
			due = &b.Step.Due
		} else if b != nil {
			due = b.Due.Verify
		}
		c.VerifyOnTime = onTime(at, due)
		if e.Action == cases.ActVerifyOK {
			c.Verified = 1
		} else {
			c.Rework = 1
		}
	case cases.ActReopen:
		c.Reopened = 1
	case cases.ActEscalate:
		c.Escalated = 1
	case cases.ActSupervise:
		c.Supervised = 1
	case cases.ActMerge:
		if b != nil && b.State != cases.Reported && a.MergedInto != 0 {
			c.Cancelled = 1
		}
	}
	// The register step ends when the case is registered, rejected or
	// solved on the spot from reported.
	if reportedFrom && (e.Action == cases.ActRegister || e.Action == cases.ActReject || e.Action == cases.ActSelfHandle) {
		c.RegisterDue = 1
		c.RegisterOnTime = onTime(at, b.Due.Register)
	}
	if e.Action == cases.ActRate && a.Rating != nil {
		c.Ratings = 1
		switch a.Rating.Satisfaction {
		case cases.Satisfied:
			c.Satisfied = 1
		case cases.Basic:
			c.Basic = 1
		case cases.Unsatisfied:
			c.Unsatisfied = 1
		}
	}
	if a.State == cases.Handled && (b == nil || b.State != cases.Handled) {
		c.Handled = 1
		c.HandleDue = 1
		switch {
		case b != nil && b.HandleLate:
			// The round missed an earlier deadline (escalated or returned
			// late): the clock it is handled on is not the one it broke.
		case b == nil || b.Handle == nil:
			c.HandleOnTime = 1
		default:
			c.HandleOnTime = onTime(at, &b.Handle.Due)
		}
		handled := at
		if a.HandledAt != nil {
			handled = *a.HandledAt
		}
		secs := max(int64(handled.Sub(a.ReportedAt)/time.Second), 0)
		c.HandleSeconds = secs
		c.H[bucket(secs)] = 1
		if r := handleRatio(e.Data); r > 0 {
			c.Timed = 1
			c.OvertimeMilli = int64(r*1000 + 0.5)
			if r > 1 {
				c.Overtime = 1
			}
		}
	}
	if a.State == cases.Closed && (b == nil || b.State != cases.Closed) && e.Action != cases.ActMerge {
		c.Closed = 1
		if !a.HandleLate && (a.Due.Handle == nil || a.HandledAt == nil || !a.HandledAt.After(*a.Due.Handle)) {
			c.ClosedOnTime = 1
		}
		switch a.Tier {
		case category.TierGrid:
			c.ClosedGrid = 1
		case category.TierCommunity:
			c.ClosedCommunity = 1
		case category.TierStreet:
			c.ClosedStreet = 1
		case category.TierDistrict:
			c.ClosedDistrict = 1
		case category.TierCity:
			c.ClosedCity = 1
		}
	}
	if c.IsZero() {
		return nil
	}
	f := Fact{
		Day:        DayOf(at, zone),
		RegionID:   a.RegionID,
		RegionPath: a.RegionPath,
		Category:   a.Category,
		Channel:    string(a.Channel),
		C:          c,
	}
	f.DepartmentID = a.AssigneeDepartmentID
	if f.DepartmentID == 0 && b != nil {
		f.DepartmentID = b.AssigneeDepartmentID
	}
	switch {
	case a.AssigneeUserID != 0:
		f.PersonID = a.AssigneeUserID
	case a.HandlerUserID != 0:
		f.PersonID = a.HandlerUserID
	case b != nil && b.AssigneeUserID != 0:
		f.PersonID = b.AssigneeUserID
	case b != nil:
		f.PersonID = b.HandlerUserID
	}
	return []Fact{f}
}

// onTime is 1 when at is not after due (or there is no deadline), else 0.
func onTime(at time.Time, due *time.Time) int64 {
	if due == nil || !at.After(*due) {
		return 1
	}
	return 0
}

// handleRatio reads the share of the handling limit used from the data of
// the event that ended handling; 0 when it carries none.
func handleRatio(data string) float64 {
	if data == "" {
		return 0
	}
	var d struct {
		Step  string  `json:"step"`
		Ratio float64 `json:"ratio"`
	}
	if err := json.Unmarshal([]byte(data), &d); err != nil || d.Step != string(category.StepHandle) {
		return 0
	}
	return d.Ratio
}
