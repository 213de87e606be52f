package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
)

// The shares of the history's outcomes (of all cases unless said).
const (
	shareRejected   = 0.02  // not registered
	shareMerged     = 0.012 // closed as a duplicate of a recent case in the grid
	shareUrgent     = 0.07
	shareSelfHandle = 0.75 // of patrol findings: solved on the spot
	shareEscalate   = 0.08 // escalated by hand one tier up (some further)
	shareReturned   = 0.02 // returned by the assignee
	shareLateHandle = 0.04 // handling runs over its limit (the ticker escalates)
	shareLateStep   = 0.012
	shareRework     = 0.015 // verify_fail
	shareRated      = 0.7   // of rateable cases
	shareSatisfied  = 0.925 // of ratings
	shareBasic      = 0.045
	shareReopen     = 0.7 // of unsatisfied ratings
)

// channelWeights is the mix of intake channels.
var channelWeights = []struct {
	ch cases.Channel
	wt float64
}{
	{cases.ChannelResident, 34}, {cases.ChannelGridWorker, 26}, {cases.ChannelHotline, 16}, {cases.ChannelBuildingHead, 8},
	{cases.ChannelCourier, 4}, {cases.ChannelWalkIn, 7}, {cases.ChannelAPI, 5},
}

var systemWho = who{name: "system", role: "system"}

// life is one case's history being planned: events are appended until
// the history reaches the end (now), where the rest is cut.
type life struct {
	h      *historyGen
	ctx    context.Context
	g      *hgrid
	c      *cases.Case
	evs    []cases.BulkEvent
	now    time.Time
	end    time.Time
	done   bool
	err    error
	manual int // escalations by hand still to come
}

// event appends action a by by at (not before the last event) with the
// changes change makes; it reports false once the history has reached its
// end or failed.
func (l *life) event(a cases.Action, by who, at time.Time, note string, facts cases.EventData, change func(c *cases.Case, f *cases.EventData) error) bool {
	if l.done || l.err != nil {
		return false
	}
	if !at.After(l.now) {
		at = l.now.Add(time.Second)
	}
	if at.After(l.end) {
		l.done = true
		return false
	}
	c := l.c.Clone()
	c.UpdatedAt = at
	if change != nil {
		if err := change(c, &facts); err != nil {
			l.err = err
			return false
		}
	}
	l.evs = append(l.evs, cases.BulkEvent{Action: a, ActorUserID: by.id, ActorName: by.name, ActorRole: string(by.role),
		Note: note, Facts: facts, After: c})
	l.c, l.now = c, at
	return true
}

// timer starts step st's clock for c at at, recording its deadline.
func (l *life) timer(c *cases.Case, st category.Step, at time.Time) (*cases.Timer, error) {
	lim, err := l.h.w.cats.LimitFor(l.ctx, c.Category, c.Urgency, c.Tier, st)
	if err != nil {
		return nil, fmt.Errorf("limit of %s for %s: %w", st, c.Category, err)
	}
	t, err := l.h.w.clock.Timer(st, at, lim)
	if err != nil {
		return nil, err
	}
	c.SetDue(t)
	return t, nil
}

// at is the instant when share f of the current step's time has run
// (wall clock between its start and its deadline).
func (l *life) at(t *cases.Timer, f float64) time.Time {
	return t.Start.Add(time.Duration(f * float64(t.Due.Sub(t.Start)))).Truncate(time.Second)
}

// frac draws the share of a step's time used: over 1 with probability
// late, mostly well inside otherwise.
func (l *life) frac(late float64) float64 {
	r := l.h.rng
	if r.Float64() < late {
		x := r.Float64()
		return 1.05 + 2.5*x*x
	}
	x := r.Float64()
	return 0.04 + 0.7*x*x
}

