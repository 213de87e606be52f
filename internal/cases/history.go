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

// derived returns c's fields that events derive, as Case marshals them
// (see fields.derive).
func derived(c *Case) (map[string]json.RawMessage, error) {
	var f fields
	if err := f.derive(c); err != nil {
		return nil, err
	}
	return f.asMap(), nil
}

var jsonNull = json.RawMessage("null")

// diff returns the fields that differ between before and after.
func diff(before, after *Case) (map[string]json.RawMessage, error) {
	var a, b fields
	if err := a.derive(before); err != nil {
		return nil, err
	}
	if err := b.derive(after); err != nil {
		return nil, err
	}
	set := make(map[string]json.RawMessage)
	changes(&a, &b, func(key, val []byte) { set[string(key)] = val })
	return set, nil
}

// applySet returns c with the fields of set applied: one step of folding a
// case's events. It decodes the object json.Marshal would write for c's
// derived fields with set merged in (null deleting a field), without
// building that map.
func applySet(c *Case, set map[string]json.RawMessage) (*Case, error) {
	var f fields
	if err := f.derive(c); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf := make([]byte, 0, len(f.obj)+64*len(set))
	buf = append(buf, '{')
	sep := func() {
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
	}
	i, j := 0, 0
	for i < len(f.m) || j < len(keys) {
		var k []byte
		if i < len(f.m) {
			k = f.m[i].key(f.obj)
		}
		if j == len(keys) || i < len(f.m) && string(k) < keys[j] {
			sep()
			buf = append(buf, '"')
			buf = append(buf, k...) // written by json.Marshal: no escapes
			buf = append(buf, '"', ':')
			buf = append(buf, f.m[i].val(f.obj)...)
			i++
			continue
		}
		if i < len(f.m) && string(k) == keys[j] {
			i++ // replaced or deleted
		}
		v := set[keys[j]]
		if len(v) == 0 {
			v = jsonNull // json.Marshal writes a nil RawMessage as null
		} else if bytes.Equal(v, jsonNull) {
			j++
			continue
		}
		sep()
		buf = appendKey(buf, keys[j])
		buf = append(buf, ':')
		buf = append(buf, v...)
		j++
	}
	buf = append(buf, '}')
	var out Case
	if err := json.Unmarshal(buf, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// appendKey appends key as a JSON string: as it is when it needs no
// escaping, as json.Marshal writes it otherwise.
func appendKey(dst []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			b, _ := json.Marshal(key) // a string always marshals
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, key...)
	return append(dst, '"')
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
	var arr [2048]byte
	sum := sha256.Sum256(appendEncoding(arr[:0], number, e))
	return hex.EncodeToString(sum[:])
}

// appendEncoding appends the canonical encoding of e to dst.
func appendEncoding(dst []byte, number string, e *Event) []byte {
	dst = append(dst, encodingTag...)
	field := func(s []byte) {
		dst = strconv.AppendInt(dst, int64(len(s)), 10)
		dst = append(dst, ':')
		dst = append(dst, s...)
		dst = append(dst, ',')
	}
	str := func(s string) {
		dst = strconv.AppendInt(dst, int64(len(s)), 10)
		dst = append(dst, ':')
		dst = append(dst, s...)
		dst = append(dst, ',')
	}
	var scratch [64]byte
	num := func(n int64) { field(strconv.AppendInt(scratch[:0], n, 10)) }
	str(e.PrevHash)
	str(number)
	num(e.Seq)
	str(string(e.Action))
	num(e.ActorUserID)
	str(e.ActorName)
	str(e.ActorRole)
	str(string(e.FromState))
	str(string(e.ToState))
	str(string(e.FromTier))
	str(string(e.ToTier))
	str(e.Note)
	str(e.Data)
	ids := scratch[:0]
	for i, id := range e.Attachments {
		if i > 0 {
			ids = append(ids, ',')
		}
		ids = strconv.AppendInt(ids, id, 10)
	}
	field(ids)
	field(e.At.UTC().AppendFormat(scratch[:0], atLayout))
	return dst
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
