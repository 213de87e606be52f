package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/category"
)

// The rules of each transition: what the case looks like after it.

// clock returns the calendar arithmetic, loaded once per plan.
func (p *plan) clock() (clock, error) {
	if p.k == nil {
		k, err := p.s.clockOf(p.ctx)
		if err != nil {
			return clock{}, err
		}
		p.k = &k
	}
	return *p.k, nil
}

// startStep starts the clock of step st for case c at now, at c's tier.
func (s *Service) startStep(ctx context.Context, k clock, c *Case, st category.Step, now time.Time) (*Timer, error) {
	l, err := s.cat.LimitFor(ctx, c.Category, c.Urgency, c.Tier, st)
	if err != nil {
		return nil, fmt.Errorf("limit of the %s step: %w", st, err)
	}
	return k.newTimer(st, now, l)
}

// start is startStep for the plan's case, recording the step's deadline.
func (p *plan) start(st category.Step) (*Timer, error) {
	k, err := p.clock()
	if err != nil {
		return nil, err
	}
	t, err := p.s.startStep(p.ctx, k, p.after, st, p.now)
	if err != nil {
		return nil, err
	}
	setDue(p.after, t)
	return t, nil
}

// setDue records timer t's deadline as its step's.
func setDue(c *Case, t *Timer) {
	d := t.Due
	switch t.Step {
	case category.StepRegister:
		c.Due.Register = &d
	case category.StepDispatch:
		c.Due.Dispatch = &d
	case category.StepAccept:
		c.Due.Accept = &d
	case category.StepHandle:
		c.Due.Handle = &d
	case category.StepVerify:
		c.Due.Verify = &d
	}
}

// markLate records on c that its running handling clock had run over at
// now, before the round ends without handling (an escalation, a return).
func markLate(c *Case, now time.Time) {
	if c.Handle != nil && now.After(c.Handle.Due) {
		c.HandleLate = true
	}
}

// toQueue puts the case back in its queue waiting for dispatch: no
// assignee, handler or co-handlers, the dispatch clock running.
func (p *plan) toQueue() error {
	c := p.after
	markLate(c, p.now)
	c.State = Registered
	c.AssigneeUserID, c.AssigneeDepartmentID, c.AssigneeName, c.HandlerUserID = 0, 0, "", 0
	c.Involved, c.Extension, c.Handle = nil, nil, nil
	c.DispatchedAt, c.AcceptedAt, c.HandledAt, c.VerifiedAt, c.ClosedAt = nil, nil, nil, nil, nil
	if c.RegisteredAt == nil {
		c.RegisteredAt = &p.now
	}
	t, err := p.start(category.StepDispatch)
	if err != nil {
		return err
	}
	c.Step = t
	return nil
}

// toAssignee starts (or restarts, on rework) the work of the assignee:
// the accept clock and the handling clock, both from now.
func (p *plan) toAssignee() error {
	c := p.after
	c.State = Dispatched
	c.DispatchedAt, c.AcceptedAt, c.HandledAt = &p.now, nil, nil
	c.HandlerUserID, c.Extension = 0, nil
	acc, err := p.start(category.StepAccept)
	if err != nil {
		return err
	}
	h, err := p.start(category.StepHandle)
	if err != nil {
		return err
	}
	c.Step, c.Handle = acc, h
	return nil
}

// toVerify records the handling by the actor and starts the verify clock.
func (p *plan) toVerify() error {
	c := p.after
	c.State = Handled
	c.HandlerUserID = p.v.a.UserID
	c.HandledAt = &p.now
	if h := c.Handle; h != nil {
		// How much of the handling limit was used (超时倍数 above 1).
		k, err := p.clock()
		if err != nil {
			return err
		}
		used, err := k.used(h, p.now)
		if err != nil {
			return err
		}
		if b := k.budget(h); b > 0 {
			p.facts.Step, p.facts.Ratio = string(category.StepHandle), round3(float64(used)/float64(b))
		}
	}
	c.Handle, c.Extension = nil, nil
	t, err := p.start(category.StepVerify)
	if err != nil {
		return err
	}
	c.Step = t
	return nil
}

