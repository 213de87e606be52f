package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Bad webhook input is refused naming the field, and nothing is written.
func TestWebhookBadInput(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		good := notify.WebhookInput{Name: "sms", URL: "https://sms.example/hook", Secret: "0123456789abcdef", Kinds: []string{"case.*"}, RegionPath: pathStreetX}
		for _, tc := range []struct {
			name  string
			tweak func(*notify.WebhookInput)
			field string
		}{
			{"no name", func(in *notify.WebhookInput) { in.Name = "  " }, "name"},
			{"long name", func(in *notify.WebhookInput) { in.Name = strings.Repeat("名", 101) }, "name"},
			{"no URL", func(in *notify.WebhookInput) { in.URL = "" }, "url"},
			{"ftp URL", func(in *notify.WebhookInput) { in.URL = "ftp://sms.example/hook" }, "url"},
			{"relative URL", func(in *notify.WebhookInput) { in.URL = "/hook" }, "url"},
			{"no host", func(in *notify.WebhookInput) { in.URL = "https:///hook" }, "url"},
			{"short secret", func(in *notify.WebhookInput) { in.Secret = "0123456789abcde" }, "secret"},
			{"secret with newline", func(in *notify.WebhookInput) { in.Secret = "0123456789abcdef\n" }, "secret"},
			{"bad kind", func(in *notify.WebhookInput) { in.Kinds = []string{"case.*", "Case Closed"} }, "kinds"},
			{"bad region", func(in *notify.WebhookInput) { in.RegionPath = "/1/x/" }, "region_path"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := good
				tc.tweak(&in)
				_, err := f.svc.CreateWebhook(f.sys, in)
				wantErr(t, err, apperr.Invalid, tc.field)
				if n := count(t, db, "webhooks", ""); n != 0 {
					t.Errorf("%d webhooks written", n)
				}
			})
		}
		h, err := f.svc.CreateWebhook(f.sys, good)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.UpdateWebhook(f.sys, h.ID, notify.WebhookUpdate{URL: ptr("gopher://x"), Name: ptr("renamed")})
		wantErr(t, err, apperr.Invalid, "url")
		_, err = f.svc.UpdateWebhook(f.sys, h.ID, notify.WebhookUpdate{Secret: ptr("short"), Name: ptr("renamed")})
		wantErr(t, err, apperr.Invalid, "secret")
		if got, _ := f.svc.FindWebhookByID(f.sys, h.ID); got.Name != "sms" {
			t.Errorf("name after refused updates = %q", got.Name)
		}
	})
}

// Administrators manage the webhooks of their own subtree only; webhooks
// for every region are the system's.
func TestWebhookAdministration(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		ctxX := as(f.adminX)
		in := func(name, region string) notify.WebhookInput {
			return notify.WebhookInput{Name: name, URL: "https://sms.example/" + name, Secret: "0123456789abcdef", RegionPath: region}
		}
		x, err := f.svc.CreateWebhook(ctxX, in("x", pathCommX))
		if err != nil {
			t.Fatal(err)
		}
		want := &notify.Webhook{ID: x.ID, Name: "x", URL: "https://sms.example/x", Kinds: []string{}, RegionPath: pathCommX,
			Active: true, CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
		got, err := f.svc.FindWebhookByID(ctxX, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("webhook (-want +got):\n%s", d)
		}
		y := f.mustWebhook(t, in("y", pathStreetY))
		all := f.mustWebhook(t, in("all", ""))

		_, err = f.svc.CreateWebhook(ctxX, in("elsewhere", pathStreetY))
		wantErr(t, err, apperr.Forbidden, "")
		_, err = f.svc.CreateWebhook(ctxX, in("everywhere", ""))
		wantErr(t, err, apperr.Forbidden, "")
		_, err = f.svc.CreateWebhook(as(f.alice), in("grid worker", pathCommX))
		wantErr(t, err, apperr.Forbidden, "")
		_, err = f.svc.CreateWebhook(context.Background(), in("nobody", pathCommX))
		wantErr(t, err, apperr.Unauthenticated, "")
		if n := count(t, db, "webhooks", ""); n != 3 {
			t.Errorf("%d webhooks; want 3", n)
		}

		list := func(ctx context.Context) []string {
			t.Helper()
			hs, total, err := f.svc.FindWebhooks(ctx, notify.WebhookFilter{})
			if err != nil {
				t.Fatal(err)
			}
			names := []string{}
			for _, h := range hs {
				names = append(names, h.Name)
			}
			if total != len(names) {
				t.Fatalf("total %d for %v", total, names)
			}
			return names
		}
		if d := cmp.Diff([]string{"x"}, list(ctxX)); d != "" {
			t.Errorf("admin X's webhooks (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"x", "y", "all"}, list(f.sys)); d != "" {
			t.Errorf("system's webhooks (-want +got):\n%s", d)
		}
		_, _, err = f.svc.FindWebhooks(as(f.alice), notify.WebhookFilter{})
		wantErr(t, err, apperr.Forbidden, "")
		for _, id := range []int64{y.ID, all.ID} {
			_, err = f.svc.FindWebhookByID(ctxX, id)
			wantErr(t, err, apperr.Forbidden, "")
			_, err = f.svc.UpdateWebhook(ctxX, id, notify.WebhookUpdate{Active: ptr(false)})
			wantErr(t, err, apperr.Forbidden, "")
			wantErr(t, f.svc.DeleteWebhook(ctxX, id), apperr.Forbidden, "")
		}
		_, err = f.svc.FindWebhookByID(ctxX, 999999)
		wantErr(t, err, apperr.NotFound, "")

		clk.Advance(60e9)
		up, err := f.svc.UpdateWebhook(ctxX, x.ID, notify.WebhookUpdate{Name: ptr("x2"), Kinds: &[]string{"case.closed", "case.closed"}, Active: ptr(false), Secret: ptr("fedcba9876543210")})
		if err != nil {
			t.Fatal(err)
		}
		want.Name, want.Kinds, want.Active, want.UpdatedAt = "x2", []string{"case.closed"}, false, clk.Now()
		if d := cmp.Diff(want, up); d != "" {
			t.Errorf("updated webhook (-want +got):\n%s", d)
		}
		if n := count(t, db, "webhooks", "id = $1 AND secret = 'fedcba9876543210'", x.ID); n != 1 {
			t.Errorf("secret not changed")
		}
		if list := list(f.sys); len(list) != 3 {
			t.Errorf("system's webhooks = %v", list)
		}
		if hs, _, _ := f.svc.FindWebhooks(f.sys, notify.WebhookFilter{Active: ptr(false)}); len(hs) != 1 || hs[0].ID != x.ID {
			t.Errorf("inactive webhooks = %v; want x", hs)
		}
		if err := f.svc.DeleteWebhook(ctxX, x.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.FindWebhookByID(f.sys, x.ID)
		wantErr(t, err, apperr.NotFound, "")
	})
}
