package cases

import (
	"slices"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
)

// State is where a case stands in the loop.
type State string

// The states (DESIGN §3). Suspension, merging and supervision are flags
// beside the state, not states.
const (
	Reported   State = "reported"    // 已上报: waiting to be registered (立案)
	Registered State = "registered"  // 已立案: waiting to be dispatched in its queue
	Rejected   State = "rejected"    // 不予立案: final
	Dispatched State = "dispatched"  // 已派遣: waiting for the assignee to accept
	InProgress State = "in_progress" // 处置中
	Handled    State = "handled"     // 已处置: waiting for verification
	Verified   State = "verified"    // 已核查: waiting for the reporter's rating
	Closed     State = "closed"      // 已结案 (also a duplicate merged into another case)
)

// States lists the states in the loop's order.
var States = []State{Reported, Registered, Rejected, Dispatched, InProgress, Handled, Verified, Closed}

var stateLabels = map[State]apperr.Text{
	Reported:   {ZH: "已上报", EN: "reported"},
	Registered: {ZH: "已立案", EN: "registered"},
	Rejected:   {ZH: "不予立案", EN: "rejected"},
	Dispatched: {ZH: "已派遣", EN: "dispatched"},
	InProgress: {ZH: "处置中", EN: "in progress"},
	Handled:    {ZH: "已处置", EN: "handled"},
	Verified:   {ZH: "已核查", EN: "verified"},
	Closed:     {ZH: "已结案", EN: "closed"},
}

// Valid reports whether s is a state.
func (s State) Valid() bool { _, ok := stateLabels[s]; return ok }

// Label names the state for people.
func (s State) Label() apperr.Text {
	if l, ok := stateLabels[s]; ok {
		return l
	}
	return apperr.Text{ZH: string(s), EN: string(s)}
}

// Open reports whether the case still needs work: not closed or rejected.
func (s State) Open() bool { return s != Closed && s != Rejected }

// Channel is how a case came in.
type Channel string

// The intake channels.
const (
	ChannelResident     Channel = "resident"          // 居民 H5 page, signed in or anonymous with a phone number
	ChannelGridWorker   Channel = "grid_worker"       // 网格员巡查发现
	ChannelBuildingHead Channel = "building_head"     // 楼栋长/单元长
	ChannelCourier      Channel = "courier_volunteer" // 快递小哥/志愿者随手拍
	ChannelHotline      Channel = "hotline"           // 12345 热线转办
	ChannelWalkIn       Channel = "walk_in"           // 来访
	ChannelAPI          Channel = "api"               // other systems (Open311)
)

// Channels lists the channels.
var Channels = []Channel{ChannelResident, ChannelGridWorker, ChannelBuildingHead, ChannelCourier, ChannelHotline, ChannelWalkIn, ChannelAPI}

// Valid reports whether c is a channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Supervision is the level of supervision (督办) on a case.
type Supervision string

// The levels, in increasing order.
const (
	SuperviseNormal Supervision = "normal"
	SuperviseYellow Supervision = "yellow" // 黄牌督办
	SuperviseRed    Supervision = "red"    // 红牌督办
)

// rank orders the levels.
func (s Supervision) rank() int {
	switch s {
	case SuperviseYellow:
		return 1
	case SuperviseRed:
		return 2
	}
	return 0
}

// Valid reports whether s is a level.
func (s Supervision) Valid() bool {
	return s == SuperviseNormal || s == SuperviseYellow || s == SuperviseRed
}

// Light is the traffic light of an open case's current step.
type Light string

// The lights. None is for cases without a running step (verified, closed,
// rejected).
const (
	LightNone   Light = ""
	LightGreen  Light = "green"  // at most 80 % of the limit used
	LightYellow Light = "yellow" // more than 80 %, at most 100 %
	LightRed    Light = "red"    // over the limit
)

// Satisfaction is a reporter's verdict (群众评单).
type Satisfaction string

// The verdicts.
const (
	Satisfied   Satisfaction = "satisfied"   // 满意
	Basic       Satisfaction = "basic"       // 基本满意
	Unsatisfied Satisfaction = "unsatisfied" // 不满意
)

// Valid reports whether s is a verdict.
func (s Satisfaction) Valid() bool { return s == Satisfied || s == Basic || s == Unsatisfied }

