package notify_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// A rolled-back transaction leaves no inbox item, no outbox row and no
// live event; nothing is visible before the commit either.
func TestPublishRollbackLeavesNoTrace(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		f.mustWebhook(t, notify.WebhookInput{Name: "sms", URL: "http://127.0.0.1:1/hook"})
		live, cancel := f.svc.Subscribe(context.Background(), auth.SystemActor())
		defer cancel()
		mine, cancelMine := f.svc.Subscribe(context.Background(), f.carol)
		defer cancelMine()

		ctx := as(f.alice)
		boom := errors.New("boom")
		err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			if err := f.svc.Publish(ctx, tx, caseEvent("case.dispatched", f.carol.UserID)); err != nil {
				return err
			}
			if got := received(live); len(got) != 0 {
				t.Errorf("live event before commit: %v", kinds(got))
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("transact = %v; want boom", err)
		}
		if n := count(t, db, "inbox", ""); n != 0 {
			t.Errorf("inbox rows after rollback = %d; want 0", n)
		}
		if n := count(t, db, "webhook_deliveries", ""); n != 0 {
			t.Errorf("deliveries after rollback = %d; want 0", n)
		}
		if got := append(received(live), received(mine)...); len(got) != 0 {
			t.Errorf("live events after rollback: %v", kinds(got))
		}

		// The same event committed arrives everywhere once.
		f.publish(t, f.alice, caseEvent("case.dispatched", f.carol.UserID))
		if got := kinds(received(live)); !cmp.Equal(got, []string{"case.dispatched#42"}) {
			t.Errorf("system subscriber got %v", got)
		}
		if got := kinds(received(mine)); !cmp.Equal(got, []string{"case.dispatched#42"}) {
			t.Errorf("recipient got %v", got)
		}
		if n := count(t, db, "inbox", "user_id = $1", f.carol.UserID); n != 1 {
			t.Errorf("carol's inbox rows = %d; want 1", n)
		}
		if n := count(t, db, "webhook_deliveries", "status = 'pending'"); n != 1 {
			t.Errorf("pending deliveries = %d; want 1", n)
		}
	})
}

// After commit, live events reach recipients and those whose scopes cover
// the event's region, and nobody else; inbox rows go to the recipients;
// outbox rows to the matching active webhooks.
func TestPublishFansOut(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		streetX := f.mustWebhook(t, notify.WebhookInput{Name: "street X SMS", URL: "https://sms.example/x", Kinds: []string{"case.*"}, RegionPath: pathStreetX})
		everywhere := f.mustWebhook(t, notify.WebhookInput{Name: "county WeChat", URL: "https://wx.example/all"})
		f.mustWebhook(t, notify.WebhookInput{Name: "street Y", URL: "https://sms.example/y", RegionPath: pathStreetY})
		f.mustWebhook(t, notify.WebhookInput{Name: "closed only", URL: "https://sms.example/c", Kinds: []string{"case.closed"}})
		f.mustWebhook(t, notify.WebhookInput{Name: "off", URL: "https://sms.example/off", Active: ptr(false)})

		subs := map[string]*auth.Actor{"alice": f.alice, "bob": f.bob, "carol": f.carol, "dave": f.dave}
		chans := map[string]<-chan notify.Event{}
		for name, a := range subs {
			ch, cancel := f.svc.Subscribe(context.Background(), a)
			defer cancel()
			chans[name] = ch
		}
		f.publish(t, f.alice, caseEvent("case.dispatched", f.carol.UserID, f.carol.UserID, 0))

		got := map[string][]string{}
		for name, ch := range chans {
			got[name] = kinds(received(ch))
		}
		want := map[string][]string{
			"alice": {"case.dispatched#42"}, // grid worker of the community holding the grid
			"bob":   {},                     // grid worker elsewhere
			"carol": {"case.dispatched#42"}, // recipient without any region grant
			"dave":  {},                     // neither
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("live events (-want +got):\n%s", d)
		}

		items, total, err := f.svc.FindInbox(as(f.carol), notify.InboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(items) != 1 {
			t.Fatalf("carol's inbox = %d items (total %d); want 1 (duplicate recipients collapse)", len(items), total)
		}
		it := items[0]
		wantItem := notify.InboxItem{ID: it.ID, UserID: f.carol.UserID, CaseID: 42, Kind: "case.dispatched",
			TitleZH: "案件 202603060001 已派遣", TitleEN: "Case 202603060001 dispatched", Body: "27号楼1单元楼道积水", CreatedAt: clk.Now()}
		if d := cmp.Diff(wantItem, *it); d != "" {
			t.Errorf("inbox item (-want +got):\n%s", d)
		}

		ds, _, err := f.svc.FindDeliveries(f.sys, notify.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var hooks []int64
		for _, d := range ds {
			hooks = append(hooks, d.WebhookID)
			if d.Status != notify.DeliveryPending || d.Attempts != 0 || !d.NextAttemptAt.Equal(clk.Now()) {
				t.Errorf("new delivery %+v; want pending, no attempts, due now", d)
			}
		}
		if d := cmp.Diff([]int64{everywhere.ID, streetX.ID}, hooks); d != "" {
			t.Errorf("webhooks with a delivery, newest first (-want +got):\n%s", d)
		}
	})
}

