package cases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
)

// nastyStrings are texts whose JSON encoding has every special case:
// HTML characters, quotes, backslashes, control characters, U+2028 and
// U+2029, emoji, invalid UTF-8, DEL.
var nastyStrings = []string{
	"", "暖气不热", `<script>alert("x")</script> & more`, `a\b "quoted" \\ back\slash`,
	"line\nbreak\ttab\rcr\b\f\x00\x01\x1f", "sep\u2028para\u2029end", "emoji 😀🔥 ok", "bad \xff\xfe utf8 \xc3",
	"del \x7f", "水韵名都 27号楼：供热管道漏水，请尽快处理。", "&amp;&lt;&gt;", "\u00e9\u0301 combining", "'single' /slash/",
}

// nastyFloats are floats at the edges of encoding/json's formats.
var nastyFloats = []float64{30.159906, 117.005123, 36.604321, 1e21, 1e20, 0.1, 0, math.Copysign(0, -1), 1e-6, 1e-7,
	-1e-7, 123456789012345680000, 5e-324, math.MaxFloat64, -2.5, 1.0 / 3}

// randomCase is a case state drawn from r, with every field exercised:
// nil, empty and unsorted slices, nil pointers and pointers to the zero
// time, times in several zones with nanoseconds, nasty strings and
// floats.
func randomCase(r *rand.Rand) *Case {
	str := func() string {
		if r.IntN(3) == 0 {
			return ""
		}
		return nastyStrings[r.IntN(len(nastyStrings))]
	}
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("X", -(3*3600 + 30*60)), time.Local}
	tm := func() time.Time {
		switch r.IntN(8) {
		case 0:
			return time.Time{}
		case 1:
			return time.Date(2026, 3, 6, 22, 40, 0, 0, zones[r.IntN(len(zones))])
		}
		return time.Unix(1.7e9+r.Int64N(1e8), r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
	}
	tp := func() *time.Time {
		if r.IntN(3) == 0 {
			return nil
		}
		t := tm()
		return &t
	}
	fp := func() *float64 {
		if r.IntN(3) == 0 {
			return nil
		}
		f := nastyFloats[r.IntN(len(nastyFloats))]
		if r.IntN(2) == 0 {
			f = (r.Float64() - 0.5) * 400
		}
		return &f
	}
	n := func() int64 {
		switch r.IntN(3) {
		case 0:
			return 0
		case 1:
			return r.Int64N(100)
		}
		return r.Int64() - math.MaxInt64/2
	}
	ids := func() []int64 {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			return []int64{}
		}
		s := make([]int64, 1+r.IntN(5))
		for i := range s {
			s[i] = r.Int64N(50) - 5
		}
		return s
	}
	limit := func() calendar.Limit {
		return calendar.Limit{Amount: r.IntN(30), Unit: []calendar.Unit{calendar.WorkingDays, calendar.WorkingHours, calendar.Minutes, calendar.Hours, "", "<&>"}[r.IntN(6)]}
	}
	timer := func() *Timer {
		if r.IntN(3) == 0 {
			return nil
		}
		return &Timer{Step: category.Step(str()), Start: tm(), Limit: limit(), Extra: time.Duration(n()), Suspended: time.Duration(n()),
			Due: tm(), YellowAt: tm(), RedAt: tm()}
	}
	b := func() bool { return r.IntN(2) == 0 }
	c := &Case{ID: n(), Number: str(), Channel: Channel(str()), HotlineTicket: str(), Category: str(), Nature: str(),
		Urgency: category.Urgency(str()), Title: str(), Description: str(), Lon: fp(), Lat: fp(), BuildingID: n(), UnitID: n(),
		Attachments: ids(), RegionID: n(), RegionPath: str(), GridID: n(), QueueRegionID: n(), QueuePath: str(), QueueParentID: n(),
		Tier: category.Tier(str()), State: State(str()), SuspendedAt: tp(), MergedInto: n(), Supervision: Supervision(str()),
		Public: b(), AllowLocation: b(), Anonymous: b(), ReporterUserID: n(), ReporterName: str(), ReporterPhone: str(),
		DepartmentID: n(), AssigneeUserID: n(), AssigneeDepartmentID: n(), AssigneeName: str(), HandlerUserID: n(),
		Involved: ids(), Followers: ids(), Step: timer(), Handle: timer(),
		Due:        Deadlines{Register: tp(), Dispatch: tp(), Accept: tp(), Handle: tp(), Verify: tp()},
		NextCheck:  tp(),
		ReportedAt: tm(), RegisteredAt: tp(), DispatchedAt: tp(), AcceptedAt: tp(), HandledAt: tp(), VerifiedAt: tp(), ClosedAt: tp(),
		Reopened: int(n() % 1000), Escalated: int(n() % 1000), HandleLate: b(), Light: Light(str()), Version: n(), UpdatedAt: tm()}
	if r.IntN(2) == 0 {
		c.Rating = &Rating{Satisfaction: Satisfaction(str()), Stars: r.IntN(7) - 1, Comment: str(), At: tm()}
	}
	if r.IntN(2) == 0 {
		c.Extension = &Extension{By: limit(), Reason: str(), UserID: n(), At: tm()}
	}
	return c
}

