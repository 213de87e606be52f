package stats

import "fmt"

// HistBuckets is the number of buckets of the handling-time histogram.
const HistBuckets = 12

// Buckets are the upper bounds, in hours, of the handling-time histogram
// H[0..10]; H[11] has no bound.
var Buckets = [HistBuckets - 1]float64{1, 2, 4, 8, 24, 48, 72, 120, 168, 360, 720}

// Counters are the additive counts of the KPIs (see the package doc for
// what each counts). Adding two Counters adds them field by field.
type Counters struct {
	Reported        int64 `json:"reported"`
	Registered      int64 `json:"registered"`
	Rejected        int64 `json:"rejected"`
	Cancelled       int64 `json:"cancelled"`
	RegisterDue     int64 `json:"register_due"`
	RegisterOnTime  int64 `json:"register_on_time"`
	Dispatched      int64 `json:"dispatched"`
	DispatchDue     int64 `json:"dispatch_due"`
	DispatchOnTime  int64 `json:"dispatch_on_time"`
	Returned        int64 `json:"returned"`
	Rework          int64 `json:"rework"`
	Handled         int64 `json:"handled"`
	HandleDue       int64 `json:"handle_due"`
	HandleOnTime    int64 `json:"handle_on_time"`
	VerifyDue       int64 `json:"verify_due"`
	VerifyOnTime    int64 `json:"verify_on_time"`
	Verified        int64 `json:"verified"`
	Closed          int64 `json:"closed"`
	ClosedOnTime    int64 `json:"closed_on_time"`
	ClosedGrid      int64 `json:"closed_at_grid"`
	ClosedCommunity int64 `json:"closed_at_community"`
	ClosedStreet    int64 `json:"closed_at_street"`
	ClosedDistrict  int64 `json:"closed_at_district"`
	ClosedCity      int64 `json:"closed_at_city"`
	Reopened        int64 `json:"reopened"`
	Escalated       int64 `json:"escalated"`
	Supervised      int64 `json:"supervised"`
	Ratings         int64 `json:"ratings"`
	Satisfied       int64 `json:"satisfied"`
	Basic           int64 `json:"basic"`
	Unsatisfied     int64 `json:"unsatisfied"`
	HandleSeconds   int64 `json:"handle_seconds"`
	// Timed counts the handled events that ran on a handling clock: the
	// denominator of the overtime multiple.
	Timed         int64 `json:"timed"`
	OvertimeMilli int64 `json:"overtime_milli"`
	Overtime      int64 `json:"overtime"`
	// H is the histogram of handling times (reported → handled) over
	// Buckets.
	H [HistBuckets]int64 `json:"h"`
}

// counterColumns are the columns of stats_daily holding Counters, in the
// order of Counters.fields.
var counterColumns = func() []string {
	cols := []string{"reported", "registered", "rejected", "cancelled", "register_due", "register_on_time",
		"dispatched", "dispatch_due", "dispatch_on_time", "returned", "rework", "handled", "handle_due",
		"handle_on_time", "verify_due", "verify_on_time", "verified", "closed", "closed_on_time",
		"closed_grid", "closed_community", "closed_street", "closed_district", "closed_city",
		"reopened", "escalated", "supervised", "ratings", "satisfied", "basic", "unsatisfied",
		"handle_seconds", "timed", "overtime_milli", "overtime"}
	for i := range HistBuckets {
		cols = append(cols, fmt.Sprintf("h%d", i))
	}
	return cols
}()

// fields lists pointers to c's counts in the order of counterColumns.
func (c *Counters) fields() []*int64 {
	f := []*int64{&c.Reported, &c.Registered, &c.Rejected, &c.Cancelled, &c.RegisterDue, &c.RegisterOnTime,
		&c.Dispatched, &c.DispatchDue, &c.DispatchOnTime, &c.Returned, &c.Rework, &c.Handled, &c.HandleDue,
		&c.HandleOnTime, &c.VerifyDue, &c.VerifyOnTime, &c.Verified, &c.Closed, &c.ClosedOnTime,
		&c.ClosedGrid, &c.ClosedCommunity, &c.ClosedStreet, &c.ClosedDistrict, &c.ClosedCity,
		&c.Reopened, &c.Escalated, &c.Supervised, &c.Ratings, &c.Satisfied, &c.Basic, &c.Unsatisfied,
		&c.HandleSeconds, &c.Timed, &c.OvertimeMilli, &c.Overtime}
	for i := range c.H {
		f = append(f, &c.H[i])
	}
	return f
}

// counterCount is the number of counts in Counters.
const counterCount = 35 + HistBuckets

// values returns c's counts in the order of counterColumns.
func (c *Counters) values() [counterCount]int64 {
	v := [counterCount]int64{c.Reported, c.Registered, c.Rejected, c.Cancelled, c.RegisterDue, c.RegisterOnTime,
		c.Dispatched, c.DispatchDue, c.DispatchOnTime, c.Returned, c.Rework, c.Handled, c.HandleDue,
		c.HandleOnTime, c.VerifyDue, c.VerifyOnTime, c.Verified, c.Closed, c.ClosedOnTime,
		c.ClosedGrid, c.ClosedCommunity, c.ClosedStreet, c.ClosedDistrict, c.ClosedCity,
		c.Reopened, c.Escalated, c.Supervised, c.Ratings, c.Satisfied, c.Basic, c.Unsatisfied,
		c.HandleSeconds, c.Timed, c.OvertimeMilli, c.Overtime}
	copy(v[35:], c.H[:])
	return v
}

// Add adds d to c field by field.
func (c *Counters) Add(d *Counters) {
	c.Reported += d.Reported
	c.Registered += d.Registered
	c.Rejected += d.Rejected
	c.Cancelled += d.Cancelled
	c.RegisterDue += d.RegisterDue
	c.RegisterOnTime += d.RegisterOnTime
	c.Dispatched += d.Dispatched
	c.DispatchDue += d.DispatchDue
	c.DispatchOnTime += d.DispatchOnTime
	c.Returned += d.Returned
	c.Rework += d.Rework
	c.Handled += d.Handled
	c.HandleDue += d.HandleDue
	c.HandleOnTime += d.HandleOnTime
	c.VerifyDue += d.VerifyDue
	c.VerifyOnTime += d.VerifyOnTime
	c.Verified += d.Verified
	c.Closed += d.Closed
	c.ClosedOnTime += d.ClosedOnTime
	c.ClosedGrid += d.ClosedGrid
	c.ClosedCommunity += d.ClosedCommunity
	c.ClosedStreet += d.ClosedStreet
	c.ClosedDistrict += d.ClosedDistrict
	c.ClosedCity += d.ClosedCity
	c.Reopened += d.Reopened
	c.Escalated += d.Escalated
	c.Supervised += d.Supervised
	c.Ratings += d.Ratings
	c.Satisfied += d.Satisfied
	c.Basic += d.Basic
	c.Unsatisfied += d.Unsatisfied
	c.HandleSeconds += d.HandleSeconds
	c.Timed += d.Timed
	c.OvertimeMilli += d.OvertimeMilli
	c.Overtime += d.Overtime
	for i := range c.H {
		c.H[i] += d.H[i]
	}
}

// IsZero reports whether every count is zero.
func (c *Counters) IsZero() bool { return *c == Counters{} }

// bucket returns the histogram bucket of a handling time in seconds.
func bucket(seconds int64) int {
	h := float64(seconds) / 3600
	for i, b := range Buckets {
		if h <= b {
			return i
		}
	}
	return HistBuckets - 1
}
