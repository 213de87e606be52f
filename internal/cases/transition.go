package cases

import (
	"slices"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
)

// Action names a transition of the state machine (and an event).
type Action string

// The actions. Report is the first event of every case; the others are
// the transitions of Transitions.
const (
	ActReport        Action = "report"         // 上报 (居民点单)
	ActRegister      Action = "register"       // 立案
	ActReject        Action = "reject"         // 不予立案
	ActDispatch      Action = "dispatch"       // 派遣 (支部派单)
	ActAccept        Action = "accept"         // 接单 (党员接单)
	ActReturn        Action = "return"         // 退回
	ActInvolve       Action = "involve"        // 协同: bring in a co-handling department
	ActFeedback      Action = "feedback"       // 处置反馈
	ActSelfHandle    Action = "self_handle"    // 就地解决
	ActVerifyOK      Action = "verify_ok"      // 核查通过
	ActVerifyFail    Action = "verify_fail"    // 核查不通过, 返工
	ActRate          Action = "rate"           // 评价 (群众评单)
	ActClose         Action = "close"          // 结案
	ActReopen        Action = "reopen"         // 重新办理
	ActMerge         Action = "merge"          // 合并重复案件
	ActSuspend       Action = "suspend"        // 挂账
	ActResume        Action = "resume"         // 恢复
	ActExtend        Action = "extend"         // 申请延期
	ActExtendApprove Action = "extend_approve" // 批准延期
	ActExtendDeny    Action = "extend_deny"    // 驳回延期
	ActEscalate      Action = "escalate"       // 上报上级
	ActSupervise     Action = "supervise"      // 督办
	ActInstruct      Action = "instruct"       // 批示
)

// Who says whose scope a transition lies in (the scope gate; the
// permission is the role gate).
type Who string

// The scopes of transitions.
const (
	// WhoQueue: a holder of the permission whose region scope covers the
	// region whose queue holds the case (its current tier).
	WhoQueue Who = "queue"
	// WhoLocation: a holder of the permission whose region scope covers
	// the case's location.
	WhoLocation Who = "location"
	// WhoAssignee: the assigned user, or a member of the assigned
	// department, holding the permission.
	WhoAssignee Who = "assignee"
	// WhoHandler: WhoAssignee, or a member of a co-handling department.
	WhoHandler Who = "handler"
	// WhoVerifier: anyone but the handler holding the permission over the
	// case's location (the grid worker of the grid), or the reporter.
	WhoVerifier Who = "verifier"
	// WhoReporter: the reporter, holding the permission.
	WhoReporter Who = "reporter"
)

// Input fields a transition needs (ActInput, as the API names them).
const (
	NeedReason      = "reason"
	NeedNote        = "note"
	NeedAssignee    = "assignee"
	NeedDepartment  = "department_id"
	NeedRating      = "rating"
	NeedDuplicateOf = "duplicate_of"
	NeedExtendBy    = "extend_by"
	NeedLevel       = "level"
)

// Transition is one row of the state machine.
type Transition struct {
	Action Action
	From   []State // the states it may start from
	// To is the state it leads to; "" keeps the state (flags, notes, the
	// clock).
	To    State
	Perm  auth.Action // the role gate
	Who   Who         // the scope gate
	Needs []string    // input fields that must be given
	// Suspended: "only" while the case is suspended (resume), "also"
	// while suspended or not; otherwise the case must not be suspended.
	Suspended string
	Label     apperr.Text
}

// The open states in which work runs.
var working = []State{Reported, Registered, Dispatched, InProgress, Handled}