// mutate returns a copy of c with a few fields changed, as a transition
// does, so that change sets are small as well as large.
func mutate(r *rand.Rand, c *Case) *Case {
	d := c.clone()
	o := randomCase(r)
	dv, ov := reflect.ValueOf(d).Elem(), reflect.ValueOf(o).Elem()
	for range 1 + r.IntN(4) {
		i := r.IntN(dv.NumField())
		dv.Field(i).Set(ov.Field(i))
	}
	return d
}

// randomFacts draws an event's facts.
func randomFacts(r *rand.Rand) EventData {
	var f EventData
	if r.IntN(2) == 0 {
		return f
	}
	pick := func() string { return nastyStrings[r.IntN(len(nastyStrings))] }
	f.Reason, f.Step, f.Level, f.ExtendBy = pick(), pick(), pick(), pick()
	f.Auto = r.IntN(2) == 0
	f.Ratio = nastyFloats[r.IntN(len(nastyFloats))]
	f.DuplicateOf, f.Duplicate = r.Int64N(3), r.Int64N(3)
	if r.IntN(2) == 0 {
		t := time.Unix(1.7e9+r.Int64N(1e8), r.Int64N(1e9)).In(time.FixedZone("CST", 8*3600))
		f.SuspendedFrom, f.SuspendedTo = &t, &time.Time{}
	}
	f.Set = map[string]json.RawMessage{"ignored": json.RawMessage(`1`)}
	return f
}

// sameJSONMembers compares the derived fields f holds with oldDerived's
// map: the same keys with the same bytes, in key order.
func sameJSONMembers(t *testing.T, what string, f *fields, want map[string]json.RawMessage) {
	t.Helper()
	if len(f.m) != len(want) {
		t.Fatalf("%s: %d fields, want %d:\n%s\nwant %v", what, len(f.m), len(want), f.obj, want)
	}
	for i, x := range f.m {
		k, v := string(x.key(f.obj)), x.val(f.obj)
		if w, ok := want[k]; !ok || !bytes.Equal(v, w) {
			t.Fatalf("%s: field %q = %s, want %s", what, k, v, w)
		}
		if i > 0 && compareKeys(f.obj, f.m[i-1], f.obj, x) >= 0 {
			t.Fatalf("%s: fields out of order at %q", what, k)
		}
	}
}

// TestFieldsEncoder: for many states the hand-written encoder (and the
// encoding/json fallback) yields exactly the members the old derived
// read back from json.Marshal, sorted by key; derived's map is the same.
func TestFieldsEncoder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	f, g := fields{times: &timeCache{}}, fields{} // reused, as Bulk reuses them
	for i := range 20000 {
		c := randomCase(r)
		want, err := oldDerived(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.derive(c); err != nil {
			t.Fatal(err)
		}
		sameJSONMembers(t, fmt.Sprintf("case %d", i), &f, want)
		if err := g.deriveJSON(c); err != nil {
			t.Fatal(err)
		}
		sameJSONMembers(t, fmt.Sprintf("case %d (encoding/json)", i), &g, want)
		m, err := derived(c)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, want) {
			t.Fatalf("case %d: derived %v, want %v", i, m, want)
		}
	}
}

