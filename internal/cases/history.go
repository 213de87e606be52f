package cases

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// EventData is the JSON an event carries in Event.Data: the facts of the
// transition and the fields of the case it changed.
type EventData struct {
	Reason string `json:"reason,omitzero"`
	// Auto marks the ticker's automatic supervision and escalation; Step
	// names the step whose clock ran over, Ratio how much of it was used.
	Auto  bool    `json:"auto,omitzero"`
	Step  string  `json:"step,omitzero"`
	Ratio float64 `json:"ratio,omitzero"`
	Level string  `json:"level,omitzero"` // supervise
	// ExtendBy is the extension asked for or granted ("2wd").
	ExtendBy string `json:"extend_by,omitzero"`
	// DuplicateOf is on a merged duplicate's event, Duplicate on its
	// master's.
	DuplicateOf int64 `json:"duplicate_of,omitzero"`
	Duplicate   int64 `json:"duplicate,omitzero"`
	// SuspendedFrom and SuspendedTo are the interval a resume ends.
	SuspendedFrom *time.Time `json:"suspended_from,omitzero"`
	SuspendedTo   *time.Time `json:"suspended_to,omitzero"`
	// Set holds, for every field of the case (as Case marshals to JSON)
	// that the event changed, its new value, or null when it was cleared.
	Set map[string]json.RawMessage `json:"set"`
}

// derived returns c's fields that events derive, as Case marshals them.
func derived(c *Case) (map[string]json.RawMessage, error) {
	d := c.clone()
	// What the row holds beside the history: its id and version, the
	// encrypted phone, and the ticker's schedule, which also depends on
	// the Options of the process that wrote it.
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

var jsonNull = json.RawMessage("null")

// diff returns the fields that differ between before and after.
func diff(before, after *Case) (map[string]json.RawMessage, error) {
	a, err := derived(before)
	if err != nil {
		return nil, err
	}
	b, err := derived(after)
	if err != nil {
		return nil, err
	}
	return diffDerived(a, b), nil
}

// diffDerived returns the fields of b that differ from a's, null for those
// b lacks.
func diffDerived(a, b map[string]json.RawMessage) map[string]json.RawMessage {
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

// applySet returns c with the fields of set applied: one step of folding a
// case's events.
func applySet(c *Case, set map[string]json.RawMessage) (*Case, error) {
	m, err := derived(c)
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

// The canonical encoding of an event, which its hash covers:
//
//	hash = hex(SHA-256(encoding))
//	encoding = "gridwork-case-event-v1" followed by, in this order, each
//	    field as a netstring "<length in bytes>:<bytes>,":
//	    prev_hash (hex; "" for the first event), case number, seq,
//	    action, actor_user_id, actor_name, actor_role, from_state,
//	    to_state, from_tier, to_tier, note, data (the stored JSON text,
//	    byte for byte), attachments (ids in decimal joined by ","),
//	    at (UTC, "2006-01-02T15:04:05.000000Z")
//
// Integers are written in decimal (0 for none). The case is named by its
// number, which the first event's data also carries, so that the hash of
// a new case's first event is known before its row has an id. Editing any
// field of an event changes its hash; deleting or reordering events breaks
// the prev_hash links.
const encodingTag = "gridwork-case-event-v1"

// atLayout is how the encoding writes times.
const atLayout = "2006-01-02T15:04:05.000000Z"

// hashEvent computes e's hash for the case numbered number.
func hashEvent(number string, e *Event) string {
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

// insertEvent appends e to case_events.
func insertEvent(ctx context.Context, tx *sqldb.Tx, e *Event) error {
	id, err := tx.InsertID(ctx, `INSERT INTO case_events (case_id, seq, action, actor_user_id, actor_name, actor_role,
		from_state, to_state, from_tier, to_tier, note, data, attachments, at, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		e.CaseID, e.Seq, string(e.Action), nInt(e.ActorUserID), e.ActorName, e.ActorRole,
		string(e.FromState), string(e.ToState), string(e.FromTier), string(e.ToTier), e.Note, e.Data,
		jsonIDs(e.Attachments), e.At.UTC(), e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("append event %d of case %d: %w", e.Seq, e.CaseID, err)
	}
	e.ID = id
	return nil
}

const eventColumns = `id, case_id, seq, action, actor_user_id, actor_name, actor_role, from_state, to_state,
	from_tier, to_tier, note, data, attachments, at, prev_hash, hash`

// scanEvent reads one row of eventColumns.
func scanEvent(sc sqldb.Scanner) (*Event, error) {
	var e Event
	var actor *int64
	var atts string
	if err := sc.Scan(&e.ID, &e.CaseID, &e.Seq, &e.Action, &actor, &e.ActorName, &e.ActorRole, &e.FromState, &e.ToState,
		&e.FromTier, &e.ToTier, &e.Note, &e.Data, &atts, &e.At, &e.PrevHash, &e.Hash); err != nil {
		return nil, sqldb.Translate(err)
	}
	if actor != nil {
		e.ActorUserID = *actor
	}
	var err error
	if e.Attachments, err = parseIDs(atts); err != nil {
		return nil, err
	}
	e.At = e.At.UTC()
	return &e, nil
}

// loadEvents reads the events of the cases with ids in [from, to], in
// case and seq order.
func loadEvents(ctx context.Context, q sqldb.Querier, from, to int64) ([]*Event, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM case_events WHERE case_id >= $1 AND case_id <= $2 ORDER BY case_id, seq`, from, to)
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	defer rows.Close()
	var out []*Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("load events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load events: %w", sqldb.Translate(err))
	}
	return out, nil
}
