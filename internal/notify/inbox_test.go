package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Users read and mark only their own inbox items.
func TestInboxScoping(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		e := caseEvent("case.dispatched", f.carol.UserID, f.alice.UserID)
		f.publish(t, f.alice, e)
		clk.Advance(time.Minute)
		e.Kind, e.CaseID = "case.accepted", 43
		f.publish(t, f.alice, e)
		e.Kind, e.Recipients = "case.supervised", []int64{f.alice.UserID}
		f.publish(t, f.alice, e)

		ids := func(a *auth.Actor, unread *bool) []int64 {
			t.Helper()
			items, total, err := f.svc.FindInbox(as(a), notify.InboxFilter{Unread: unread})
			if err != nil {
				t.Fatal(err)
			}
			if total != len(items) {
				t.Fatalf("total %d, %d items", total, len(items))
			}
			out := []int64{}
			for _, it := range items {
				if it.UserID != a.UserID {
					t.Fatalf("%s sees item %d of user %d", a.Name, it.ID, it.UserID)
				}
				out = append(out, it.ID)
			}
			return out
		}
		carols, alices := ids(f.carol, nil), ids(f.alice, nil)
		if len(carols) != 2 || len(alices) != 3 {
			t.Fatalf("carol has %v, alice %v; want 2 and 3 items", carols, alices)
		}
		if got := ids(f.dave, nil); len(got) != 0 {
			t.Errorf("dave sees %v", got)
		}

		// Marking someone else's item is NotFound and marks nothing, not
		// even the caller's own items named alongside it.
		err := f.svc.MarkRead(as(f.carol), []int64{carols[0], alices[0]})
		wantErr(t, err, apperr.NotFound, "")
		if n := count(t, db, "inbox", "read_at IS NOT NULL"); n != 0 {
			t.Errorf("%d items marked after a refused MarkRead", n)
		}
		wantErr(t, f.svc.MarkRead(as(f.carol), []int64{999999}), apperr.NotFound, "")
		wantErr(t, f.svc.MarkRead(as(f.carol), nil), apperr.Invalid, "ids")
		wantErr(t, f.svc.MarkRead(as(f.carol), []int64{-1}), apperr.Invalid, "ids")
		wantErr(t, f.svc.MarkRead(as(f.carol), make([]int64, 501)), apperr.Invalid, "ids")

		// Own items: marked once; marking again keeps the first time.
		readAt := clk.Now()
		if err := f.svc.MarkRead(as(f.carol), []int64{carols[1], carols[1]}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		if err := f.svc.MarkRead(as(f.carol), []int64{carols[1]}); err != nil {
			t.Fatal(err)
		}
		items, _, err := f.svc.FindInbox(as(f.carol), notify.InboxFilter{Unread: ptr(false)})
		if err != nil || len(items) != 1 || items[0].ReadAt == nil || !items[0].ReadAt.Equal(readAt) {
			t.Fatalf("read items = %+v, %v; want item %d read at %v", items, err, carols[1], readAt)
		}
		if got := ids(f.carol, ptr(true)); !cmp.Equal(got, carols[:1]) {
			t.Errorf("carol's unread = %v; want %v", got, carols[:1])
		}
		if n, err := f.svc.UnreadCount(as(f.carol)); err != nil || n != 1 {
			t.Errorf("carol's unread count = %d, %v; want 1", n, err)
		}
		if n, err := f.svc.UnreadCount(as(f.alice)); err != nil || n != 3 {
			t.Errorf("alice's unread count = %d, %v; want 3 (carol's reading is hers alone)", n, err)
		}

		// Mark all: only the actor's.
		if n, err := f.svc.MarkAllRead(as(f.alice)); err != nil || n != 3 {
			t.Errorf("mark all read = %d, %v; want 3", n, err)
		}
		if n, _ := f.svc.UnreadCount(as(f.carol)); n != 1 {
			t.Errorf("carol's unread count after alice's mark-all = %d; want 1", n)
		}

		// Paging: newest first.
		page, total, err := f.svc.FindInbox(as(f.alice), notify.InboxFilter{Limit: 2, Offset: 1})
		if err != nil || total != 3 || len(page) != 2 || page[0].ID != alices[1] {
			t.Errorf("page = %v (total %d), %v; want items %v", page, total, err, alices[1:])
		}

		// No user, no inbox.
		_, _, err = f.svc.FindInbox(f.sys, notify.InboxFilter{})
		wantErr(t, err, apperr.Forbidden, "")
		_, _, err = f.svc.FindInbox(context.Background(), notify.InboxFilter{})
		wantErr(t, err, apperr.Unauthenticated, "")
		_, err = f.svc.UnreadCount(context.Background())
		wantErr(t, err, apperr.Unauthenticated, "")
	})
}
