package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/gridwork/gridwork/internal/auth"
)

// BrokenLink is the first place where a case's history does not hold:
// an event whose hash does not match its content, a missing or reordered
// event, or a case row that its events do not derive.
type BrokenLink struct {
	CaseID int64
	Number string
	Seq    int64 // the event concerned; for the row, the last event's seq
	What   string
}

// Error implements error.
func (b *BrokenLink) Error() string {
	return fmt.Sprintf("case %d (%s), event %d: %s", b.CaseID, b.Number, b.Seq, b.What)
}

// HistoryReport is what CheckHistory looked at, and the first broken link
// (nil when every chain holds).
type HistoryReport struct {
	Cases  int
	Events int
	Broken *BrokenLink
}

// VerifyHistory checks the history of case caseID, or of every case when
// caseID is 0: nil when it holds, the *BrokenLink of the first break
// otherwise (see CheckHistory).
func (s *Service) VerifyHistory(ctx context.Context, caseID int64) error {
	r, err := s.CheckHistory(ctx, caseID)
	if err != nil {
		return err
	}
	if r.Broken != nil {
		return r.Broken
	}
	return nil
}

// historyBatch is how many cases CheckHistory reads at a time.
const historyBatch = 500

// CheckHistory verifies, for case caseID (0: every case, in id order):
// that its events are numbered 1…n without gaps, that each event's
// prev_hash is the hash of the one before ("" for the first), that each
// event's hash is the hash of its content (see hashEvent), that the row's
// version and last hash are the last event's, and that folding the events'
// changes gives the row. It stops at the first broken link. A single case
// needs read access to it; every case needs the system.
func (s *Service) CheckHistory(ctx context.Context, caseID int64) (*HistoryReport, error) {
	r := &HistoryReport{}
	if caseID != 0 {
		if _, _, err := s.readable(ctx, caseID); err != nil {
			return nil, fmt.Errorf("cases: verify history of case %d: %w", caseID, err)
		}
		if err := s.checkCases(ctx, r, caseID, caseID); err != nil {
			return nil, fmt.Errorf("cases: verify history of case %d: %w", caseID, err)
		}
		return r, nil
	}
	if err := auth.Check(ctx, auth.ActCaseRead, auth.Resource{}); err != nil {
		return nil, fmt.Errorf("cases: verify history: %w", err)
	}
	last := int64(0)
	for r.Broken == nil {
		rows, err := s.db.Query(ctx, `SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2`, last, historyBatch)
		if err != nil {
			return nil, fmt.Errorf("cases: verify history: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("cases: verify history: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			break
		}
		if err := s.checkCases(ctx, r, ids[0], ids[len(ids)-1]); err != nil {
			return nil, fmt.Errorf("cases: verify history: %w", err)
		}
		last = ids[len(ids)-1]
	}
	return r, nil
}

// checkCases checks the cases with ids in [from, to].
func (s *Service) checkCases(ctx context.Context, r *HistoryReport, from, to int64) error {
	rows, err := s.db.Query(ctx, `SELECT `+selectColumns+` FROM cases WHERE id >= $1 AND id <= $2 ORDER BY id`, from, to)
	if err != nil {
		return err
	}
	var cases []*stored
	for rows.Next() {
		st, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return err
		}
		cases = append(cases, st)
	}
	rows.Close()
	cs := make([]*Case, len(cases))
	for i, st := range cases {
		cs[i] = st.c
	}
	if err := loadLinks(ctx, s.db, cs); err != nil {
		return err
	}
	evs, err := loadEvents(ctx, s.db, from, to)
	if err != nil {
		return err
	}
	byCase := make(map[int64][]*Event)
	for _, e := range evs {
		byCase[e.CaseID] = append(byCase[e.CaseID], e)
	}
	for _, st := range cases {
		r.Cases++
		r.Events += len(byCase[st.c.ID])
		if b := checkChain(st, byCase[st.c.ID]); b != nil {
			r.Broken = b
			return nil
		}
	}
	return nil
}

// checkChain checks one case's events against each other and its row.
func checkChain(st *stored, evs []*Event) *BrokenLink {
	c := st.c
	broken := func(seq int64, what string) *BrokenLink {
		return &BrokenLink{CaseID: c.ID, Number: c.Number, Seq: seq, What: what}
	}
	prev := ""
	folded := &Case{}
	for i, e := range evs {
		want := int64(i + 1)
		if e.Seq != want {
			return broken(want, fmt.Sprintf("event %d is missing (found %d next)", want, e.Seq))
		}
		if e.PrevHash != prev {
			return broken(e.Seq, "prev_hash does not match the hash of the event before")
		}
		if h := hashEvent(c.Number, e); h != e.Hash {
			return broken(e.Seq, "the event's content does not match its hash (it was changed)")
		}
		prev = e.Hash
		var d EventData
		if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
			return broken(e.Seq, "the event's data is not valid JSON")
		}
		next, err := applySet(folded, d.Set)
		if err != nil {
			return broken(e.Seq, "the event's changes cannot be applied: "+err.Error())
		}
		if next.State != e.ToState || next.Tier != e.ToTier || folded.State != e.FromState || folded.Tier != e.FromTier {
			return broken(e.Seq, "the event's from/to state or tier disagrees with its changes")
		}
		folded = next
	}
	n := int64(len(evs))
	if n == 0 {
		return broken(0, "the case has no events")
	}
	if c.Version != n {
		return broken(n, fmt.Sprintf("the case row is at version %d but has %d events", c.Version, n))
	}
	if st.lastHash != prev {
		return broken(n, "the case row's last hash is not its last event's")
	}
	a, err1 := derived(folded)
	b, err2 := derived(c)
	if err1 != nil || err2 != nil {
		return broken(n, "the case cannot be encoded")
	}
	var diffs []string
	for k, v := range b {
		if !bytes.Equal(a[k], v) {
			diffs = append(diffs, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			diffs = append(diffs, k)
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		return broken(n, fmt.Sprintf("the case row differs from its history in %v", slices.Compact(diffs)))
	}
	return nil
}