// Transitions is the state machine as data (DESIGN §3):
//
//	reported ──register──▶ registered ──dispatch──▶ dispatched ──accept──▶ in_progress ──feedback──▶ handled
//	reported/registered ──self_handle──▶ handled; reject(reason) ──▶ rejected
//	dispatched/in_progress ──return(reason)──▶ registered; escalate(reason) ──▶ registered one tier up
//	handled ──verify_ok──▶ verified ──rate──▶ closed (or close by a dispatcher)
//	handled ──verify_fail──▶ dispatched (rework, same assignee)
//	closed ──reopen (reporter, unsatisfied, within N days)──▶ registered
//	open: merge (duplicate of) ──▶ closed; suspend/resume; extend; supervise; instruct
var Transitions = []Transition{
	{Action: ActRegister, From: []State{Reported}, To: Registered, Perm: auth.ActCaseRegister, Who: WhoQueue,
		Label: apperr.Text{ZH: "立案", EN: "register"}},
	{Action: ActReject, From: []State{Reported, Registered}, To: Rejected, Perm: auth.ActCaseRegister, Who: WhoQueue,
		Needs: []string{NeedReason}, Label: apperr.Text{ZH: "不予立案", EN: "reject"}},
	{Action: ActDispatch, From: []State{Registered}, To: Dispatched, Perm: auth.ActCaseDispatch, Who: WhoQueue,
		Needs: []string{NeedAssignee}, Label: apperr.Text{ZH: "派遣", EN: "dispatch"}},
	{Action: ActAccept, From: []State{Dispatched}, To: InProgress, Perm: auth.ActCaseHandle, Who: WhoAssignee,
		Label: apperr.Text{ZH: "接单", EN: "accept"}},
	{Action: ActReturn, From: []State{Dispatched, InProgress}, To: Registered, Perm: auth.ActCaseHandle, Who: WhoAssignee,
		Needs: []string{NeedReason}, Label: apperr.Text{ZH: "退回", EN: "return"}},
	{Action: ActInvolve, From: []State{InProgress}, Perm: auth.ActCaseHandle, Who: WhoAssignee,
		Needs: []string{NeedDepartment}, Label: apperr.Text{ZH: "协同处置", EN: "involve a department"}},
	{Action: ActFeedback, From: []State{InProgress}, To: Handled, Perm: auth.ActCaseHandle, Who: WhoHandler,
		Needs: []string{NeedNote}, Label: apperr.Text{ZH: "处置反馈", EN: "feed back"}},
	{Action: ActSelfHandle, From: []State{Reported, Registered}, To: Handled, Perm: auth.ActCaseSelfHandle, Who: WhoQueue,
		Needs: []string{NeedNote}, Label: apperr.Text{ZH: "就地解决", EN: "handle on the spot"}},
	{Action: ActVerifyOK, From: []State{Handled}, To: Verified, Perm: auth.ActCaseVerify, Who: WhoVerifier,
		Label: apperr.Text{ZH: "核查通过", EN: "verify"}},
	{Action: ActVerifyFail, From: []State{Handled}, To: Dispatched, Perm: auth.ActCaseVerify, Who: WhoVerifier,
		Needs: []string{NeedReason}, Label: apperr.Text{ZH: "核查不通过（返工）", EN: "send back for rework"}},
	{Action: ActRate, From: []State{Verified}, To: Closed, Perm: auth.ActCaseRate, Who: WhoReporter,
		Needs: []string{NeedRating}, Label: apperr.Text{ZH: "评价", EN: "rate"}},
	{Action: ActClose, From: []State{Verified}, To: Closed, Perm: auth.ActCaseDispatch, Who: WhoQueue,
		Label: apperr.Text{ZH: "结案", EN: "close"}},
	{Action: ActReopen, From: []State{Closed}, To: Registered, Perm: auth.ActCaseRate, Who: WhoReporter,
		Needs: []string{NeedReason}, Label: apperr.Text{ZH: "重新办理", EN: "reopen"}},
	{Action: ActMerge, From: []State{Reported, Registered, Dispatched, InProgress}, To: Closed, Perm: auth.ActCaseDispatch, Who: WhoQueue,
		Needs: []string{NeedDuplicateOf}, Suspended: "also", Label: apperr.Text{ZH: "合并为重复案件", EN: "merge as a duplicate"}},
	{Action: ActSuspend, From: []State{Registered, Dispatched, InProgress}, Perm: auth.ActCaseDispatch, Who: WhoQueue,
		Needs: []string{NeedReason}, Label: apperr.Text{ZH: "挂账", EN: "suspend"}},
	{Action: ActResume, From: []State{Registered, Dispatched, InProgress}, Perm: auth.ActCaseDispatch, Who: WhoQueue,
		Suspended: "only", Label: apperr.Text{ZH: "恢复办理", EN: "resume"}},
	{Action: ActExtend, From: []State{Dispatched, InProgress}, Perm: auth.ActCaseHandle, Who: WhoAssignee,
		Needs: []string{NeedReason, NeedExtendBy}, Label: apperr.Text{ZH: "申请延期", EN: "ask for more time"}},
	{Action: ActExtendApprove, From: []State{Dispatched, InProgress}, Perm: auth.ActCaseDispatch, Who: WhoQueue,
		Label: apperr.Text{ZH: "批准延期", EN: "approve more time"}},
	{Action: ActExtendDeny, From: []State{Dispatched, InProgress}, Perm: auth.ActCaseDispatch, Who: WhoQueue,
		Needs: []string{NeedReason}, Label: apperr.Text{ZH: "驳回延期", EN: "deny more time"}},
	{Action: ActEscalate, From: []State{Reported, Registered, Dispatched, InProgress}, To: Registered, Perm: auth.ActCaseEscalate, Who: WhoQueue,
		Needs: []string{NeedReason}, Label: apperr.Text{ZH: "上报上级", EN: "escalate"}},
	{Action: ActSupervise, From: working, Perm: auth.ActCaseSupervise, Who: WhoLocation,
		Needs: []string{NeedLevel}, Suspended: "also", Label: apperr.Text{ZH: "督办", EN: "supervise"}},
	{Action: ActInstruct, From: States, Perm: auth.ActCaseInstruct, Who: WhoLocation,
		Needs: []string{NeedNote}, Suspended: "also", Label: apperr.Text{ZH: "批示", EN: "instruct"}},
}

// reportLabel names the first event, which is no transition.
var reportLabel = apperr.Text{ZH: "上报", EN: "report"}

// Machine returns a copy of the transition table, for the UI and the API.
func Machine() []Transition {
	out := make([]Transition, len(Transitions))
	for i, t := range Transitions {
		t.From = slices.Clone(t.From)
		t.Needs = append([]string{}, t.Needs...) // [] rather than null in JSON
		out[i] = t
	}
	return out
}

// transitionOf returns the row of action a.
func transitionOf(a Action) (*Transition, bool) {
	for i := range Transitions {
		if Transitions[i].Action == a {
			return &Transitions[i], true
		}
	}
	return nil, false
}

// LabelOf names an action for people.
func LabelOf(a Action) apperr.Text {
	if a == ActReport {
		return reportLabel
	}
	if t, ok := transitionOf(a); ok {
		return t.Label
	}
	return apperr.Text{ZH: string(a), EN: string(a)}
}

// Allows reports whether t may start from state s with the suspension
// flag given.
func (t *Transition) Allows(s State, suspended bool) bool {
	if !slices.Contains(t.From, s) {
		return false
	}
	switch t.Suspended {
	case "only":
		return suspended
	case "also":
		return true
	}
	return !suspended
}

// Available returns the actions that may start from state s (with the
// suspension flag), in table order: what a UI offers before permissions.
func Available(s State, suspended bool) []Action {
	var out []Action
	for i := range Transitions {
		if Transitions[i].Allows(s, suspended) {
			out = append(out, Transitions[i].Action)
		}
	}
	return out
}
