package cases_test

import (
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// nasty is text whose JSON needs every escape encoding/json writes; the
// service refuses control characters (but tabs and newlines), Bulk takes
// any text.
const (
	nasty     = `<b>"漏水"</b> & \ 'x' ` + "\u2028\u2029 😀 tab\t nl\n"
	ctlNasty  = nasty + " \x7f\x01\b\f\r"
	bulkNasty = ctlNasty + " \xff" // invalid UTF-8 is written as \ufffd
)

// TestEncodingOracle: events written by the live service (a loop with
// suspension, extension, involvement and rating, texts full of escapes)
// and by Bulk (histories with points, unsorted followers and co-handling
// departments, empty and nil lists) carry exactly the data and hashes the
// old encoding (derived by json.Marshal and Unmarshal, the set by
// json.Marshal of a map) gives, read back from the database and as Bulk
// returned them; the history still checks.
func TestEncodingOracle(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		f.at(local(2026, 3, 9, 9, 0))
		in := f.leak()
		in.Title, in.Description = nasty, nasty+" 描述"
		in.Lon, in.Lat = fp(117.005123), fp(36.604321)
		c := f.report(f.resident, in)
		c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActRegister, Note: nasty})
		c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID, Note: "请<尽快>处理 & 回复"})
		f.at(local(2026, 3, 9, 10, 0))
		c = f.act(f.member, c, cases.ActInput{Action: cases.ActAccept})
		c = f.act(f.member, c, cases.ActInput{Action: cases.ActInvolve, DepartmentID: f.propertyDept.ID, Note: nasty})
		c = f.act(f.member, c, cases.ActInput{Action: cases.ActInvolve, DepartmentID: f.heatingDept.ID})
		f.at(local(2026, 3, 10, 10, 0))
		c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActSuspend, Reason: nasty})
		f.at(local(2026, 3, 11, 10, 0))
		c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActResume})
		c = f.act(f.member, c, cases.ActInput{Action: cases.ActExtend, Reason: nasty, ExtendBy: calendar.MustParseLimit("2wd")})
		c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActExtendApprove})
		f.at(local(2026, 3, 12, 15, 30))
		c = f.act(f.member, c, cases.ActInput{Action: cases.ActFeedback, Note: nasty})
		c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActVerifyOK})
		c = f.act(f.resident, c, cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{Satisfaction: cases.Basic, Stars: 3, Comment: nasty}})
		other := f.report(f.neighbour, f.leak())

		// Bulk takes any text: invalid UTF-8 too, written as \ufffd, which
		// reads back as U+FFFD (so that neither the old encoding of the
		// history read back nor CheckHistory can hold): its histories are
		// checked as Add returns them and not written.
		for _, text := range []string{ctlNasty, bulkNasty} {
			b, err := f.svc.NewBulk(sys())
			if err != nil {
				t.Fatal(err)
			}
			for i := range 4 {
				evs := bulkHistory(t, f, f.clk.Now().Add(time.Duration(i)*time.Hour))
				if i%2 == 1 {
					evs = demoHistory(t, f, f.clk.Now().Add(time.Duration(i)*time.Hour))
				}
				facts := make([]cases.EventData, len(evs))
				for j := range evs {
					e := &evs[j]
					e.After.Description = text
					rs := []rune(text)
					e.Note = string(rs[j%len(rs):])
					e.Facts.Reason += string(rs[:j])
					if j > 2 {
						e.After.Followers = []int64{f.neighbour.UserID, f.resident.UserID}
						e.After.Involved = []int64{f.propertyDept.ID, f.heatingDept.ID}
						e.After.Lon, e.After.Lat = fp(30.159906), fp(0.1)
					}
					if j == 4 {
						e.After.Attachments, e.After.Involved = []int64{}, []int64{}
						e.After.Lat = fp(1e21)
					}
					facts[j] = e.Facts
				}
				chs, err := b.Add(evs)
				if err != nil {
					t.Fatal(err)
				}
				if err := cases.OracleCheckChanges(chs, facts); err != nil {
					t.Fatalf("bulk case %d: %v", i, err)
				}
			}
			if text == bulkNasty {
				b.Take()
				break
			}
			if err := db.Transact(sys(), func(tx *sqldb.Tx) error { return b.Flush(sys(), tx) }); err != nil {
				t.Fatal(err)
			}
		}

		n := 0
		for id := c.ID; id <= other.ID+4; id++ {
			got, err := f.svc.FindCaseByID(sys(), id)
			if err != nil {
				t.Fatal(err)
			}
			evs := f.events(id)
			n += len(evs)
			if err := cases.OracleCheckEvents(got.Number, evs); err != nil {
				t.Errorf("case %s: %v", got.Number, err)
			}
		}
		if n != 13+1+2*8+2*7 {
			t.Errorf("%d events checked", n)
		}
		if err := f.svc.VerifyHistory(sys(), 0); err != nil {
			t.Fatal(err)
		}
	})
}
