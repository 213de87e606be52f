package stats

import "testing"

// TestSpanOf checks how a period splits into edge days and whole months.
func TestSpanOf(t *testing.T) {
	for _, tc := range []struct {
		from, to int32
		want     span
	}{
		{20251110, 20260217, span{20251110, 20251201, 20260201, 20260217}},
		{20251201, 20260201, span{20251201, 20251201, 20260201, 20260201}},
		{20251215, 20260115, span{20251215, 20260115, 20260115, 20260115}}, // no whole month: days
		{20260105, 20260120, span{20260105, 20260120, 20260120, 20260120}},
		{20260101, 20260102, span{20260101, 20260102, 20260102, 20260102}},
		{20261130, 20261131, span{20261130, 20261131, 20261131, 20261131}}, // today+1 past a month's end
		{20251231, 20260101, span{20251231, 20260101, 20260101, 20260101}},
		{20251101, 20261101, span{20251101, 20251101, 20261101, 20261101}},
	} {
		if got := spanOf(tc.from, tc.to); got != tc.want {
			t.Errorf("spanOf(%d, %d) = %+v, want %+v", tc.from, tc.to, got, tc.want)
		}
	}
	for m, want := range map[int32]int32{20251101: 20251201, 20251201: 20260101, 20260101: 20260201} {
		if got := nextMonth(m); got != want {
			t.Errorf("nextMonth(%d) = %d, want %d", m, got, want)
		}
	}
}

// TestCounterValues checks that values and the counter groups follow
// counterColumns (the order fields gives).
func TestCounterValues(t *testing.T) {
	var c Counters
	for i, p := range c.fields() {
		*p = int64(i + 1)
	}
	v := c.values()
	for i := range v {
		if v[i] != int64(i+1) {
			t.Fatalf("values()[%d] (%s) = %d, want %d", i, counterColumns[i], v[i], i+1)
		}
	}
	if len(counterColumns) != counterCount || len(c.fields()) != counterCount {
		t.Fatalf("%d columns, %d fields, counterCount %d", len(counterColumns), len(c.fields()), counterCount)
	}
	for _, tc := range []struct {
		col   string
		group uint8
	}{{"reported", groupIntake}, {"register_on_time", groupIntake}, {"dispatched", groupDispatch}, {"returned", groupDispatch},
		{"rework", groupHandle}, {"handle_on_time", groupHandle}, {"verify_due", groupClose}, {"closed_city", groupClose},
		{"reopened", groupActions}, {"supervised", groupActions}, {"ratings", groupRatings}, {"unsatisfied", groupRatings},
		{"handle_seconds", groupHandle}, {"overtime", groupHandle}, {"h0", groupHandle}, {"h11", groupHandle}} {
		for i, name := range counterColumns {
			if name == tc.col && counterGroups[i] != tc.group {
				t.Errorf("%s in group %d, want %d", name, counterGroups[i], tc.group)
			}
		}
	}
	one := Counters{Handled: 1}
	if v := one.values(); groupsOf(&v) != 1<<groupHandle {
		t.Errorf("groups of a handled count %b", groupsOf(&v))
	}
}