// end stops the clocks of a case that is closed or rejected.
func (p *plan) end(s State) {
	c := p.after
	c.State = s
	c.Step, c.Handle, c.Extension, c.SuspendedAt = nil, nil, nil, nil
	if s == Closed {
		c.ClosedAt = &p.now
	}
}

// apply works out the case after the transition.
func (p *plan) apply() error {
	c, in := p.after, p.in
	switch p.t.Action {
	case ActRegister:
		c.RegisteredAt = &p.now
		return p.toQueue()
	case ActReject:
		p.end(Rejected)
	case ActDispatch:
		if err := p.assign(); err != nil {
			return err
		}
		return p.toAssignee()
	case ActAccept:
		c.State = InProgress
		c.AcceptedAt = &p.now
		if c.AssigneeUserID == 0 && c.AssigneeDepartmentID == 0 {
			c.AssigneeUserID, c.AssigneeName = p.v.a.UserID, p.v.a.Name
		}
		h := *c.Handle
		c.Step = &h
	case ActReturn:
		return p.toQueue()
	case ActInvolve:
		d, err := p.department("department_id", in.DepartmentID)
		if err != nil {
			return err
		}
		if d == c.AssigneeDepartmentID || slices.Contains(c.Involved, d) {
			return apperr.Conflictf("department_id", "该部门已在办理此案件", "that department already works on the case")
		}
		c.Involved = append(c.Involved, d)
	case ActFeedback:
		return p.toVerify()
	case ActSelfHandle:
		if c.RegisteredAt == nil {
			c.RegisteredAt = &p.now
		}
		c.AssigneeUserID, c.AssigneeDepartmentID, c.AssigneeName = p.v.a.UserID, 0, p.v.a.Name
		return p.toVerify()
	case ActVerifyOK:
		c.State = Verified
		c.VerifiedAt = &p.now
		c.Step, c.Handle = nil, nil
	case ActVerifyFail:
		c.HandleLate = false // rework is a new round, judged by its own clock
		return p.toAssignee()
	case ActRate:
		r := in.Rating
		c.Rating = &Rating{Satisfaction: r.Satisfaction, Stars: r.Stars, Comment: r.Comment, At: p.now}
		p.end(Closed)
	case ActClose:
		if rateable(c) && c.VerifiedAt != nil && p.now.Before(c.VerifiedAt.Add(p.s.opt.RateWithin)) {
			until := c.VerifiedAt.Add(p.s.opt.RateWithin).Format(time.DateTime + " MST")
			return apperr.Conflictf("state", "上报人可在 %[1]s 前评价，之后方可直接结案", "the reporter may rate until %[1]s; close it after that", until)
		}
		p.end(Closed)
	case ActReopen:
		return p.reopen()
	case ActMerge:
		return p.merge()
	case ActSuspend:
		c.SuspendedAt = &p.now
	case ActResume:
		return p.resume()
	case ActExtend:
		if c.Extension != nil {
			return apperr.Conflictf("extend_by", "已有待审批的延期申请", "an extension request is already pending")
		}
		c.Extension = &Extension{By: in.ExtendBy, Reason: in.Reason, UserID: p.v.a.UserID, At: p.now}
		p.facts.ExtendBy = in.ExtendBy.String()
	case ActExtendApprove:
		return p.approveExtension()
	case ActExtendDeny:
		if c.Extension == nil {
			return apperr.Conflictf("state", "没有待审批的延期申请", "there is no pending extension request")
		}
		p.facts.ExtendBy = c.Extension.By.String()
		c.Extension = nil
	case ActEscalate:
		k, err := p.clock()
		if err != nil {
			return err
		}
		return p.s.escalate(p.ctx, k, c, p.now)
	case ActSupervise:
		c.Supervision = in.Level
		p.facts.Level = string(in.Level)
	case ActInstruct:
		// The note is the instruction; nothing else changes.
	default:
		return fmt.Errorf("cases: no rule for action %s", p.t.Action)
	}
	return nil
}

