package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// BulkEvent is one event of a whole case history written by a Bulk: the
// case after it and the facts of the transition. The first event of a
// history is the report. After.UpdatedAt is the event's time; After's
// ID, Number and Version are set by the writer.
type BulkEvent struct {
	Action      Action
	ActorUserID int64
	ActorName   string
	ActorRole   string
	Note        string
	Facts       EventData // Set is computed by the writer
	After       *Case
}

// Bulk writes generated case histories (the demo's months of history)
// with multi-row INSERTs: each case's events are diffed and hash-chained
// exactly as appendEvents does it, so that CheckHistory holds, but
// nothing is published, no observer is called (Add returns the changes
// for the caller to project) and no attachments are indexed. Case ids
// and numbers are handed out by the writer from the database's current
// ones: nothing else may write cases while a Bulk is in use. A Bulk is
// not safe for concurrent use.
type Bulk struct {
	s       *Service
	dialect sqldb.Dialect
	loc     *time.Location
	nextID  int64
	numbers map[string]int64 // day (YYYYMMDD) → last number handed out
	touched map[string]bool  // days whose numbers Flush must record

	caseRows  [][]any
	eventRows [][]any
	links     [][3]any // followers: case, user, at
	involved  [][3]any // co-handling departments: case, department, at

	// Scratch reused from event to event: the derived fields before and
	// after the event, and its data being encoded.
	prevFields, curFields *fields
	data                  []byte
	times                 timeMemo
}