// TestTimeCache: the same instant in other zones, or with a monotonic
// reading, is written as encoding/json writes it, cached or not.
func TestTimeCache(t *testing.T) {
	w := objWriter{times: &timeCache{}}
	at := time.Date(2026, 3, 6, 22, 40, 0, 123456789, time.UTC)
	for i, x := range []time.Time{at, at.In(time.FixedZone("CST", 8*3600)), at, at.In(time.FixedZone("X", -3600)),
		at.In(time.FixedZone("CST", 8*3600)), time.Now(), at.Add(time.Nanosecond), at, at.Round(0)} {
		want, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if got := w.appendTime(nil, x); !bytes.Equal(got, want) || w.err != nil {
				t.Errorf("time %d: %s, want %s (%v)", i, got, want, w.err)
			}
		}
	}
}

// TestFieldsSlowPath: values encoding/json refuses are refused with its
// errors, and a time it writes but the fast writer does not trust (a
// zone of more than 24 hours) is written by encoding/json.
func TestFieldsSlowPath(t *testing.T) {
	nan := math.NaN()
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []*Case{{Lon: &nan}, {ReportedAt: far}, {Step: &Timer{Due: far}}} {
		_, want := oldDerived(c)
		var f fields
		err := f.derive(c)
		if want == nil || err == nil || err.Error() != want.Error() {
			t.Errorf("%+v: error %v, want %v", c, err, want)
		}
	}
}

// TestEventDataIdentity: for many pairs of states and facts, the event
// data Bulk writes and diff's change set equal the old encoding, the
// report's data (from nothing) too; the hash is the old hash.
func TestEventDataIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	times := &timeCache{} // shared, as Bulk shares it
	a, b := fields{times: times}, fields{times: times}
	for i := range 20000 {
		before := randomCase(r)
		after := mutate(r, before)
		if r.IntN(4) == 0 {
			after = randomCase(r)
		}
		facts := randomFacts(r)
		report := r.IntN(10) == 0
		if report {
			a.obj, a.m = a.obj[:0], a.m[:0]
		} else if err := a.derive(before); err != nil {
			t.Fatal(err)
		}
		if err := b.derive(after); err != nil {
			t.Fatal(err)
		}
		data, err := appendEventData(nil, facts, &a, &b)
		if err != nil {
			t.Fatal(err)
		}
		var want string
		if report {
			want, err = oldEventData(facts, nil, after)
		} else {
			want, err = oldEventData(facts, before, after)
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != want {
			t.Fatalf("pair %d: data\n%s\nwant\n%s", i, data, want)
		}
		if !report {
			set, err := diff(before, after)
			if err != nil {
				t.Fatal(err)
			}
			wantSet, _ := oldDiff(before, after)
			if !reflect.DeepEqual(set, wantSet) {
				t.Fatalf("pair %d: diff %v, want %v", i, set, wantSet)
			}
		}
		e := &Event{CaseID: 1, Seq: int64(i), Action: Action(nastyStrings[i%len(nastyStrings)]), ActorUserID: int64(i % 7),
			ActorName: nastyStrings[(i+3)%len(nastyStrings)], Note: after.Title, Data: string(data), At: after.UpdatedAt,
			PrevHash: strings.Repeat("ab", i%33), Attachments: after.Attachments}
		if h, w := hashEvent(after.Number, e), oldHashEvent(after.Number, e); h != w {
			t.Fatalf("pair %d: hash %s, want %s", i, h, w)
		}
	}
}