// An injected visibility check replaces the region check; recipients still
// see their events.
func TestPublishInjectedVisibility(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{Visible: func(a *auth.Actor, e notify.Event) bool {
			return a.Name == "dave"
		}})
		alice, c1 := f.svc.Subscribe(context.Background(), f.alice)
		defer c1()
		dave, c2 := f.svc.Subscribe(context.Background(), f.dave)
		defer c2()
		carol, c3 := f.svc.Subscribe(context.Background(), f.carol)
		defer c3()
		f.publish(t, f.alice, caseEvent("case.reported", f.carol.UserID))
		if got := [3]int{len(received(alice)), len(received(dave)), len(received(carol))}; got != [3]int{0, 1, 1} {
			t.Errorf("events received by alice, dave, carol = %v; want [0 1 1]", got)
		}
	})
}

// Bad events are refused naming the field, and the caller's rollback
// leaves nothing behind.
func TestPublishBadInput(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		f.mustWebhook(t, notify.WebhookInput{Name: "sms", URL: "https://sms.example/x"})
		live, cancel := f.svc.Subscribe(context.Background(), auth.SystemActor())
		defer cancel()
		for _, tc := range []struct {
			name  string
			ctx   context.Context
			e     notify.Event
			code  apperr.Code
			field string
		}{
			{"no kind", as(f.alice), notify.Event{Recipients: []int64{f.carol.UserID}}, apperr.Invalid, "kind"},
			{"bad kind", as(f.alice), notify.Event{Kind: "Case Dispatched"}, apperr.Invalid, "kind"},
			{"bad region", as(f.alice), notify.Event{Kind: "case.reported", RegionPath: "1/2"}, apperr.Invalid, "region_path"},
			{"long title", as(f.alice), notify.Event{Kind: "case.reported", TitleZH: string(make([]rune, 201))}, apperr.Invalid, "title_zh"},
			{"public not JSON", as(f.alice), notify.Event{Kind: "case.reported", Public: map[string]any{"f": func() {}}}, apperr.Invalid, "public"},
			{"unknown recipient", as(f.alice), notify.Event{Kind: "case.reported", Recipients: []int64{f.carol.UserID, 999999}}, apperr.Invalid, "recipients"},
			{"no actor", context.Background(), notify.Event{Kind: "case.reported"}, apperr.Unauthenticated, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := db.Transact(tc.ctx, func(tx *sqldb.Tx) error { return f.svc.Publish(tc.ctx, tx, tc.e) })
				wantErr(t, err, tc.code, tc.field)
				if n := count(t, db, "inbox", "") + count(t, db, "webhook_deliveries", ""); n != 0 {
					t.Errorf("%d rows written", n)
				}
				if got := received(live); len(got) != 0 {
					t.Errorf("live events: %v", kinds(got))
				}
			})
		}
	})
}

// An event without titles gets them from its case number and action.
func TestPublishDefaultTitles(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		f.publish(t, f.alice, notify.Event{Kind: "case.accepted", CaseID: 7, CaseNumber: "N7", Action: "accept", ToState: "in_progress",
			Recipients: []int64{f.carol.UserID}})
		items, _, err := f.svc.FindInbox(as(f.carol), notify.InboxFilter{})
		if err != nil || len(items) != 1 {
			t.Fatalf("inbox = %v, %v", items, err)
		}
		if got := [2]string{items[0].TitleZH, items[0].TitleEN}; got != [2]string{"案件 N7：accept → in_progress", "Case N7: accept → in_progress"} {
			t.Errorf("titles = %q", got)
		}
	})
}