// Rating is the reporter's rating of a handled case.
type Rating struct {
	Satisfaction Satisfaction `json:"satisfaction"`
	Stars        int          `json:"stars"` // 1–5
	Comment      string       `json:"comment,omitzero"`
	At           time.Time    `json:"at"`
}

// Extension is an assignee's pending request for more handling time (延期).
type Extension struct {
	By     calendar.Limit `json:"by"`
	Reason string         `json:"reason"`
	UserID int64          `json:"user_id"`
	At     time.Time      `json:"at"`
}

// Timer is one running clock of a case: a step's limit counted on the work
// calendar from Start, minus suspended time, plus approved extensions.
type Timer struct {
	Step  category.Step  `json:"step"`
	Start time.Time      `json:"start"`
	Limit calendar.Limit `json:"limit"`
	// Extra is the time added by approved extensions and Suspended the
	// time the case spent suspended, both on the limit's own clock.
	Extra     time.Duration `json:"extra,omitzero"`
	Suspended time.Duration `json:"suspended,omitzero"`
	// Due is the deadline. The light is green up to YellowAt (80 % of the
	// limit used), yellow up to RedAt (100 %) and red after it.
	Due      time.Time `json:"due"`
	YellowAt time.Time `json:"yellow_at"`
	RedAt    time.Time `json:"red_at"`
}

// LightAt returns the timer's light at t.
func (t *Timer) LightAt(at time.Time) Light {
	switch {
	case t == nil:
		return LightNone
	case at.After(t.RedAt):
		return LightRed
	case at.After(t.YellowAt):
		return LightYellow
	}
	return LightGreen
}

// Deadlines are the due times of each step, kept after the step ends so
// that on-time figures can be counted. Nil means the step has not started.
type Deadlines struct {
	Register *time.Time `json:"register,omitzero"`
	Dispatch *time.Time `json:"dispatch,omitzero"`
	Accept   *time.Time `json:"accept,omitzero"`
	Handle   *time.Time `json:"handle,omitzero"`
	Verify   *time.Time `json:"verify,omitzero"`
}