// TestApplySetIdentity: folding a change set gives the case the old
// applySet gave, also for sets with unknown keys, keys differing only in
// case, nulls for absent fields and escaped keys.
func TestApplySetIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 5000 {
		before := readableLimits(randomCase(r))
		if r.IntN(5) == 0 {
			before = &Case{}
		}
		set, err := oldDiff(before, readableLimits(mutate(r, before)))
		if err != nil {
			t.Fatal(err)
		}
		switch r.IntN(4) {
		case 0:
			set["Number"] = json.RawMessage(`"UPPER"`)
			set["no_such_field"] = json.RawMessage(`{"x":[1,2]}`)
		case 1:
			set["rating"], set["followers"], set["ghost"] = jsonNull, jsonNull, jsonNull
		case 2:
			set["ti\"tle"], set["<é>"] = json.RawMessage(`"x"`), json.RawMessage(`3`)
			set["title"] = nil
		}
		got, err := applySet(before, set)
		if err != nil {
			t.Fatal(err)
		}
		want, err := oldApplySet(before, set)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fold %d: %+v\nwant %+v", i, got, want)
		}
	}
}

// readableLimits gives c's timers and extension limits that read back
// (the encoders write any limit; decoding refuses all but ParseLimit's).
func readableLimits(c *Case) *Case {
	l := calendar.Limit{Amount: 4, Unit: calendar.WorkingHours}
	for _, t := range []*Timer{c.Step, c.Handle} {
		if t != nil {
			t.Limit = l
		}
	}
	if c.Extension != nil {
		c.Extension.By = l
	}
	return c
}

// TestCaseShape pins the fields appendDerived writes by hand: a field
// added to (or changed in) Case or a type it holds fails here until
// fields_encode.go writes it and this list is updated.
func TestCaseShape(t *testing.T) {
	var b strings.Builder
	for _, v := range []any{Case{}, Rating{}, Extension{}, Timer{}, Deadlines{}} {
		rt := reflect.TypeOf(v)
		fmt.Fprintf(&b, "%s:", rt.Name())
		for i := range rt.NumField() {
			f := rt.Field(i)
			fmt.Fprintf(&b, " %s %s %q;", f.Name, f.Type, f.Tag.Get("json"))
		}
		b.WriteString("\n")
	}
	const want = `Case: ID int64 "id,omitzero"; Number string "number"; Channel cases.Channel "channel"; HotlineTicket string "hotline_ticket,omitzero"; Category string "category"; Nature string "nature,omitzero"; Urgency category.Urgency "urgency"; Title string "title"; Description string "description,omitzero"; Lon *float64 "lon,omitzero"; Lat *float64 "lat,omitzero"; BuildingID int64 "building_id,omitzero"; UnitID int64 "unit_id,omitzero"; Attachments []int64 "attachments,omitzero"; RegionID int64 "region_id"; RegionPath string "region_path"; GridID int64 "grid_id,omitzero"; QueueRegionID int64 "queue_region_id"; QueuePath string "queue_path"; QueueParentID int64 "queue_parent_id,omitzero"; Tier category.Tier "tier"; State cases.State "state"; SuspendedAt *time.Time "suspended_at,omitzero"; MergedInto int64 "merged_into,omitzero"; Supervision cases.Supervision "supervision"; Public bool "public,omitzero"; AllowLocation bool "allow_location,omitzero"; Anonymous bool "anonymous,omitzero"; ReporterUserID int64 "reporter_user_id,omitzero"; ReporterName string "reporter_name,omitzero"; ReporterPhone string "reporter_phone,omitzero"; DepartmentID int64 "department_id,omitzero"; AssigneeUserID int64 "assignee_user_id,omitzero"; AssigneeDepartmentID int64 "assignee_department_id,omitzero"; AssigneeName string "assignee_name,omitzero"; HandlerUserID int64 "handler_user_id,omitzero"; Involved []int64 "involved,omitzero"; Followers []int64 "followers,omitzero"; Rating *cases.Rating "rating,omitzero"; Extension *cases.Extension "extension,omitzero"; Step *cases.Timer "step_timer,omitzero"; Handle *cases.Timer "handle_timer,omitzero"; Due cases.Deadlines "due,omitzero"; NextCheck *time.Time "next_check,omitzero"; ReportedAt time.Time "reported_at"; RegisteredAt *time.Time "registered_at,omitzero"; DispatchedAt *time.Time "dispatched_at,omitzero"; AcceptedAt *time.Time "accepted_at,omitzero"; HandledAt *time.Time "handled_at,omitzero"; VerifiedAt *time.Time "verified_at,omitzero"; ClosedAt *time.Time "closed_at,omitzero"; Reopened int "reopened,omitzero"; Escalated int "escalated,omitzero"; HandleLate bool "handle_late,omitzero"; Light cases.Light "light,omitzero"; Version int64 "version,omitzero"; UpdatedAt time.Time "updated_at,omitzero";
Rating: Satisfaction cases.Satisfaction "satisfaction"; Stars int "stars"; Comment string "comment,omitzero"; At time.Time "at";
Extension: By calendar.Limit "by"; Reason string "reason"; UserID int64 "user_id"; At time.Time "at";
Timer: Step category.Step "step"; Start time.Time "start"; Limit calendar.Limit "limit"; Extra time.Duration "extra,omitzero"; Suspended time.Duration "suspended,omitzero"; Due time.Time "due"; YellowAt time.Time "yellow_at"; RedAt time.Time "red_at";
Deadlines: Register *time.Time "register,omitzero"; Dispatch *time.Time "dispatch,omitzero"; Accept *time.Time "accept,omitzero"; Handle *time.Time "handle,omitzero"; Verify *time.Time "verify,omitzero";
`
	if got := b.String(); got != want {
		t.Errorf("the case's shape changed: update appendDerived (fields_encode.go), then this list:\n%s", got)
	}
}

