package cases

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/calendar"
)

// This file writes a case's derived fields by hand, byte for byte as
// encoding/json writes them (HTML-escaped strings, its float format,
// omitzero as it reads it), directly in key order: the members of
// json.Marshal's object sorted as json.Marshal sorts a map's keys, which
// is what events record. It must follow Case, Rating, Extension, Timer and
// Deadlines field for field: TestCaseShape pins their fields and
// TestFieldsEncoder compares both encodings over many states, so a new
// field fails the tests until it is written here too.

// errSlowPath makes derive fall back to encoding/json, for the values it
// refuses or reports differently (NaN, times outside RFC 3339).
var errSlowPath = errors.New("cases: value for encoding/json")

// objWriter appends the members of an object and records them.
type objWriter struct {
	b     []byte
	m     []member
	times *timeCache // nil: format every time
	err   error
}

// timeCache remembers how times were written: a case repeats its times
// (deadlines and timers) from field to field and from event to event.
// Direct-mapped by the instant.
type timeCache [64]timeEntry

// timeEntry is a time, its location included (equal times write the same
// text), and its text, quotes included; n = 0 for none.
type timeEntry struct {
	t    time.Time
	n    uint8
	text [40]byte
}

// key starts the member k, whose value the caller appends to w.b before
// calling end.
func (w *objWriter) key(k string) {
	if len(w.m) > 0 {
		w.b = append(w.b, ',')
	}
	k0 := len(w.b) + 1
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
	w.m = append(w.m, member{pre: prefix(k), k0: int32(k0), k1: int32(k0 + len(k)), v0: int32(len(w.b))})
}

// end ends the member started last.
func (w *objWriter) end() { w.m[len(w.m)-1].v1 = int32(len(w.b)) }

func (w *objWriter) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
	w.end()
}

func (w *objWriter) strOmit(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *objWriter) num(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
	w.end()
}

func (w *objWriter) numOmit(k string, v int64) {
	if v != 0 {
		w.num(k, v)
	}
}

func (w *objWriter) trueOmit(k string, v bool) {
	if v {
		w.key(k)
		w.b = append(w.b, "true"...)
		w.end()
	}
}

func (w *objWriter) float(k string, v *float64) {
	if v == nil {
		return
	}
	w.key(k)
	w.b = w.appendFloat(w.b, *v)
	w.end()
}

func (w *objWriter) ids(k string, v []int64) {
	if v == nil {
		return
	}
	w.key(k)
	w.b = appendIDs(w.b, v)
	w.end()
}

func (w *objWriter) time(k string, v time.Time) {
	w.key(k)
	w.b = w.appendTime(w.b, v)
	w.end()
}

// timeOmit writes a *time.Time with omitzero: encoding/json omits nil and
// a pointer to the zero time alike (it calls IsZero).
func (w *objWriter) timeOmit(k string, v *time.Time) {
	if v != nil && !v.IsZero() {
		w.time(k, *v)
	}
}

func (w *objWriter) timer(k string, t *Timer) {
	if t == nil {
		return
	}
	w.key(k)
	b := append(w.b, `{"step":`...)
	b = appendJSONString(b, string(t.Step))
	b = append(b, `,"start":`...)
	b = w.appendTime(b, t.Start)
	b = append(b, `,"limit":`...)
	b = appendLimit(b, t.Limit)
	if t.Extra != 0 {
		b = append(b, `,"extra":`...)
		b = strconv.AppendInt(b, int64(t.Extra), 10)
	}
	if t.Suspended != 0 {
		b = append(b, `,"suspended":`...)
		b = strconv.AppendInt(b, int64(t.Suspended), 10)
	}
	b = append(b, `,"due":`...)
	b = w.appendTime(b, t.Due)
	b = append(b, `,"yellow_at":`...)
	b = w.appendTime(b, t.YellowAt)
	b = append(b, `,"red_at":`...)
	b = w.appendTime(b, t.RedAt)
	w.b = append(b, '}')
	w.end()
}

func (w *objWriter) rating(r *Rating) {
	if r == nil {
		return
	}
	w.key("rating")
	b := append(w.b, `{"satisfaction":`...)
	b = appendJSONString(b, string(r.Satisfaction))
	b = append(b, `,"stars":`...)
	b = strconv.AppendInt(b, int64(r.Stars), 10)
	if r.Comment != "" {
		b = append(b, `,"comment":`...)
		b = appendJSONString(b, r.Comment)
	}
	b = append(b, `,"at":`...)
	b = w.appendTime(b, r.At)
	w.b = append(b, '}')
	w.end()
}

func (w *objWriter) extension(e *Extension) {
	if e == nil {
		return
	}
	w.key("extension")
	b := append(w.b, `{"by":`...)
	b = appendLimit(b, e.By)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, e.Reason)
	b = append(b, `,"user_id":`...)
	b = strconv.AppendInt(b, e.UserID, 10)
	b = append(b, `,"at":`...)
	b = w.appendTime(b, e.At)
	w.b = append(b, '}')
	w.end()
}