// Case is a case with its current, derived state. Fields marked "not
// derived" are not rebuilt from the events (see the package doc).
type Case struct {
	ID            int64            `json:"id,omitzero"` // not derived
	Number        string           `json:"number"`      // GW20260306-000123
	Channel       Channel          `json:"channel"`
	HotlineTicket string           `json:"hotline_ticket,omitzero"` // the 12345 hotline's own ticket number
	Category      string           `json:"category"`                // category code
	Nature        string           `json:"nature,omitzero"`         // request-nature code (N…)
	Urgency       category.Urgency `json:"urgency"`
	Title         string           `json:"title"`
	Description   string           `json:"description,omitzero"`
	Lon           *float64         `json:"lon,omitzero"`
	Lat           *float64         `json:"lat,omitzero"`
	BuildingID    int64            `json:"building_id,omitzero"`
	UnitID        int64            `json:"unit_id,omitzero"`
	Attachments   []int64          `json:"attachments,omitzero"` // the report's photos

	// Where the case is: its grid (0 when the location lies in none) and
	// the region it lies in (the grid, or the smallest region containing
	// it), whose path scopes reading.
	RegionID   int64  `json:"region_id"`
	RegionPath string `json:"region_path"`
	GridID     int64  `json:"grid_id,omitzero"`
	// Whose queue holds it: the region at its current tier, whose path
	// scopes registering, dispatching and escalating.
	QueueRegionID int64         `json:"queue_region_id"`
	QueuePath     string        `json:"queue_path"`
	QueueParentID int64         `json:"queue_parent_id,omitzero"` // where an escalation goes; 0 at the top
	Tier          category.Tier `json:"tier"`

	State       State       `json:"state"`
	SuspendedAt *time.Time  `json:"suspended_at,omitzero"` // set while suspended (挂账)
	MergedInto  int64       `json:"merged_into,omitzero"`  // the master case of a closed duplicate
	Supervision Supervision `json:"supervision"`
	Public      bool        `json:"public,omitzero"`
	// AllowLocation records that the reporter let the photos keep their
	// location metadata.
	AllowLocation bool `json:"allow_location,omitzero"`

	// The reporter: a signed-in user, or nobody (Anonymous) with a phone
	// number kept encrypted; ReporterPhone is masked (not derived).
	Anonymous      bool   `json:"anonymous,omitzero"`
	ReporterUserID int64  `json:"reporter_user_id,omitzero"`
	ReporterName   string `json:"reporter_name,omitzero"`
	ReporterPhone  string `json:"reporter_phone,omitzero"`

	// DepartmentID is the category's responsible department for the
	// location, suggested to dispatchers.
	DepartmentID int64 `json:"department_id,omitzero"`
	// The assignee: a person (a party member, a grid worker …) or a
	// department; HandlerUserID is who handled it (fed back, or solved it
	// on the spot), who may not verify it.
	AssigneeUserID       int64   `json:"assignee_user_id,omitzero"`
	AssigneeDepartmentID int64   `json:"assignee_department_id,omitzero"`
	AssigneeName         string  `json:"assignee_name,omitzero"`
	HandlerUserID        int64   `json:"handler_user_id,omitzero"`
	Involved             []int64 `json:"involved,omitzero"`  // co-handling departments
	Followers            []int64 `json:"followers,omitzero"` // users told of every change (merged duplicates' reporters)

	Rating    *Rating    `json:"rating,omitzero"`
	Extension *Extension `json:"extension,omitzero"` // a pending request

	Step      *Timer     `json:"step_timer,omitzero"`   // the current step's clock
	Handle    *Timer     `json:"handle_timer,omitzero"` // the handling clock, from dispatch until handled
	Due       Deadlines  `json:"due,omitzero"`
	NextCheck *time.Time `json:"next_check,omitzero"` // when the ticker looks again (not derived)

	ReportedAt   time.Time  `json:"reported_at"`
	RegisteredAt *time.Time `json:"registered_at,omitzero"`
	DispatchedAt *time.Time `json:"dispatched_at,omitzero"`
	AcceptedAt   *time.Time `json:"accepted_at,omitzero"`
	HandledAt    *time.Time `json:"handled_at,omitzero"`
	VerifiedAt   *time.Time `json:"verified_at,omitzero"`
	ClosedAt     *time.Time `json:"closed_at,omitzero"`
	Reopened     int        `json:"reopened,omitzero"`
	Escalated    int        `json:"escalated,omitzero"`
	// HandleLate records that the current round of handling missed a
	// handling deadline before it ended: the case was escalated or
	// returned once its handling clock had run over. The next dispatch
	// starts a new clock, but the round stays late for the on-time
	// figures. Rework and reopening start a new round.
	HandleLate bool `json:"handle_late,omitzero"`

	// Light is the current step's traffic light when read (not derived).
	Light Light `json:"light,omitzero"`
	// Version is the seq of the case's last event; Act takes it back.
	Version   int64     `json:"version,omitzero"`    // not derived
	UpdatedAt time.Time `json:"updated_at,omitzero"` // the time of the last event (not derived)
}

// clone returns a deep copy of c.
func (c *Case) clone() *Case {
	d := *c
	d.Attachments = slices.Clone(c.Attachments)
	d.Involved = slices.Clone(c.Involved)
	d.Followers = slices.Clone(c.Followers)
	if c.Rating != nil {
		r := *c.Rating
		d.Rating = &r
	}
	if c.Extension != nil {
		e := *c.Extension
		d.Extension = &e
	}
	if c.Step != nil {
		t := *c.Step
		d.Step = &t
	}
	if c.Handle != nil {
		t := *c.Handle
		d.Handle = &t
	}
	return &d
}

// lightAt is the case's light at t: the current step's, frozen at the
// start of a suspension, none when no step runs.
func (c *Case) lightAt(t time.Time) Light {
	if c.Step == nil || !c.State.Open() {
		return LightNone
	}
	if c.SuspendedAt != nil && c.SuspendedAt.Before(t) {
		t = *c.SuspendedAt
	}
	return c.Step.LightAt(t)
}

