package stats

// Buckets are the upper bounds, in hours, of the handling-time histogram
// H[0..11]; the last bucket has no bound.
var Buckets = [HistBuckets - 1]float64{1, 2, 4, 8, 24, 48, 72, 120, 168, 360, 720}

// HistBuckets is the number of buckets of the handling-time histogram.
const HistBuckets = 12

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
	OvertimeMilli   int64 `json:"overtime_milli"`
	Overtime        int64 `json:"overtime"`
	// H is the histogram of handling times (reported → handled) over
	// Buckets.
	H [HistBuckets]int64 `json:"h"`
}