// tick adds what the ticker would have done before until: supervision when
// the current step's light turns yellow and red, and an escalation when
// the handling clock runs over below the top tier. It reports whether it
// escalated.
func (l *life) tick(until time.Time) bool {
	c := l.c
	if c.Step == nil || !c.State.Open() {
		return false
	}
	st := c.Step
	for _, lv := range []struct {
		at    time.Time
		level cases.Supervision
		rank  int
	}{{st.YellowAt, cases.SuperviseYellow, 1}, {st.RedAt, cases.SuperviseRed, 2}} {
		if !until.After(lv.at) || supervisionRank(l.c.Supervision) >= lv.rank {
			continue
		}
		at := lv.at.Add(time.Second)
		ratio, err := l.h.w.clock.Ratio(st, at)
		if err != nil {
			l.err = err
			return false
		}
		label := st.Step.Label()
		l.event(cases.ActSupervise, systemWho, at, fmt.Sprintf("%s环节已用时限的%.0f%%，自动督办", label.ZH, ratio*100),
			cases.EventData{Auto: true, Step: string(st.Step), Level: string(lv.level), Ratio: ratio},
			func(c *cases.Case, f *cases.EventData) error { c.Supervision = lv.level; return nil })
	}
	if h := l.c.Handle; h != nil && until.After(h.RedAt) && l.c.QueueParentID != 0 {
		return l.escalate(systemWho, h.RedAt.Add(time.Second), true)
	}
	return false
}

func supervisionRank(s cases.Supervision) int {
	switch s {
	case cases.SuperviseYellow:
		return 1
	case cases.SuperviseRed:
		return 2
	}
	return 0
}

// escalate moves the case one tier up, back to registered there.
func (l *life) escalate(by who, at time.Time, auto bool) bool {
	r := l.h.w.regions[l.c.QueueParentID]
	if r == nil {
		return false
	}
	tier := category.TierOfLevel(string(r.Level))
	if tier == "" {
		return false
	}
	note, facts := "超出本级处置能力，提请上级协调", cases.EventData{Reason: "超出本级处置能力，提请上级协调"}
	if auto {
		note = fmt.Sprintf("处置环节超时，自动上报%s级", tier.Label().ZH)
		facts = cases.EventData{Auto: true, Step: string(category.StepHandle), Reason: "overdue: handle"}
	}
	return l.event(cases.ActEscalate, by, at, note, facts, func(c *cases.Case, f *cases.EventData) error {
		c.QueueRegionID, c.QueuePath, c.QueueParentID, c.Tier = r.ID, r.Path, r.ParentID, tier
		c.Escalated++
		if c.Handle != nil && at.After(c.Handle.Due) {
			c.HandleLate = true // as the case loop marks a round escalated after its deadline
		}
		c.State = cases.Registered
		c.AssigneeUserID, c.AssigneeDepartmentID, c.AssigneeName, c.HandlerUserID = 0, 0, "", 0
		c.Involved, c.Extension, c.Handle = nil, nil, nil
		c.DispatchedAt, c.AcceptedAt = nil, nil
		if c.RegisteredAt == nil {
			c.RegisteredAt = ptr(at)
		}
		t, err := l.timer(c, category.StepDispatch, at)
		c.Step = t
		return err
	})
}

func ptr(t time.Time) *time.Time { return &t }

// toQueue is the case back in its queue waiting for dispatch.
func (l *life) toQueue(c *cases.Case, at time.Time) error {
	c.State = cases.Registered
	c.AssigneeUserID, c.AssigneeDepartmentID, c.AssigneeName, c.HandlerUserID = 0, 0, "", 0
	c.Involved, c.Extension, c.Handle = nil, nil, nil
	c.DispatchedAt, c.AcceptedAt, c.HandledAt, c.VerifiedAt, c.ClosedAt = nil, nil, nil, nil, nil
	if c.RegisteredAt == nil {
		c.RegisteredAt = ptr(at)
	}
	t, err := l.timer(c, category.StepDispatch, at)
	c.Step = t
	return err
}

// toAssignee starts (or restarts) the assignee's work.
func (l *life) toAssignee(c *cases.Case, at time.Time) error {
	c.State = cases.Dispatched
	c.DispatchedAt, c.AcceptedAt, c.HandledAt = ptr(at), nil, nil
	c.HandlerUserID, c.Extension = 0, nil
	acc, err := l.timer(c, category.StepAccept, at)
	if err != nil {
		return err
	}
	h, err := l.timer(c, category.StepHandle, at)
	c.Step, c.Handle = acc, h
	return err
}

