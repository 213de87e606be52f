package cases

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The encoding of events as it was before fields: the oracle the fast
// path must equal byte for byte (kept verbatim, only renamed).

// oldDerived returns c's fields that events derive, as Case marshals them.
func oldDerived(c *Case) (map[string]json.RawMessage, error) {
	d := c.clone()
	d.ID, d.ReporterPhone, d.Light, d.Version, d.UpdatedAt, d.NextCheck = 0, "", LightNone, 0, time.Time{}, nil
	slices.Sort(d.Involved)
	slices.Sort(d.Followers)
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// oldDiff returns the fields that differ between before and after.
func oldDiff(before, after *Case) (map[string]json.RawMessage, error) {
	a, err := oldDerived(before)
	if err != nil {
		return nil, err
	}
	b, err := oldDerived(after)
	if err != nil {
		return nil, err
	}
	return oldDiffDerived(a, b), nil
}

// oldDiffDerived returns the fields of b that differ from a's, null for
// those b lacks.
func oldDiffDerived(a, b map[string]json.RawMessage) map[string]json.RawMessage {
	set := make(map[string]json.RawMessage)
	for k, v := range b {
		if !bytes.Equal(a[k], v) {
			set[k] = v
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			set[k] = jsonNull
		}
	}
	return set
}

// oldApplySet returns c with the fields of set applied.
func oldApplySet(c *Case, set map[string]json.RawMessage) (*Case, error) {
	m, err := oldDerived(c)
	if err != nil {
		return nil, err
	}
	for k, v := range set {
		if bytes.Equal(v, jsonNull) {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out Case
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// oldHashEvent computes e's hash for the case numbered number.
func oldHashEvent(number string, e *Event) string {
	var b bytes.Buffer
	b.WriteString(encodingTag)
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte(',')
	}
	ids := make([]string, len(e.Attachments))
	for i, id := range e.Attachments {
		ids[i] = strconv.FormatInt(id, 10)
	}
	for _, s := range []string{
		e.PrevHash, number, strconv.FormatInt(e.Seq, 10), string(e.Action),
		strconv.FormatInt(e.ActorUserID, 10), e.ActorName, e.ActorRole,
		string(e.FromState), string(e.ToState), string(e.FromTier), string(e.ToTier),
		e.Note, e.Data, strings.Join(ids, ","), e.At.UTC().Format(atLayout),
	} {
		field(s)
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

// oldEventData is the data appendEvents and Bulk.Add wrote for an event
// with facts taking the case from before (nil for the report) to after.
func oldEventData(facts EventData, before, after *Case) (string, error) {
	var set map[string]json.RawMessage
	var err error
	if before == nil {
		var a map[string]json.RawMessage
		if a, err = oldDerived(after); err == nil {
			set = oldDiffDerived(map[string]json.RawMessage{}, a)
		}
	} else {
		set, err = oldDiff(before, after)
	}
	if err != nil {
		return "", err
	}
	facts.Set = set
	b, err := json.Marshal(facts)
	return string(b), err
}

// OracleCheckEvents checks the events of one case (numbered number, in
// seq order) against the old encoding: folded with the old applySet, each
// event's data must be what the old diff and json.Marshal write for its
// facts, and its hash the old hash. It returns the first mismatch.
func OracleCheckEvents(number string, evs []*Event) error {
	var cur *Case
	for _, e := range evs {
		var facts EventData
		if err := json.Unmarshal([]byte(e.Data), &facts); err != nil {
			return fmt.Errorf("event %d: %w", e.Seq, err)
		}
		base := cur
		if base == nil {
			base = &Case{}
		}
		next, err := oldApplySet(base, facts.Set)
		if err != nil {
			return fmt.Errorf("event %d: %w", e.Seq, err)
		}
		want, err := oldEventData(facts, cur, next)
		if err != nil {
			return fmt.Errorf("event %d: %w", e.Seq, err)
		}
		if want != e.Data {
			return fmt.Errorf("event %d: data\n%s\nwant (old encoding)\n%s", e.Seq, e.Data, want)
		}
		if h := oldHashEvent(number, e); h != e.Hash {
			return fmt.Errorf("event %d: hash %s, old hash %s", e.Seq, e.Hash, h)
		}
		cur = next
	}
	return nil
}

// OracleCheckChanges checks the changes Bulk.Add returned for events
// with facts: each event's data is what the old encoding writes for its
// facts between the true states before and after it, and its hash the
// old hash.
func OracleCheckChanges(chs []Change, facts []EventData) error {
	if len(chs) != len(facts) {
		return fmt.Errorf("%d changes for %d events", len(chs), len(facts))
	}
	for i, ch := range chs {
		e := ch.Event
		want, err := oldEventData(facts[i], ch.Before, ch.After)
		if err != nil {
			return fmt.Errorf("event %d: %w", e.Seq, err)
		}
		if want != e.Data {
			return fmt.Errorf("event %d: data\n%s\nwant (old encoding)\n%s", e.Seq, e.Data, want)
		}
		if h := oldHashEvent(ch.After.Number, e); h != e.Hash {
			return fmt.Errorf("event %d: hash %s, old hash %s", e.Seq, e.Hash, h)
		}
	}
	return nil
}
