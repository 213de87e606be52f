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
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Act performs one transition on case id (see Transitions): in.Action, at
// in.Version, the version of the case the actor saw. Errors, and nothing
// is written on any of them:
//   - Invalid naming the field for malformed input ("action", "version",
//     "reason", "assignee", "rating.stars" …);
//   - NotFound when the case does not exist or the actor may not read it;
//   - Conflict on "version" when the case changed since in.Version
//     ("案件已被他人更新，请刷新后重试"), on "state" when the case is in a state
//     the action does not start from (the message names the state), or
//     naming the field for another rule of the case (a pending extension,
//     the reopening window …);
//   - Forbidden with the reason when the actor lacks the role or the scope.
func (s *Service) Act(ctx context.Context, id int64, in ActInput) (*Case, error) {
	c, err := s.act(ctx, id, in)
	if err != nil {
		return nil, fmt.Errorf("cases: %s case %d: %w", in.Action, id, err)
	}
	return c, nil
}

// plan is one transition being worked out.
type plan struct {
	s      *Service
	ctx    context.Context
	v      *viewer
	t      *Transition
	in     ActInput
	now    time.Time
	before *Case
	after  *Case
	facts  EventData
	k      *clock
	// master is the other case a merge writes to, with its event.
	master      *stored
	masterAfter *Case
}

func (s *Service) act(ctx context.Context, id int64, in ActInput) (*Case, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, ok := transitionOf(in.Action)
	if !ok {
		return nil, apperr.Invalidf("action", "未知操作“%s”", "unknown action %q", in.Action)
	}
	if in, err = s.checkInput(ctx, v.a, t, id, in); err != nil {
		return nil, err
	}
	st, err := loadCase(ctx, s.db, id, false)
	if err != nil {
		return nil, err
	}
	c := st.c
	if !v.canRead(c) {
		// Staff who may do this in some region learn that the case lies
		// outside theirs (a grid worker dispatching in another grid);
		// anyone else learns nothing.
		if _, ok := roleHolding(v.a, t.Perm); ok && (t.Who == WhoQueue || t.Who == WhoLocation) {
			if _, err := v.gate(t, c); err != nil {
				return nil, err
			}
		}
		return nil, errCaseNotFound(id)
	}
	if in.Version != c.Version {
		return nil, errStale()
	}
	if err := stateAllows(t, c); err != nil {
		return nil, err
	}
	role, err := v.gate(t, c)
	if err != nil {
		return nil, err
	}
	p := &plan{s: s, ctx: ctx, v: v, t: t, in: in, now: s.now(), before: c, after: c.clone()}
	p.facts.Reason = in.Reason
	if err := p.apply(); err != nil {
		return nil, err
	}
	p.after.UpdatedAt = p.now
	p.after.NextCheck = s.nextCheck(p.after)
	by := who{userID: v.a.UserID, name: v.a.Name, role: role}
	ev := pending{action: t.Action, by: by, note: in.Note, facts: p.facts, attachments: in.Attachments, after: p.after}
	var out *Case
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		final, _, err := s.appendEvents(ctx, tx, st, nil, []pending{ev})
		if err != nil {
			return err
		}
		if p.master != nil {
			p.masterAfter.UpdatedAt = p.now
			p.masterAfter.NextCheck = s.nextCheck(p.masterAfter)
			mev := pending{action: ActMerge, by: by, note: in.Note,
				facts: EventData{Reason: in.Reason, Duplicate: c.ID}, after: p.masterAfter}
			if _, _, err := s.appendEvents(ctx, tx, p.master, nil, []pending{mev}); err != nil {
				return fmt.Errorf("master case %d: %w", p.master.c.ID, err)
			}
		}
		out = final
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.present(out, st.phone), nil
}

// stateAllows checks that t may start from the case's state and
// suspension flag: a Conflict naming the state otherwise.
func stateAllows(t *Transition, c *Case) error {
	suspended := c.SuspendedAt != nil
	if t.Allows(c.State, suspended) {
		return nil
	}
	if slices.Contains(t.From, c.State) {
		if suspended {
			return apperr.Conflictf("state", "案件已挂账，须先恢复办理才能“%[1]s”", "the case is suspended: resume it before you %[2]s", t.Label.ZH, t.Label.EN)
		}
		return apperr.Conflictf("state", "案件未挂账", "the case is not suspended")
	}
	if c.MergedInto != 0 {
		return apperr.Conflictf("state", "案件已作为重复案件合并到案件 %[1]d，不能“%[2]s”", "the case was merged into case %[1]d as a duplicate: you cannot %[3]s it",
			c.MergedInto, t.Label.ZH, t.Label.EN)
	}
	l := c.State.Label()
	return apperr.Conflictf("state", "案件当前为“%[1]s”状态，不能“%[3]s”", "the case is %[2]s: you cannot %[4]s it in that state",
		l.ZH, l.EN, t.Label.ZH, t.Label.EN)
}