// due writes Deadlines, omitted (omitzero) when every deadline is nil.
func (w *objWriter) due(d *Deadlines) {
	if *d == (Deadlines{}) {
		return
	}
	w.key("due")
	b := append(w.b, '{')
	n := 0
	for _, x := range [...]struct {
		k string
		t *time.Time
	}{{"register", d.Register}, {"dispatch", d.Dispatch}, {"accept", d.Accept}, {"handle", d.Handle}, {"verify", d.Verify}} {
		if x.t == nil || x.t.IsZero() {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, '"')
		b = append(b, x.k...)
		b = append(b, '"', ':')
		b = w.appendTime(b, *x.t)
	}
	w.b = append(b, '}')
	w.end()
}

// appendTime appends t as time.Time.MarshalJSON does; a time it refuses
// sends derive to encoding/json, for its error.
func (w *objWriter) appendTime(b []byte, t time.Time) []byte {
	var e *timeEntry
	if w.times != nil {
		e = &w.times[(uint64(t.Unix())*31+uint64(t.Nanosecond()))%uint64(len(w.times))]
		if e.n > 0 && e.t == t {
			return append(b, e.text[:e.n]...)
		}
	}
	n0 := len(b)
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		w.err = errSlowPath
	}
	b = append(b, '"')
	if e != nil && err == nil && len(b)-n0 <= len(e.text) {
		e.t, e.n = t, uint8(copy(e.text[:], b[n0:]))
	}
	return b
}

// appendFloat appends f as encoding/json writes a float64 (ES6 number
// formatting); NaN and infinities send derive to encoding/json.
func (w *objWriter) appendFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.err = errSlowPath
		return append(b, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendIDs appends a non-nil []int64 as a JSON array.
func appendIDs(b []byte, ids []int64) []byte {
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return append(b, ']')
}

// appendLimit appends l as its text (it is an encoding.TextMarshaler).
func appendLimit(b []byte, l calendar.Limit) []byte {
	return appendJSONString(b, l.String())
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string as encoding/json writes it
// with HTML escaping: <, > and & as \u003c …, control characters as \n,
// \t … or \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendDerived appends c's derived fields (see fields.derive) to dst as
// a JSON object whose members are in key order, and their spans to m.
// involved and followers stand for c's, sorted; times, if not nil,
// remembers the times written. It returns errSlowPath for
// values encoding/json must judge.
func appendDerived(dst []byte, m []member, times *timeCache, c *Case, involved, followers []int64) ([]byte, []member, error) {
	w := objWriter{b: append(dst, '{'), m: m, times: times}
	// Keys in byte order; the six fields derive leaves out are not
	// written (id, reporter_phone, light, version, updated_at,
	// next_check).
	w.timeOmit("accepted_at", c.AcceptedAt)
	w.trueOmit("allow_location", c.AllowLocation)
	w.trueOmit("anonymous", c.Anonymous)
	w.numOmit("assignee_department_id", c.AssigneeDepartmentID)
	w.strOmit("assignee_name", c.AssigneeName)
	w.numOmit("assignee_user_id", c.AssigneeUserID)
	w.ids("attachments", c.Attachments)
	w.numOmit("building_id", c.BuildingID)
	w.str("category", c.Category)
	w.str("channel", string(c.Channel))
	w.timeOmit("closed_at", c.ClosedAt)
	w.numOmit("department_id", c.DepartmentID)
	w.strOmit("description", c.Description)
	w.timeOmit("dispatched_at", c.DispatchedAt)
	w.due(&c.Due)
	w.numOmit("escalated", int64(c.Escalated))
	w.extension(c.Extension)
	w.ids("followers", followers)
	w.numOmit("grid_id", c.GridID)
	w.trueOmit("handle_late", c.HandleLate)
	w.timer("handle_timer", c.Handle)
	w.timeOmit("handled_at", c.HandledAt)
	w.numOmit("handler_user_id", c.HandlerUserID)
	w.strOmit("hotline_ticket", c.HotlineTicket)
	w.ids("involved", involved)
	w.float("lat", c.Lat)
	w.float("lon", c.Lon)
	w.numOmit("merged_into", c.MergedInto)
	w.strOmit("nature", c.Nature)
	w.str("number", c.Number)
	w.trueOmit("public", c.Public)
	w.numOmit("queue_parent_id", c.QueueParentID)
	w.str("queue_path", c.QueuePath)
	w.num("queue_region_id", c.QueueRegionID)
	w.rating(c.Rating)
	w.num("region_id", c.RegionID)
	w.str("region_path", c.RegionPath)
	w.timeOmit("registered_at", c.RegisteredAt)
	w.numOmit("reopened", int64(c.Reopened))
	w.time("reported_at", c.ReportedAt)
	w.strOmit("reporter_name", c.ReporterName)
	w.numOmit("reporter_user_id", c.ReporterUserID)
	w.str("state", string(c.State))
	w.timer("step_timer", c.Step)
	w.str("supervision", string(c.Supervision))
	w.timeOmit("suspended_at", c.SuspendedAt)
	w.str("tier", string(c.Tier))
	w.str("title", c.Title)
	w.numOmit("unit_id", c.UnitID)
	w.str("urgency", string(c.Urgency))
	w.timeOmit("verified_at", c.VerifiedAt)
	if w.err != nil {
		return dst, m, w.err
	}
	return append(w.b, '}'), w.m, nil
}