// toVerify records the handling by by and starts the verify clock.
func (l *life) toVerify(c *cases.Case, by who, at time.Time, facts *cases.EventData) error {
	c.State = cases.Handled
	c.HandlerUserID, c.HandledAt = by.id, ptr(at)
	if h := c.Handle; h != nil {
		r, err := l.h.w.clock.Ratio(h, at)
		if err != nil {
			return err
		}
		facts.Step, facts.Ratio = string(category.StepHandle), r
	}
	c.Handle, c.Extension = nil, nil
	t, err := l.timer(c, category.StepVerify, at)
	c.Step = t
	return err
}

// end stops the clocks of a closed or rejected case.
func end(c *cases.Case, s cases.State, at time.Time) {
	c.State = s
	c.Step, c.Handle, c.Extension, c.SuspendedAt = nil, nil, nil, nil
	if s == cases.Closed {
		c.ClosedAt = ptr(at)
	}
}

// rateable is the service's rule: a signed-in reporter of a resident-side
// channel may rate.
func rateable(c *cases.Case) bool {
	if c.ReporterUserID == 0 {
		return false
	}
	switch c.Channel {
	case cases.ChannelResident, cases.ChannelBuildingHead, cases.ChannelCourier:
		return true
	}
	return false
}

// pickWho returns one of ws, or def when there is none.
func (h *historyGen) pickWho(ws []who, def who) who {
	if len(ws) == 0 {
		return def
	}
	return ws[h.rng.IntN(len(ws))]
}

// plan generates one case reported at at: its report and everything that
// happened to it until the end of the history.
func (h *historyGen) plan(ctx context.Context, at time.Time, cats []float64) ([]cases.BulkEvent, error) {
	w, r := h.w, h.rng
	id := h.nextID
	h.nextID++
	h.seq++
	b := w.buildings[r.IntN(len(w.buildings))]
	g := w.gridOf[b.GridID]
	cat := w.categories[h.pick(cats)]
	x := r.Float64() * 100
	ch := channelWeights[0].ch
	for _, cw := range channelWeights {
		if x < cw.wt {
			ch = cw.ch
			break
		}
		x -= cw.wt
	}
	urgency := category.Normal
	if r.Float64() < shareUrgent || strings.HasPrefix(cat.code, "LE01") && r.Float64() < 0.4 {
		urgency = category.Urgent
	}
	worker := h.pickWho(g.workers, w.dispatcherOf(r, g.region.ID))
	// The reporter and who recorded the report.
	var by who
	c := &cases.Case{Channel: ch, Category: cat.code, Urgency: urgency, Title: cat.name,
		BuildingID: b.ID, Lon: b.Lon, Lat: b.Lat, RegionID: g.region.ID, RegionPath: g.region.Path, GridID: g.region.ID,
		QueueRegionID: g.region.ID, QueuePath: g.region.Path, QueueParentID: g.region.ParentID, Tier: category.TierGrid,
		State: cases.Reported, Supervision: cases.SuperviseNormal, ReportedAt: at, UpdatedAt: at}
	c.Description = fmt.Sprintf("%s %s：%s，请尽快处理。", b.Compound, b.Name, cat.name)
	switch ch {
	case cases.ChannelResident:
		by = h.pickWho(g.residents, h.pickWho(w.residents, who{}))
		if by.id == 0 {
			c.Channel, by = cases.ChannelGridWorker, worker
		}
	case cases.ChannelBuildingHead:
		by = h.pickWho(g.heads, h.pickWho(w.heads, who{}))
		if by.id == 0 {
			c.Channel, by = cases.ChannelGridWorker, worker
		}
	case cases.ChannelCourier:
		by = h.pickWho(w.couriers, who{})
		if by.id == 0 {
			c.Channel, by = cases.ChannelGridWorker, worker
		}
	case cases.ChannelHotline, cases.ChannelWalkIn:
		by = h.pickWho(w.hotline, worker)
		if c.Channel == cases.ChannelWalkIn {
			by = w.dispatcherOf(r, g.region.ID)
		}
		c.Anonymous, c.ReporterName = true, surnames[r.IntN(len(surnames))].name+"先生"
		if r.IntN(2) == 0 {
			c.ReporterName = surnames[r.IntN(len(surnames))].name + "女士"
		}
		if c.Channel == cases.ChannelHotline {
			c.HotlineTicket = "12345-" + at.In(w.zone).Format("20060102") + "-" + strconv.Itoa(100000+h.seq%900000)
		}
	case cases.ChannelAPI:
		by = who{name: "城市运行管理服务平台", role: "system"}
		c.Anonymous, c.ReporterName = true, by.name
	}
	if c.Channel == cases.ChannelGridWorker {
		by = worker
	}
	if !c.Anonymous {
		c.ReporterUserID, c.ReporterName = by.id, by.name
	}
	dept, err := w.department(ctx, cat.code, g.region.Path)
	if err != nil {
		return nil, err
	}
	c.DepartmentID = dept
	l := &life{h: h, ctx: ctx, g: g, c: c, now: at, end: h.opt.Now}
	if c.Step, err = l.timer(c, category.StepRegister, at); err != nil {
		return nil, err
	}
	l.evs = append(l.evs, cases.BulkEvent{Action: cases.ActReport, ActorUserID: by.id, ActorName: by.name, ActorRole: string(by.role), After: c})
	if x := r.Float64(); x < shareEscalate*0.8 {
		l.manual = 1
	} else if x < shareEscalate {
		l.manual = 2 + r.IntN(2)
	}
	h.intake(l, worker)
	// Each step moves the case on; the bound only guards against a loop.
	for guard := 0; guard < 40 && !l.done && l.err == nil && l.c.State.Open(); guard++ {
		h.step(l, worker)
	}
	if l.err != nil {
		return nil, l.err
	}
	g.recent = append(g.recent, planned{id: id, category: c.Category, at: at})
	if len(g.recent) > 8 {
		g.recent = g.recent[1:]
	}
	return l.evs, nil
}