// checkInput normalises in and checks the fields t needs, before anything
// is read: Invalid naming the field.
func (s *Service) checkInput(ctx context.Context, a *auth.Actor, t *Transition, id int64, in ActInput) (ActInput, error) {
	var err error
	if in.Version <= 0 {
		return in, apperr.Invalidf("version", "请提供案件版本号", "the version of the case you saw is required")
	}
	needs := func(f string) bool { return slices.Contains(t.Needs, f) }
	if in.Note, err = text("note", apperr.Text{ZH: "说明", EN: "the note"}, in.Note, needs(NeedNote), maxNote); err != nil {
		return in, err
	}
	if in.Reason, err = text("reason", apperr.Text{ZH: "理由", EN: "the reason"}, in.Reason, needs(NeedReason), maxReason); err != nil {
		return in, err
	}
	if needs(NeedAssignee) {
		switch {
		case in.AssigneeUserID < 0 || in.AssigneeDepartmentID < 0:
			return in, apperr.Invalidf("assignee", "承办人编号无效", "the assignee id is not valid")
		case (in.AssigneeUserID == 0) == (in.AssigneeDepartmentID == 0):
			return in, apperr.Invalidf("assignee", "请指定一名承办人或一个承办部门（二者选一）", "name either a person or a department to dispatch to (one of the two)")
		}
	}
	if needs(NeedDepartment) && in.DepartmentID <= 0 {
		return in, apperr.Invalidf("department_id", "请选择协同部门", "the co-handling department is required")
	}
	if needs(NeedRating) {
		r := in.Rating
		if r == nil {
			return in, apperr.Invalidf("rating", "请填写评价", "the rating is required")
		}
		if !r.Satisfaction.Valid() {
			return in, apperr.Invalidf("rating.satisfaction", "满意度“%s”无效（应为 satisfied、basic 或 unsatisfied）",
				"satisfaction %q is not valid (satisfied, basic or unsatisfied)", r.Satisfaction)
		}
		if r.Stars < 1 || r.Stars > 5 {
			return in, apperr.Invalidf("rating.stars", "星级应为1到5", "stars must be 1 to 5")
		}
		c := *r
		if c.Comment, err = text("rating.comment", apperr.Text{ZH: "评价内容", EN: "the comment"}, r.Comment, false, maxComment); err != nil {
			return in, err
		}
		in.Rating = &c
	}
	if needs(NeedDuplicateOf) {
		if in.DuplicateOf <= 0 {
			return in, apperr.Invalidf("duplicate_of", "请指定主案件", "the master case is required")
		}
		if in.DuplicateOf == id {
			return in, apperr.Invalidf("duplicate_of", "案件不能与自身合并", "a case cannot be merged into itself")
		}
	}
	if needs(NeedExtendBy) {
		if err := in.ExtendBy.Validate(); err != nil {
			return in, apperr.Invalidf("extend_by", "延期时长无效：%[1]s", "the extension is not valid: %[2]s", apperr.As(err).Msg.ZH, apperr.As(err).Msg.EN)
		}
	}
	if needs(NeedLevel) && !in.Level.Valid() {
		return in, apperr.Invalidf("level", "督办级别“%s”无效（应为 normal、yellow 或 red）", "supervision level %q is not valid (normal, yellow or red)", in.Level)
	}
	if in.Attachments, err = s.checkAttachments(ctx, a, in.Attachments); err != nil {
		return in, err
	}
	return in, nil
}

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

// toQueue puts the case back in its queue waiting for dispatch: no
// assignee, handler or co-handlers, the dispatch clock running.
func (p *plan) toQueue() error {
	c := p.after
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

// nextCheck is when the ticker must look at c again: when its light
// turns yellow or red while supervision is below that, or when a clock
// whose breach escalates runs over (if there is a tier above). Nil when
// nothing is pending or the case is suspended or finished.
func (s *Service) nextCheck(c *Case) *time.Time {
	if !c.State.Open() || c.SuspendedAt != nil {
		return nil
	}
	var next *time.Time
	consider := func(t time.Time) {
		t = t.Add(time.Second) // the light changes after the threshold
		if next == nil || t.Before(*next) {
			next = &t
		}
	}
	if st := c.Step; st != nil {
		if c.Supervision.rank() < SuperviseYellow.rank() {
			consider(st.YellowAt)
		}
		if c.Supervision.rank() < SuperviseRed.rank() {
			consider(st.RedAt)
		}
		if c.QueueParentID != 0 && st.Step != category.StepHandle && s.opt.AutoEscalate[st.Step] {
			consider(st.RedAt)
		}
	}
	if h := c.Handle; h != nil && c.QueueParentID != 0 && s.opt.AutoEscalate[category.StepHandle] {
		consider(h.RedAt)
	}
	return next
}

// present returns c as shown: its light now and the reporter's phone
// masked.
func (s *Service) present(c *Case, phone []byte) *Case {
	c.Light = c.lightAt(s.now())
	c.ReporterPhone = ""
	if len(phone) > 0 {
		if p, err := s.keys.Decrypt("reporter_phone", phone); err == nil {
			c.ReporterPhone = people.MaskPhone(p)
		} else {
			s.log.Error("cases: reporter phone cannot be decrypted", "case", c.ID, "err", err)
		}
	}
	return c
}