// rateable reports whether the case has a signed-in reporter who may rate
// it (not a patrol finding or a hotline caller).
func rateable(c *Case) bool {
	if c.ReporterUserID == 0 {
		return false
	}
	switch c.Channel {
	case ChannelResident, ChannelBuildingHead, ChannelCourier:
		return true
	}
	return false
}

// assign sets the assignee of a dispatch: a user who handles cases where
// the case lies (a region grant covering it, or a party grant: party
// members serve their branch's grids), or a department serving the
// location.
func (p *plan) assign() error {
	c, in := p.after, p.in
	if in.AssigneeDepartmentID != 0 {
		d, err := p.department("assignee", in.AssigneeDepartmentID)
		if err != nil {
			return err
		}
		dept, err := p.s.cat.FindDepartmentByID(system(p.ctx), d)
		if err != nil {
			return err
		}
		c.AssigneeUserID, c.AssigneeDepartmentID, c.AssigneeName = 0, d, dept.Name
		return nil
	}
	u, err := p.s.auth.FindUserByID(system(p.ctx), in.AssigneeUserID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.Invalidf("assignee", "用户 %d 不存在", "user %d does not exist", in.AssigneeUserID)
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return apperr.Invalidf("assignee", "用户“%s”已停用", "user %q is disabled", u.DisplayName)
	}
	ok := false
	for _, g := range u.Grants {
		if !auth.RoleAllows(g.Role, auth.ActCaseHandle) {
			continue
		}
		if g.Scope.Kind == auth.ScopeParty || g.Scope.Kind == auth.ScopeRegion && g.Scope.Covers(c.RegionPath) {
			ok = true
			break
		}
	}
	if !ok {
		return apperr.Invalidf("assignee", "“%[1]s”不承办该地的案件", "%[2]q does not handle cases where this one lies", u.DisplayName, u.DisplayName)
	}
	c.AssigneeUserID, c.AssigneeDepartmentID, c.AssigneeName = u.ID, 0, u.DisplayName
	return nil
}

// department checks a department named in field: it exists and serves
// the case's location (it is registered at or above it).
func (p *plan) department(field string, id int64) (int64, error) {
	d, err := p.s.cat.FindDepartmentByID(system(p.ctx), id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return 0, apperr.Invalidf(field, "部门 %d 不存在", "department %d does not exist", id)
	}
	if err != nil {
		return 0, err
	}
	if !strings.HasPrefix(p.after.RegionPath, d.RegionPath) {
		return 0, apperr.Invalidf(field, "“%[1]s”不服务该案件所在地", "%[2]q does not serve the case's location", d.Name, d.Name)
	}
	return d.ID, nil
}

// reopen sends a closed case back to its queue at the reporter's request.
func (p *plan) reopen() error {
	c := p.after
	if c.MergedInto != 0 {
		return apperr.Conflictf("state", "重复案件已合并到案件 %d，请关注主案件", "the case was merged into case %d: follow that one", c.MergedInto)
	}
	if c.Rating != nil && c.Rating.Satisfaction != Unsatisfied {
		return apperr.Conflictf("state", "只有评价为“不满意”的案件可以重新办理", "only a case rated unsatisfied can be reopened")
	}
	if c.ClosedAt != nil && !p.now.Before(c.ClosedAt.Add(p.s.opt.ReopenWithin)) {
		return apperr.Conflictf("state", "结案已超过%d天，不能重新办理", "the case was closed more than %d days ago and can no longer be reopened",
			int(p.s.opt.ReopenWithin/(24*time.Hour)))
	}
	c.Reopened++
	c.Rating = nil
	c.HandleLate = false
	c.RegisteredAt = &p.now
	return p.toQueue()
}

