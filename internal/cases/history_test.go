package cases_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// exec runs raw SQL on the writer, as an intruder with database access
// would.
func (f *fixture) exec(q string, args ...any) error {
	_, err := f.db.WriterPool().ExecContext(context.Background(), q, args...)
	return err
}

// twoDispatchers: two dispatchers act on one case at once with the
// version they both saw; exactly one wins, the other gets the stale-version
// conflict, and the chain holds one dispatch.
func twoDispatchers(t *testing.T, f *fixture) {
	c := f.report(f.resident, f.leak())
	c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActRegister})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, d := range []struct {
		by    int
		input cases.ActInput
	}{
		{0, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID, Version: c.Version}},
		{1, cases.ActInput{Action: cases.ActDispatch, AssigneeDepartmentID: f.heatingDept.ID, Version: c.Version}},
	} {
		actor := f.secretary
		if d.by == 1 {
			actor = f.dispatcher
		}
		wg.Go(func() { _, errs[i] = f.svc.Act(as(actor), c.ID, d.input) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		default:
			wantErr(t, err, apperr.Conflict, "version")
			if e := apperr.As(err); e.Msg.ZH != "案件已被他人更新，请刷新后重试" || e.Msg.EN != "the case was changed by someone else; reload and retry" {
				t.Errorf("stale message: %+v", e.Msg)
			}
		}
	}
	if wins != 1 {
		t.Fatalf("%d dispatchers won: %v", wins, errs)
	}
	n := 0
	for _, e := range f.events(c.ID) {
		if e.Action == cases.ActDispatch {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d dispatch events", n)
	}
	if err := f.svc.VerifyHistory(sys(), c.ID); err != nil {
		t.Error(err)
	}
}

// tampering: the event table refuses changes; with its triggers
// dropped, an edited note, a deleted event and an edited case row are all
// found by VerifyHistory, which names the case and the event.
func tampering(t *testing.T, f *fixture) {
	db := f.db
	c := f.report(f.resident, f.leak())
	c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActRegister})
	c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID, Note: "请尽快处理"})
	other := f.report(f.neighbour, f.leak())
	if err := f.svc.VerifyHistory(sys(), 0); err != nil {
		t.Fatalf("intact history: %v", err)
	}
	r, err := f.svc.CheckHistory(sys(), 0)
	if err != nil || r.Cases < 2 || r.Events < 4 || r.Broken != nil {
		t.Fatalf("check history = %+v, %v", r, err)
	}

	// Append-only: both engines refuse UPDATE and DELETE.
	for _, q := range []string{
		`UPDATE case_events SET note = 'x' WHERE case_id = $1`,
		`DELETE FROM case_events WHERE case_id = $1`,
	} {
		if err := f.exec(q, c.ID); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}

	if db.Dialect == sqldb.Postgres {
		err = f.exec(`DROP TRIGGER case_events_no_update ON case_events`)
	} else {
		err = f.exec(`DROP TRIGGER case_events_no_update`)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := f.exec(`UPDATE case_events SET note = '随便处理' WHERE case_id = $1 AND seq = 3`, c.ID); err != nil {
		t.Fatal(err)
	}
	err = f.svc.VerifyHistory(sys(), 0)
	var b *cases.BrokenLink
	if !errors.As(err, &b) || b.CaseID != c.ID || b.Seq != 3 || b.Number != c.Number {
		t.Fatalf("after editing a note: %v", err)
	}
	// Put it back: the chain holds again.
	if err := f.exec(`UPDATE case_events SET note = '请尽快处理' WHERE case_id = $1 AND seq = 3`, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.VerifyHistory(sys(), c.ID); err != nil {
		t.Fatalf("restored: %v", err)
	}

	// An edited case row no longer follows from its events.
	if err := f.exec(`UPDATE cases SET assignee_name = '张三' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	err = f.svc.VerifyHistory(sys(), c.ID)
	if !errors.As(err, &b) || b.Seq != 3 || !strings.Contains(b.What, "assignee_name") {
		t.Fatalf("after editing the row: %v", err)
	}

	// A deleted event breaks the chain of the other case. (PostgreSQL's
	// one trigger, dropped above, guarded deletes too.)
	if db.Dialect == sqldb.SQLite {
		if err := f.exec(`DROP TRIGGER case_events_no_delete`); err != nil {
			t.Fatal(err)
		}
	}
	other = f.act(f.secretary, other, cases.ActInput{Action: cases.ActRegister})
	if err := f.exec(`DELETE FROM case_events WHERE case_id = $1 AND seq = 1`, other.ID); err != nil {
		t.Fatal(err)
	}
	err = f.svc.VerifyHistory(sys(), other.ID)
	if !errors.As(err, &b) || b.CaseID != other.ID || b.Seq != 1 {
		t.Fatalf("after deleting an event: %v", err)
	}
}

// TestGuards checks the guards of the loop on one database, in order:
// malformed reports and transitions, idempotent intake, two dispatchers at
// once, and last, since it drops the append-only triggers, tampering.
func TestGuards(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		t.Run("bad reports", func(t *testing.T) { badReports(t, f) })
		t.Run("bad transitions", func(t *testing.T) { badActs(t, f) })
		t.Run("idempotent report", func(t *testing.T) { idempotentReport(t, f) })
		t.Run("two dispatchers", func(t *testing.T) { twoDispatchers(t, f) })
		t.Run("tampering", func(t *testing.T) { tampering(t, f) })
	})
}
