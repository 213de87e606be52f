package category

import (
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/calendar"
)

func TestHalf(t *testing.T) {
	day := 7*time.Hour + 30*time.Minute // office hours 08:30–12:00, 14:00–18:00
	for _, tc := range []struct {
		in   string
		per  time.Duration
		want string
	}{
		{"6h", day, "3h"},
		{"5h", day, "150m"},
		{"4wh", day, "2wh"},
		{"5wh", day, "3wh"}, // no working minutes: rounded up
		{"1wh", day, "1wh"},
		{"10wd", day, "5wd"},
		{"15wd", day, "57wh"}, // 56.25 working hours, rounded up
		{"1wd", day, "4wh"},   // 3.75 → 4
		{"5wd", 0, "20wh"},    // no calendar: 8-hour days
		{"5wd", 24 * time.Hour, "60wh"},
		{"30m", day, "15m"},
		{"1m", day, "1m"},
	} {
		if got := half(calendar.MustParseLimit(tc.in), tc.per); got.String() != tc.want {
			t.Errorf("half(%s, %v) = %s; want %s", tc.in, tc.per, got, tc.want)
		}
	}
}

func TestAncestorsOf(t *testing.T) {
	got := ancestorsOf("/1/4/17/")
	if len(got) != 3 || got[0] != "/1/4/17/" || got[1] != "/1/4/" || got[2] != "/1/" {
		t.Fatalf("ancestorsOf = %v", got)
	}
}