// NewBulk returns a writer of case histories that continues the
// database's case ids and daily numbers. It needs the system actor.
func (s *Service) NewBulk(ctx context.Context) (*Bulk, error) {
	if err := checkSystem(ctx); err != nil {
		return nil, fmt.Errorf("cases: bulk: %w", err)
	}
	k, err := s.clockOf(ctx)
	if err != nil {
		return nil, fmt.Errorf("cases: bulk: %w", err)
	}
	times := &timeCache{}
	b := &Bulk{s: s, dialect: s.db.Dialect, loc: k.cal.Location(), numbers: map[string]int64{}, touched: map[string]bool{},
		prevFields: &fields{times: times}, curFields: &fields{times: times}}
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM cases`).Scan(&b.nextID); err != nil {
		return nil, fmt.Errorf("cases: bulk: %w", sqldb.Translate(err))
	}
	b.nextID++
	rows, err := s.db.Query(ctx, `SELECT day, last FROM case_numbers`)
	if err != nil {
		return nil, fmt.Errorf("cases: bulk: %w", sqldb.Translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var day string
		var n int64
		if err := rows.Scan(&day, &n); err != nil {
			return nil, fmt.Errorf("cases: bulk: %w", sqldb.Translate(err))
		}
		b.numbers[day] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cases: bulk: %w", sqldb.Translate(err))
	}
	return b, nil
}

// checkSystem refuses any actor but the system.
func checkSystem(ctx context.Context) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if !a.System {
		return forbidden("只有系统可以批量写入案件", "only the system may write cases in bulk")
	}
	return nil
}

// NextID returns the id the next case added will get.
func (b *Bulk) NextID() int64 { return b.nextID }

// Pending returns how many cases are buffered for the next Take or Flush.
func (b *Bulk) Pending() int { return len(b.caseRows) }

// Add buffers one case's history, evs in order (the report first): it
// gives the case its id and number, computes each event's changes and
// hash, and returns the changes (Before nil for the report) for the
// caller's projections. Each After is marshalled once. A history whose
// first event is not a report, or whose times go backwards, is Invalid
// on "events" and nothing is buffered.
func (b *Bulk) Add(evs []BulkEvent) ([]Change, error) {
	if len(evs) == 0 || evs[0].Action != ActReport {
		return nil, apperr.Invalidf("events", "案件历史须以上报开始", "a case history must start with the report")
	}
	for i, e := range evs {
		if e.After == nil {
			return nil, apperr.Invalidf("events", "第 %d 个事件缺少案件状态", "event %d has no case state", i+1)
		}
		if i > 0 && e.After.UpdatedAt.Before(evs[i-1].After.UpdatedAt) {
			return nil, apperr.Invalidf("events", "第 %d 个事件的时间早于前一个", "event %d is earlier than the one before", i+1)
		}
	}
	id := b.nextID
	day := evs[0].After.ReportedAt.In(b.loc).Format("20060102")
	n := b.numbers[day] + 1
	number := fmt.Sprintf("GW%s-%06d", day, n)

	defer b.times.reset()
	prev, cur := b.prevFields, b.curFields
	prev.obj, prev.m = prev.obj[:0], prev.m[:0] // the report sets every field
	prevState, prevTier, prevHash := State(""), category.Tier(""), ""
	changes := make([]Change, len(evs))
	events := make([]Event, len(evs))
	var before *Case
	for i, be := range evs {
		after := be.After
		after.ID, after.Number, after.Version = id, number, int64(i+1)
		normTimes(after, &b.times)
		if err := cur.derive(after); err != nil {
			return nil, fmt.Errorf("cases: bulk: %w", err)
		}
		data, err := appendEventData(b.data[:0], be.Facts, prev, cur)
		if err != nil {
			return nil, fmt.Errorf("cases: bulk: event data: %w", err)
		}
		b.data = data
		e := &events[i]
		*e = Event{CaseID: id, Seq: int64(i + 1), Action: be.Action, ActorUserID: be.ActorUserID, ActorName: be.ActorName,
			ActorRole: be.ActorRole, FromState: prevState, ToState: after.State, FromTier: prevTier, ToTier: after.Tier,
			Note: be.Note, Data: string(data), At: after.UpdatedAt.UTC(), PrevHash: prevHash}
		e.Hash = hashEvent(number, e)
		changes[i] = Change{Before: before, After: after, Event: e}
		prev, cur = cur, prev
		prevState, prevTier, prevHash, before = after.State, after.Tier, e.Hash, after
	}
	final := evs[len(evs)-1].After
	final.NextCheck = b.s.nextCheck(final)
	vals := caseValues(final)
	row := make([]any, 0, 1+len(vals)+8)
	row = append(row, id)
	row = append(row, vals...)
	row = append(row, nil, nil, nil, nil, nil, final.Version, prevHash, final.ReportedAt.UTC())
	b.caseRows = append(b.caseRows, row)
	// Each value is boxed once: an event's case id, from-state, from-tier
	// and previous hash are the boxes of the one before.
	caseID, prevHashV, fromState, fromTier := any(id), any(""), any(""), any("")
	for i := range events {
		e := &events[i]
		hash, toState, toTier := any(e.Hash), any(string(e.ToState)), any(string(e.ToTier))
		if e.ToState == e.FromState {
			toState = fromState
		}
		if e.ToTier == e.FromTier {
			toTier = fromTier
		}
		b.eventRows = append(b.eventRows, []any{caseID, e.Seq, string(e.Action), nInt(e.ActorUserID), e.ActorName, e.ActorRole,
			fromState, toState, fromTier, toTier, e.Note, e.Data, "[]", e.At, prevHashV, hash})
		prevHashV, fromState, fromTier = hash, toState, toTier
	}
	for _, u := range final.Followers {
		b.links = append(b.links, [3]any{id, u, final.UpdatedAt.UTC()})
	}
	for _, d := range final.Involved {
		b.involved = append(b.involved, [3]any{id, d, final.UpdatedAt.UTC()})
	}
	b.nextID++
	b.numbers[day] = n
	b.touched[day] = true
	return changes, nil
}

// normTimes stores every time of c as the service does (UTC, to the
// microsecond), so that the row read back equals the history. Times are
// replaced, never changed where they are: the states of a history share
// them. m remembers the times already replaced, so that a time the states
// share is normalized (and allocated) once per history.
func normTimes(c *Case, m *timeMemo) {
	c.ReportedAt, c.UpdatedAt = ts(c.ReportedAt), ts(c.UpdatedAt)
	for _, p := range []**time.Time{&c.SuspendedAt, &c.RegisteredAt, &c.DispatchedAt, &c.AcceptedAt, &c.HandledAt,
		&c.VerifiedAt, &c.ClosedAt, &c.NextCheck, &c.Due.Register, &c.Due.Dispatch, &c.Due.Accept, &c.Due.Handle, &c.Due.Verify} {
		if *p != nil {
			*p = m.norm(*p)
		}
	}
	if r := c.Rating; r != nil && r.At != ts(r.At) {
		n := *r
		n.At = ts(n.At)
		c.Rating = &n
	}
	if e := c.Extension; e != nil && e.At != ts(e.At) {
		n := *e
		n.At = ts(n.At)
		c.Extension = &n
	}
	for _, t := range []**Timer{&c.Step, &c.Handle} {
		if o := *t; o != nil && (o.Start != ts(o.Start) || o.Due != ts(o.Due) || o.YellowAt != ts(o.YellowAt) || o.RedAt != ts(o.RedAt)) {
			n := *o
			n.Start, n.Due, n.YellowAt, n.RedAt = ts(n.Start), ts(n.Due), ts(n.YellowAt), ts(n.RedAt)
			*t = &n
		}
	}
}

// timeMemo maps the time pointers of a history's states to their
// normalized copies (a short list: a history has a dozen distinct times).
type timeMemo struct{ from, to []*time.Time }

// norm returns p's time normalized: p itself if it is, else a copy made
// once per memo.
func (m *timeMemo) norm(p *time.Time) *time.Time {
	for i, f := range m.from {
		if f == p {
			return m.to[i]
		}
	}
	q := p
	if n := ts(*p); n != *p {
		q = &n
	}
	m.from, m.to = append(m.from, p), append(m.to, q)
	return q
}

// reset forgets the times, keeping the lists' room.
func (m *timeMemo) reset() {
	clear(m.from)
	clear(m.to)
	m.from, m.to = m.from[:0], m.to[:0]
}

// Clock is the time-limit arithmetic of the case loop on one calendar,
// for writers of generated histories: the same timers, deadlines and
// overtime ratios the transitions compute.
type Clock struct{ k clock }

// NewClock returns the arithmetic on cal.
func NewClock(cal *calendar.Calendar) Clock { return Clock{k: clock{cal: cal}} }

// Timer starts the clock of step st with limit l at start.
func (c Clock) Timer(st category.Step, start time.Time, l calendar.Limit) (*Timer, error) {
	return c.k.newTimer(st, start, l)
}

// Ratio is the share of t's allowance used at at (the overtime multiple
// the event ending handling records), 0 for a timer without allowance.
func (c Clock) Ratio(t *Timer, at time.Time) (float64, error) {
	used, err := c.k.used(t, at)
	if err != nil {
		return 0, err
	}
	b := c.k.budget(t)
	if b <= 0 {
		return 0, nil
	}
	return round3(float64(used) / float64(b)), nil
}

// Resume moves t past a suspension from from to to.
func (c Clock) Resume(t *Timer, from, to time.Time) error { return c.k.resume(t, from, to) }

// Extend moves t's deadline by by.
func (c Clock) Extend(t *Timer, by calendar.Limit) error { return c.k.extend(t, by) }

// SetDue records timer t's deadline as the deadline of its step in c.Due.
func (c *Case) SetDue(t *Timer) { setDue(c, t) }

// Clone returns a deep copy of c, for building the next state of a
// generated history.
func (c *Case) Clone() *Case { return c.clone() }
