package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// TickResult says what one Tick did.
type TickResult struct {
	Checked    int  // cases looked at
	Supervised int  // automatic supervision events
	Escalated  int  // automatic escalations
	Failed     int  // cases that could not be worked out (logged, retried an hour later)
	More       bool // the batch was full: call Tick again
}

// tickRetry is how long a case whose check failed waits for the next.
const tickRetry = time.Hour

// Tick looks at the open cases whose next check has come: it raises
// supervision to yellow when the current step's light turns yellow (80 %
// of its limit used) and to red when it turns red (over 100 %), and
// escalates a case one tier up when a clock in Options.AutoEscalate (the
// handling clock by default) runs over — each as an event by the system,
// each exactly once: every case is claimed in its own transaction (FOR
// UPDATE SKIP LOCKED on PostgreSQL, so that several processes share the
// work and never the same case; SQLite has one writer) and every change is
// conditional on the case's version. Only the system may tick.
func (s *Service) Tick(ctx context.Context) (TickResult, error) {
	var res TickResult
	if err := auth.Check(ctx, auth.ActCaseSupervise, auth.Resource{}); err != nil {
		return res, fmt.Errorf("cases: tick: %w", err)
	}
	now := s.now()
	for res.Checked < s.opt.TickBatch {
		found := false
		err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
			id, ok, err := claim(ctx, tx, now)
			if err != nil || !ok {
				return err
			}
			found = true
			res.Checked++
			sup, esc, err := s.tickCase(ctx, tx, id, now)
			if err == nil {
				res.Supervised += sup
				res.Escalated += esc
				return nil
			}
			// A case that cannot be worked out (a year without calendar
			// data, a category gone) must not stop the others: it waits.
			s.log.Error("cases: tick", "case", id, "err", err)
			res.Failed++
			_, uerr := tx.Exec(ctx, `UPDATE cases SET next_check_at = $1 WHERE id = $2`, now.Add(tickRetry), id)
			return uerr
		})
		if err != nil {
			return res, fmt.Errorf("cases: tick: %w", err)
		}
		if !found {
			return res, nil
		}
	}
	res.More = true
	return res, nil
}

// claim picks and locks one case due for a check, skipping those another
// process holds.
func claim(ctx context.Context, tx *sqldb.Tx, now time.Time) (int64, bool, error) {
	q := `SELECT id FROM cases WHERE next_check_at <= $1 ORDER BY next_check_at, id LIMIT 1`
	if tx.Dialect == sqldb.Postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	var id int64
	err := tx.QueryRow(ctx, q, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, sqldb.Translate(err)
	}
	return id, true, nil
}

// systemWho is the actor of automatic events.
var systemWho = who{name: "system", role: roleSystem}

// tickCase does what is due for case id, inside tx, and counts the
// supervision and escalation events it wrote.
func (s *Service) tickCase(ctx context.Context, tx *sqldb.Tx, id int64, now time.Time) (int, int, error) {
	st, err := loadCase(ctx, tx, id, false)
	if err != nil {
		return 0, 0, err
	}
	c := st.c
	if c.NextCheck == nil || c.NextCheck.After(now) {
		return 0, 0, nil // done by another process meanwhile
	}
	k, err := s.clockOf(ctx)
	if err != nil {
		return 0, 0, err
	}
	evs, sup, esc, err := s.autoEvents(ctx, k, c, now)
	if err != nil {
		return 0, 0, err
	}
	if len(evs) == 0 {
		// Nothing due after all (a threshold moved): just reschedule.
		next := s.nextCheck(c)
		if next != nil && !next.After(now) {
			return 0, 0, fmt.Errorf("cases: case %d is due again at once (%s)", id, next)
		}
		_, err := tx.Exec(ctx, `UPDATE cases SET next_check_at = $1 WHERE id = $2 AND version = $3`, nTime(next), id, c.Version)
		return 0, 0, err
	}
	last := evs[len(evs)-1].after
	if last.NextCheck != nil && !last.NextCheck.After(now) {
		return 0, 0, fmt.Errorf("cases: case %d is due again at once (%s)", id, last.NextCheck)
	}
	if _, _, err := s.appendEvents(ctx, tx, st, nil, evs); err != nil {
		return 0, 0, err
	}
	return sup, esc, nil
}

// autoEvents works out the automatic events due for case c at now: a
// supervision up to the light of the current step, and an escalation when
// a clock whose breach escalates has run over.
func (s *Service) autoEvents(ctx context.Context, k clock, c *Case, now time.Time) (evs []pending, sup, esc int, err error) {
	if !c.State.Open() || c.SuspendedAt != nil || c.Step == nil {
		return nil, 0, 0, nil
	}
	cur := c
	level := SuperviseNormal
	switch c.Step.LightAt(now) {
	case LightYellow:
		level = SuperviseYellow
	case LightRed:
		level = SuperviseRed
	}
	if level.rank() > cur.Supervision.rank() {
		used, err := k.used(cur.Step, now)
		if err != nil {
			return nil, 0, 0, err
		}
		ratio := float64(used) / float64(k.budget(cur.Step))
		after := cur.clone()
		after.Supervision = level
		after.UpdatedAt = now
		after.NextCheck = s.nextCheck(after)
		step := cur.Step.Step.Label()
		evs = append(evs, pending{action: ActSupervise, by: systemWho, after: after,
			note:  fmt.Sprintf("%s环节已用时限的%.0f%%，自动督办", step.ZH, ratio*100),
			facts: EventData{Auto: true, Step: string(cur.Step.Step), Level: string(level), Ratio: round3(ratio)}})
		cur, sup = after, 1
	}
	var breached *Timer
	switch {
	case cur.Handle != nil && s.opt.AutoEscalate[category.StepHandle] && now.After(cur.Handle.RedAt):
		breached = cur.Handle
	case cur.Step.Step != category.StepHandle && s.opt.AutoEscalate[cur.Step.Step] && now.After(cur.Step.RedAt):
		breached = cur.Step
	}
	if breached != nil && cur.QueueParentID != 0 {
		after := cur.clone()
		if err := s.escalate(ctx, k, after, now); err != nil {
			return nil, 0, 0, err
		}
		after.UpdatedAt = now
		after.NextCheck = s.nextCheck(after)
		step := breached.Step.Label()
		evs = append(evs, pending{action: ActEscalate, by: systemWho, after: after,
			note:  fmt.Sprintf("%s环节超时，自动上报%s级", step.ZH, after.Tier.Label().ZH),
			facts: EventData{Auto: true, Step: string(breached.Step), Reason: "overdue: " + string(breached.Step)}})
		esc = 1
	}
	return evs, sup, esc, nil
}

// round3 rounds to three decimals, for a readable ratio in event data.
func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

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