// FuzzEventData compares the event data of a report and a transition
// changing texts and the point with the old encoding.
func FuzzEventData(f *testing.F) {
	for i, s := range nastyStrings {
		f.Add(s, nastyStrings[(i+1)%len(nastyStrings)], nastyFloats[i%len(nastyFloats)], nastyFloats[(i+5)%len(nastyFloats)], int64(i))
	}
	f.Fuzz(func(t *testing.T, title, note string, lon, lat float64, n int64) {
		at := time.Unix(1.7e9+n%1e8, n%1e9).UTC()
		before := &Case{Number: "GW20260306-000001", Channel: ChannelResident, Title: title, Lon: &lon, ReportedAt: at,
			Followers: []int64{n, -n, 3}}
		after := before.clone()
		after.Description, after.Lat, after.Involved = note, &lat, []int64{}
		after.Rating = &Rating{Comment: title + note, At: at}
		facts := EventData{Reason: note, Ratio: lat}
		var a, b fields
		for _, pair := range [][2]*Case{{nil, before}, {before, after}} {
			a.obj, a.m = a.obj[:0], a.m[:0]
			got, err := newEventData(&a, &b, facts, pair[0], pair[1])
			want, oldErr := oldEventData(facts, pair[0], pair[1])
			// Both encodings refuse NaN and infinities; an input only one
			// of them refuses is a failure, never a skip.
			switch {
			case err != nil && oldErr != nil:
				t.Skipf("both encodings refuse the input: %v", err)
			case err != nil:
				t.Fatalf("new encoding fails (%v) where the old succeeds", err)
			case oldErr != nil:
				t.Fatalf("old encoding fails (%v) where the new succeeds", oldErr)
			}
			if string(got) != want {
				t.Fatalf("data\n%s\nwant\n%s", got, want)
			}
		}
	})
}

// newEventData encodes the event from before (nil for a report) to after
// with the new field writer, deriving into a and b.
func newEventData(a, b *fields, facts EventData, before, after *Case) ([]byte, error) {
	if before != nil {
		if err := a.derive(before); err != nil {
			return nil, err
		}
	}
	if err := b.derive(after); err != nil {
		return nil, err
	}
	return appendEventData(nil, facts, a, b)
}

// BenchmarkFold compares one step of folding a history (applySet, as
// Replay and CheckHistory take it) and of diffing two states (diff, as
// the live service takes it) with the old encoding.
//
//	go test ./internal/cases -run '^$' -bench Fold -benchmem
func BenchmarkFold(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	before := readableLimits(randomCase(r))
	after := readableLimits(mutate(r, before))
	set, err := oldDiff(before, after)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		fn   func() error
	}{
		{"applySet", func() error { _, err := applySet(before, set); return err }},
		{"applySet/old", func() error { _, err := oldApplySet(before, set); return err }},
		{"diff", func() error { _, err := diff(before, after); return err }},
		{"diff/old", func() error { _, err := oldDiff(before, after); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