// merge closes the case as a duplicate of in.DuplicateOf, whose followers
// gain this case's reporter and followers.
func (p *plan) merge() error {
	m, err := loadCase(p.ctx, p.s.db, p.in.DuplicateOf, false)
	if apperr.CodeOf(err) == apperr.NotFound || err == nil && !p.v.canRead(m.c) {
		return apperr.Invalidf("duplicate_of", "主案件 %d 不存在", "master case %d does not exist", p.in.DuplicateOf)
	}
	if err != nil {
		return err
	}
	if !m.c.State.Open() || m.c.MergedInto != 0 {
		l := m.c.State.Label()
		return apperr.Conflictf("duplicate_of", "主案件 %[1]s 已是“%[2]s”状态，不能再合并", "master case %[1]s is %[3]s and takes no more duplicates",
			m.c.Number, l.ZH, l.EN)
	}
	if _, err := p.v.gate(p.t, m.c); err != nil {
		return err
	}
	c := p.after
	p.end(Closed)
	c.MergedInto = m.c.ID
	p.facts.DuplicateOf = m.c.ID
	ma := m.c.clone()
	for _, u := range append([]int64{c.ReporterUserID}, c.Followers...) {
		if u != 0 && u != ma.ReporterUserID && !slices.Contains(ma.Followers, u) {
			ma.Followers = append(ma.Followers, u)
		}
	}
	p.master, p.masterAfter = m, ma
	return nil
}

// resume ends a suspension: each running clock's deadline moves by the
// suspended time measured on that clock.
func (p *plan) resume() error {
	c := p.after
	k, err := p.clock()
	if err != nil {
		return err
	}
	from := *c.SuspendedAt
	for _, t := range []*Timer{c.Step, c.Handle} {
		if t == nil {
			continue
		}
		if err := k.resume(t, from, p.now); err != nil {
			return err
		}
		setDue(c, t)
	}
	c.SuspendedAt = nil
	p.facts.SuspendedFrom, p.facts.SuspendedTo = &from, &p.now
	return nil
}

// approveExtension moves the handling deadline by the pending request.
func (p *plan) approveExtension() error {
	c := p.after
	if c.Extension == nil {
		return apperr.Conflictf("state", "没有待审批的延期申请", "there is no pending extension request")
	}
	k, err := p.clock()
	if err != nil {
		return err
	}
	if err := k.extend(c.Handle, c.Extension.By); err != nil {
		return err
	}
	setDue(c, c.Handle)
	if c.Step != nil && c.Step.Step == category.StepHandle {
		h := *c.Handle
		c.Step = &h
	}
	p.facts.ExtendBy = c.Extension.By.String()
	c.Extension = nil
	return nil
}

// escalate moves case c one tier up: to the queue of the parent of the
// region whose queue holds it, back to registered there with the dispatch
// clock of the new tier.
func (s *Service) escalate(ctx context.Context, k clock, c *Case, now time.Time) error {
	if c.QueueParentID == 0 {
		return apperr.Conflictf("state", "案件已在最高一级，无处上报", "the case is at the top tier: there is nowhere to escalate it")
	}
	r, err := s.terr.FindRegionByID(system(ctx), c.QueueParentID)
	if err != nil {
		return fmt.Errorf("region above the queue: %w", err)
	}
	tier := category.TierOfLevel(string(r.Level))
	if tier == "" {
		return fmt.Errorf("cases: region %d has level %s, which is no tier", r.ID, r.Level)
	}
	c.QueueRegionID, c.QueuePath, c.QueueParentID, c.Tier = r.ID, r.Path, r.ParentID, tier
	c.Escalated++
	markLate(c, now)
	c.State = Registered
	c.AssigneeUserID, c.AssigneeDepartmentID, c.AssigneeName, c.HandlerUserID = 0, 0, "", 0
	c.Involved, c.Extension, c.Handle = nil, nil, nil
	c.DispatchedAt, c.AcceptedAt = nil, nil
	if c.RegisteredAt == nil {
		c.RegisteredAt = &now
	}
	t, err := s.startStep(ctx, k, c, category.StepDispatch, now)
	if err != nil {
		return err
	}
	c.Step = t
	setDue(c, t)
	return nil
}