// intake ends the reported state: rejected, merged, solved on the spot by
// the grid worker, or registered.
func (h *historyGen) intake(l *life, worker who) {
	r, c := h.rng, l.c
	reg := h.w.dispatcherOf(r, c.QueueRegionID)
	x := r.Float64()
	switch {
	case x < shareRejected:
		t := l.at(c.Step, l.frac(shareLateStep))
		if l.tick(t) {
			return
		}
		reason := "不属于受理范围，已告知上报人通过其他渠道反映"
		l.event(cases.ActReject, reg, t, "", cases.EventData{Reason: reason}, func(c *cases.Case, f *cases.EventData) error {
			end(c, cases.Rejected, l.now)
			return nil
		})
		return
	case x < shareRejected+shareMerged:
		for i := len(l.g.recent) - 1; i >= 0; i-- {
			m := l.g.recent[i]
			if c.ReportedAt.Sub(m.at) > 48*time.Hour {
				break
			}
			t := l.at(c.Step, 0.05+0.2*r.Float64())
			l.event(cases.ActMerge, reg, t, "与已受理案件重复，合并办理", cases.EventData{DuplicateOf: m.id}, func(c *cases.Case, f *cases.EventData) error {
				end(c, cases.Closed, l.now)
				c.MergedInto = m.id
				return nil
			})
			return
		}
	}
	if c.Channel == cases.ChannelGridWorker && r.Float64() < shareSelfHandle && l.manual == 0 {
		t := c.ReportedAt.Add(time.Duration(5+r.IntN(80)) * time.Minute)
		l.event(cases.ActSelfHandle, worker, t, "已现场处理完毕", cases.EventData{}, func(c *cases.Case, f *cases.EventData) error {
			if c.RegisteredAt == nil {
				c.RegisteredAt = ptr(l.now)
			}
			c.AssigneeUserID, c.AssigneeDepartmentID, c.AssigneeName = worker.id, 0, worker.name
			return l.toVerify(c, worker, l.now, f)
		})
		return
	}
	t := l.at(c.Step, l.frac(shareLateStep))
	if l.tick(t) {
		return
	}
	l.event(cases.ActRegister, reg, t, "", cases.EventData{}, func(c *cases.Case, f *cases.EventData) error {
		c.RegisteredAt = ptr(l.now)
		return l.toQueue(c, l.now)
	})
}

