package cases

import (
	"context"
	"fmt"
	"slices"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// who is the actor an event records.
type who struct {
	userID int64
	name   string
	role   string
}

// pending is one event about to be appended: the case after it and the
// facts of the transition.
type pending struct {
	action      Action
	by          who
	note        string
	facts       EventData
	attachments []int64
	after       *Case
}

// errStale is the Conflict of optimistic concurrency.
func errStale() error {
	return apperr.Conflictf("version", "案件已被他人更新，请刷新后重试", "the case was changed by someone else; reload and retry")
}

// appendEvents appends evs to the case that was before (nil for a new
// case, then in describes the intake) inside tx: each event records the
// fields it changed and is chained to the one before; the row is inserted,
// or updated only if it is still at before's version (errStale
// otherwise); followers, co-handling departments and attachments are
// indexed and every event is published. It returns the case after the last
// event and the events.
func (s *Service) appendEvents(ctx context.Context, tx *sqldb.Tx, before *stored, in *intake, evs []pending) (*Case, []*Event, error) {
	cur, prev, version := &Case{}, "", int64(0)
	if before != nil {
		cur, prev, version = before.c, before.lastHash, before.c.Version
	}
	first := cur
	out := make([]*Event, 0, len(evs))
	var from, to fields
	if err := from.derive(cur); err != nil {
		return nil, nil, fmt.Errorf("diff: %w", err)
	}
	for i, p := range evs {
		if err := to.derive(p.after); err != nil {
			return nil, nil, fmt.Errorf("diff: %w", err)
		}
		data, err := appendEventData(nil, p.facts, &from, &to)
		if err != nil {
			return nil, nil, fmt.Errorf("event data: %w", err)
		}
		from, to = to, from
		e := &Event{CaseID: first.ID, Seq: version + int64(i) + 1, Action: p.action,
			ActorUserID: p.by.userID, ActorName: p.by.name, ActorRole: p.by.role,
			FromState: cur.State, ToState: p.after.State, FromTier: cur.Tier, ToTier: p.after.Tier,
			Note: p.note, Data: string(data), Attachments: p.attachments, At: p.after.UpdatedAt, PrevHash: prev}
		e.Hash = hashEvent(p.after.Number, e)
		prev = e.Hash
		cur = p.after
		out = append(out, e)
	}
	final := cur
	final.Version = version + int64(len(evs))
	if before == nil {
		id, err := insertCase(ctx, tx, final, *in, prev)
		if err != nil {
			return nil, nil, err
		}
		final.ID = id
		for _, e := range out {
			e.CaseID = id
		}
	} else {
		final.ID = first.ID
		ok, err := updateCase(ctx, tx, final, version, prev)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, errStale()
		}
	}
	var old *Case
	if before != nil {
		old = before.c
	}
	if err := syncLinks(ctx, tx, final, old, final.UpdatedAt); err != nil {
		return nil, nil, err
	}
	states := append([]*Case{first}, make([]*Case, 0, len(evs))...)
	for i, e := range out {
		if err := insertEvent(ctx, tx, e); err != nil {
			return nil, nil, err
		}
		if err := insertAttachments(ctx, tx, final.ID, e.Seq, e.Attachments); err != nil {
			return nil, nil, err
		}
		states = append(states, evs[i].after)
	}
	for i, e := range out {
		if err := s.publish(ctx, tx, states[i], states[i+1], final.ID, e, evs[i].facts); err != nil {
			return nil, nil, err
		}
	}
	if s.obs != nil {
		changes := make([]Change, len(out))
		for i, e := range out {
			var b *Case
			if i > 0 || before != nil {
				b = states[i]
			}
			after := states[i+1]
			if after.ID == 0 {
				after = after.clone()
				after.ID = final.ID
			}
			changes[i] = Change{Before: b, After: after, Event: e}
		}
		if err := s.obs.ObserveEvents(ctx, tx, changes); err != nil {
			return nil, nil, fmt.Errorf("observe events: %w", err)
		}
	}
	return final, out, nil
}

// publish tells the people concerned of event e, which took the case from
// before to after: the reporter and followers, the assignee and the
// members of the assigned and co-handling departments, before and after
// (an assignee who returned a case hears of its dispatch to someone else),
// but not the actor. RegionPath is the case's location, for the live
// streams of the dispatchers above it.
func (s *Service) publish(ctx context.Context, tx *sqldb.Tx, before, after *Case, id int64, e *Event, facts EventData) error {
	var users []int64
	var depts []int64
	for _, c := range []*Case{before, after} {
		users = append(users, c.ReporterUserID, c.AssigneeUserID, c.HandlerUserID)
		users = append(users, c.Followers...)
		depts = append(depts, c.AssigneeDepartmentID)
		depts = append(depts, c.Involved...)
	}
	slices.Sort(depts)
	for _, d := range slices.Compact(depts) {
		if d == 0 {
			continue
		}
		ms, err := s.cat.FindMembers(system(ctx), d)
		if err != nil {
			return fmt.Errorf("members of department %d: %w", d, err)
		}
		users = append(users, ms...)
	}
	slices.Sort(users)
	users = slices.Compact(users)
	users = slices.DeleteFunc(users, func(u int64) bool { return u == 0 || u == e.ActorUserID })
	pub := map[string]any{"tier": string(after.Tier), "category": after.Category, "urgency": string(after.Urgency)}
	if facts.Level != "" {
		pub["level"] = facts.Level
	}
	if facts.Auto {
		pub["auto"] = true
	}
	label := LabelOf(e.Action)
	err := s.ntf.Publish(ctx, tx, notify.Event{
		Kind: "case." + string(e.Action), CaseID: id, CaseNumber: after.Number, RegionPath: after.RegionPath,
		Action: string(e.Action), FromState: string(e.FromState), ToState: string(e.ToState), ActorName: e.ActorName,
		At: e.At, Recipients: users, Public: pub,
		TitleZH: fmt.Sprintf("案件 %s：%s（%s）", after.Number, label.ZH, after.State.Label().ZH),
		TitleEN: fmt.Sprintf("Case %s: %s (%s)", after.Number, label.EN, after.State.Label().EN),
	})
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}
