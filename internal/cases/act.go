package cases

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
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
	// Shares a durable commit with concurrent writes (batch.go); a stale
	// version fails this transition alone.
	err = s.group.do(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
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