// step moves an open case on from its current state.
func (h *historyGen) step(l *life, worker who) {
	r, c, w := h.rng, l.c, h.w
	switch c.State {
	case cases.Registered:
		disp := w.dispatcherOf(r, c.QueueRegionID)
		if l.manual > 0 && c.QueueParentID != 0 {
			l.manual--
			t := l.at(c.Step, 0.1+0.3*r.Float64())
			if !l.tick(t) {
				l.escalate(disp, t, false)
			}
			return
		}
		t := l.at(c.Step, l.frac(shareLateStep))
		if l.tick(t) {
			return
		}
		as := h.assignee(l, worker)
		l.event(cases.ActDispatch, disp, t, "", cases.EventData{}, func(c *cases.Case, f *cases.EventData) error {
			c.AssigneeUserID, c.AssigneeDepartmentID, c.AssigneeName = as.user, as.dept, as.name
			return l.toAssignee(c, l.now)
		})
	case cases.Dispatched:
		by := h.actorOf(c, worker)
		if r.Float64() < shareReturned && c.Reopened == 0 {
			t := l.at(c.Step, 0.1+0.4*r.Float64())
			if l.tick(t) {
				return
			}
			l.event(cases.ActReturn, by, t, "", cases.EventData{Reason: "不属于本单位职责，请重新派遣"}, func(c *cases.Case, f *cases.EventData) error {
				return l.toQueue(c, l.now)
			})
			return
		}
		t := l.at(c.Step, l.frac(shareLateStep))
		if l.tick(t) {
			return
		}
		l.event(cases.ActAccept, by, t, "", cases.EventData{}, func(c *cases.Case, f *cases.EventData) error {
			c.State, c.AcceptedAt = cases.InProgress, ptr(l.now)
			hd := *c.Handle
			c.Step = &hd
			return nil
		})
	case cases.InProgress:
		by := h.actorOf(c, worker)
		late := shareLateHandle
		if c.Escalated > 0 {
			late /= 4
		}
		f := l.frac(late)
		if f < 1 {
			f = 0.1 + 0.75*r.Float64()
		}
		t := l.at(c.Handle, f)
		if l.tick(t) {
			return
		}
		l.event(cases.ActFeedback, by, t, "已处置完毕，现场已恢复", cases.EventData{}, func(c *cases.Case, f *cases.EventData) error {
			return l.toVerify(c, by, l.now, f)
		})
	case cases.Handled:
		v := h.pickWho(l.g.workers, w.dispatcherOf(r, l.g.region.ID))
		if v.id == c.HandlerUserID {
			v = h.pickWho(l.g.secretaries, w.dispatcherOf(r, l.g.region.ParentID))
		}
		t := l.at(c.Step, l.frac(shareLateStep))
		if l.tick(t) {
			return
		}
		if r.Float64() < shareRework && c.Reopened == 0 && c.DispatchedAt != nil {
			l.event(cases.ActVerifyFail, v, t, "", cases.EventData{Reason: "现场核查未处理到位，请返工"}, func(c *cases.Case, f *cases.EventData) error {
				c.HandleLate = false
				return l.toAssignee(c, l.now)
			})
			return
		}
		l.event(cases.ActVerifyOK, v, t, "现场核查已处置到位", cases.EventData{}, func(c *cases.Case, f *cases.EventData) error {
			c.State, c.VerifiedAt, c.Step, c.Handle = cases.Verified, ptr(l.now), nil, nil
			return nil
		})
	case cases.Verified:
		if rateable(c) && r.Float64() < shareRated {
			t := c.VerifiedAt.Add(time.Duration(30+r.IntN(48*60)) * time.Minute)
			rep := who{id: c.ReporterUserID, name: c.ReporterName, role: auth.RoleResident}
			if c.Channel == cases.ChannelBuildingHead {
				rep.role = auth.RoleBuildingHead
			} else if c.Channel == cases.ChannelCourier {
				rep.role = auth.RoleCourierVolunteer
			}
			rt := h.rating(c.Reopened > 0)
			if !l.event(cases.ActRate, rep, t, "", cases.EventData{}, func(c *cases.Case, f *cases.EventData) error {
				rt.At = l.now
				c.Rating = &rt
				end(c, cases.Closed, l.now)
				return nil
			}) {
				return
			}
			if rt.Satisfaction == cases.Unsatisfied && r.Float64() < shareReopen {
				t := l.now.Add(time.Duration(60+r.IntN(3*24*60)) * time.Minute)
				l.event(cases.ActReopen, rep, t, "", cases.EventData{Reason: "问题没有解决，要求重新办理"}, func(c *cases.Case, f *cases.EventData) error {
					c.Reopened++
					c.Rating = nil
					c.HandleLate = false
					c.RegisteredAt = ptr(l.now)
					return l.toQueue(c, l.now)
				})
			}
			return
		}
		wait := time.Duration(10+r.IntN(6*60)) * time.Minute
		if rateable(c) {
			wait += 72 * time.Hour
		}
		l.event(cases.ActClose, w.dispatcherOf(r, c.QueueRegionID), c.VerifiedAt.Add(wait), "", cases.EventData{}, func(c *cases.Case, f *cases.EventData) error {
			end(c, cases.Closed, l.now)
			return nil
		})
	default:
		l.done = true
	}
}