// Event is one entry of a case's history.
type Event struct {
	ID          int64         `json:"id"`
	CaseID      int64         `json:"case_id"`
	Seq         int64         `json:"seq"`
	Action      Action        `json:"action"`
	ActorUserID int64         `json:"actor_user_id,omitzero"` // 0 for the system and anonymous reporters
	ActorName   string        `json:"actor_name"`
	ActorRole   string        `json:"actor_role"` // the role the actor acted in, "system" or "anonymous"
	FromState   State         `json:"from_state,omitzero"`
	ToState     State         `json:"to_state"`
	FromTier    category.Tier `json:"from_tier,omitzero"`
	ToTier      category.Tier `json:"to_tier"`
	Note        string        `json:"note,omitzero"`
	Data        string        `json:"data"` // JSON text, as hashed (see EventData)
	Attachments []int64       `json:"attachments,omitzero"`
	At          time.Time     `json:"at"`
	PrevHash    string        `json:"prev_hash"`
	Hash        string        `json:"hash"`
}

// ReportInput is a new case (see Service.Report).
type ReportInput struct {
	// IdempotencyKey, when set, makes a retried submission (same key, same
	// reporter or same anonymous phone) return the case the first one
	// created. Reusing a key for a different case is a Conflict.
	IdempotencyKey string
	Channel        Channel
	HotlineTicket  string // required for the hotline channel
	Category       string // an active category code
	Nature         string // optional request-nature code (N…)
	Urgency        category.Urgency
	Title          string
	Description    string
	// Location: a point (both or neither), and/or a building and one of
	// its units. A hotline or walk-in case without one names the region
	// it concerns instead.
	Lon, Lat   *float64
	BuildingID int64
	UnitID     int64
	RegionID   int64
	// Attachments are photos uploaded beforehand (media), by the actor.
	Attachments   []int64
	Public        bool
	AllowLocation bool
	// The person reporting when that is not the signed-in actor: the caller
	// of a hotline or walk-in case, or an anonymous resident (phone
	// required; the public intake calls Report as the system actor).
	ReporterName  string
	ReporterPhone string
}

// RatingInput is a reporter's rating.
type RatingInput struct {
	Satisfaction Satisfaction
	Stars        int // 1–5
	Comment      string
}

// ActInput is one transition asked for (see Service.Act and Transitions
// for which fields each action needs).
type ActInput struct {
	Action  Action
	Version int64 // the version of the case the actor saw
	Note    string
	Reason  string
	// Dispatch: to a person (a party member, a grid worker …) or to a
	// department, exactly one of the two.
	AssigneeUserID       int64
	AssigneeDepartmentID int64
	DepartmentID         int64 // involve: the co-handling department
	Rating               *RatingInput
	Attachments          []int64
	DuplicateOf          int64          // merge: the master case
	ExtendBy             calendar.Limit // extend: how much more time
	Level                Supervision    // supervise
}

// CaseFilter selects cases; nil and zero fields do not filter. Results
// are always limited to the cases the actor may read.
type CaseFilter struct {
	QueueOf      *int64  // cases in the queue of this region or any region below it
	RegionOf     *int64  // cases located in this region's subtree
	GridID       *int64  // cases located in this grid
	States       []State // any of these states
	Open         *bool   // true: not closed or rejected
	AssignedToMe bool    // assigned to the actor or to one of its departments, or co-handled by one
	ReportedByMe bool    // reported by the actor (a resident's "my cases")
	Light        *Light
	Supervision  *Supervision
	Category     *string // this category code
	Channel      *Channel
	Text         *string    // in the number, title or description
	From, To     *time.Time // reported in [From, To)
	IDs          []int64    // any of these cases (each id is one query argument: keep the list short)
	Categories   []string   // exactly one of these category codes (unlike Category, no sub-categories)
	// Public true selects the public cases (the reporter agreed to show
	// them), false the others. PublicOr, with Public, widens it to the
	// cases matching Public or PublicOr; alone, it selects its own.
	Public   *bool
	PublicOr Cond
	// UpdatedFrom and UpdatedTo bound the last change: [UpdatedFrom, UpdatedTo).
	UpdatedFrom, UpdatedTo *time.Time
	// BBox is minlon, minlat, maxlon, maxlat (WGS84, edges included): the
	// case's point lies in it, else, for a case without one, its building's.
	BBox   *[4]float64
	Order  CaseOrder
	Offset int
	Limit  int // 50 if 0; at most 500
}