// rating draws a reporter's rating; a reopened case is not rated
// unsatisfied again.
func (h *historyGen) rating(again bool) cases.Rating {
	x := h.rng.Float64()
	switch {
	case x < shareSatisfied:
		return cases.Rating{Satisfaction: cases.Satisfied, Stars: 4 + h.rng.IntN(2)}
	case x < shareSatisfied+shareBasic || again:
		return cases.Rating{Satisfaction: cases.Basic, Stars: 3}
	}
	return cases.Rating{Satisfaction: cases.Unsatisfied, Stars: 1 + h.rng.IntN(2), Comment: "处理不及时，问题依旧"}
}

// assignment is whom a case is dispatched to.
type assignment struct {
	user, dept int64
	name       string
}

// assignee picks whom to dispatch to: at the grid, mostly its grid worker,
// sometimes a party member (支部派单, 党员接单) or the responsible
// department; above the grid, the department when one serves the place.
func (h *historyGen) assignee(l *life, worker who) assignment {
	r, c, w := h.rng, l.c, h.w
	staff := w.deptStaff[c.DepartmentID]
	useDept := c.DepartmentID != 0 && len(staff) > 0 && (c.Tier != category.TierGrid || r.Float64() < 0.35)
	switch {
	case useDept:
		return assignment{dept: c.DepartmentID, name: w.deptName[c.DepartmentID]}
	case len(w.members) > 0 && r.Float64() < 0.2:
		m := w.members[r.IntN(len(w.members))]
		return assignment{user: m.id, name: m.name}
	}
	return assignment{user: worker.id, name: worker.name}
}

// actorOf is who acts as the case's assignee: the assigned user, or a
// member of the assigned department.
func (h *historyGen) actorOf(c *cases.Case, worker who) who {
	if c.AssigneeDepartmentID != 0 {
		return h.pickWho(h.w.deptStaff[c.AssigneeDepartmentID], worker)
	}
	if m, ok := h.w.memberByID[c.AssigneeUserID]; ok {
		return m
	}
	if c.AssigneeUserID == worker.id {
		return worker
	}
	return who{id: c.AssigneeUserID, name: c.AssigneeName, role: auth.RoleGridWorker}
}
