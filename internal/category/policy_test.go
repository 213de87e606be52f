package category_test

import (
	"context"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/category"
)

func TestTiers(t *testing.T) {
	var up []category.Tier
	for x := category.TierGrid; x != ""; x = x.Next() {
		up = append(up, x)
	}
	if len(up) != 5 || up[1] != category.TierCommunity || up[4] != category.TierCity {
		t.Fatalf("escalation path %v", up)
	}
	if category.Tier("province").Valid() || category.Tier("province").Next() != "" || !category.TierStreet.Valid() {
		t.Fatal("tier validity")
	}
	if category.TierOfLevel("village") != category.TierCommunity || category.TierOfLevel("township") != category.TierStreet {
		t.Fatal("tier of level")
	}
}

// limitCase is one LimitFor question and its answer.
type limitCase struct {
	name string
	code string
	u    category.Urgency
	tier category.Tier
	step category.Step
	want string
	from string // the winning policy's note, or "default:<kind>"
}

func runLimits(t *testing.T, svc *category.Service, cases []limitCase) {
	t.Helper()
	for _, c := range cases {
		// No actor: intake of an anonymous report needs limits too.
		ch, err := svc.ExplainLimit(context.Background(), c.code, c.u, c.tier, c.step)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		from := "default:" + ch.Default
		if ch.Policy != nil {
			from = ch.Policy.Note
		}
		if ch.Limit.String() != c.want || from != c.from {
			t.Errorf("%s: %s %s/%s/%s = %s from %s; want %s from %s", c.name, c.code, c.step, c.u, c.tier, ch.Limit, from, c.want, c.from)
		}
		l, err := svc.LimitFor(context.Background(), c.code, c.u, c.tier, c.step)
		if err != nil || l != ch.Limit {
			t.Errorf("%s: LimitFor = %v, %v; ExplainLimit %v", c.name, l, err, ch.Limit)
		}
	}
}

func testLimitForDefaults(t *testing.T, w *world) {
	// A sub-category without limits of its own inherits its class's.
	if _, err := w.svc.CreateCategory(sys(), category.CategoryInput{Code: "LE0199", ParentCode: "LE01", Kind: category.KindEvent,
		NameZH: "其他突发事件", Local: true}); err != nil {
		t.Fatal(err)
	}
	// A category with only an urgent limit.
	if _, err := w.svc.CreateCategory(sys(), category.CategoryInput{Code: "LS0514", ParentCode: "LS05", Kind: category.KindSocial,
		NameZH: "只有紧急时限", UrgentLimit: "1h", Local: true}); err != nil {
		t.Fatal(err)
	}
	N, U := category.Normal, category.Urgent
	g := category.TierGrid
	runLimits(t, w.svc, []limitCase{
		{"register", "LE0102", N, g, category.StepRegister, "30m", "default:step"},
		{"register urgent", "LE0102", U, g, category.StepRegister, "10m", "default:step"},
		{"dispatch", "S0102", N, category.TierStreet, category.StepDispatch, "30m", "default:step"},
		{"dispatch urgent", "S0102", U, g, category.StepDispatch, "10m", "default:step"},
		{"accept", "S0102", U, g, category.StepAccept, "1h", "default:step"},
		{"verify", "S0102", N, g, category.StepVerify, "1h", "default:step"},
		{"handle: own limit", "LE0102", N, g, category.StepHandle, "4wh", "default:category"},
		{"handle: own urgent limit", "LE0102", U, g, category.StepHandle, "2h", "default:category"},
		{"handle: half of 6 clock hours", "C01001", U, g, category.StepHandle, "3h", "default:category"},
		// 15 working days of 7.5 working hours, halved: 56.25 → 57wh.
		{"handle: half of an odd number of working days", "E06001", U, g, category.StepHandle, "57wh", "default:category"},
		{"handle: inherited from the class", "LE0199", N, g, category.StepHandle, "4h", "default:category"},
		{"handle: inherited urgent", "LE0199", U, g, category.StepHandle, "1h", "default:category"},
		{"handle: none anywhere", "S0102", N, g, category.StepHandle, "5wd", "default:fallback"},
		{"handle: none anywhere, urgent", "S0102", U, g, category.StepHandle, "19wh", "default:fallback"},
		{"handle: only an urgent limit", "LS0514", U, g, category.StepHandle, "1h", "default:category"},
		// The class LS05 has 3wd: the normal case takes it, not less than urgent.
		{"handle: only an urgent limit, normal", "LS0514", N, g, category.StepHandle, "3wd", "default:category"},
	})
}

func testLimitForPrecedence(t *testing.T, w *world) {
	for _, p := range []category.TimeLimitInput{
		{Step: category.StepHandle, Limit: "3wd", Note: "any"},
		{CategoryCode: "LE01", Step: category.StepHandle, Limit: "6h", Note: "parent"},
		{CategoryCode: "LE0102", Step: category.StepHandle, Limit: "5h", Note: "exact"},
		{CategoryCode: "LE0102", Urgency: category.Urgent, Step: category.StepHandle, Limit: "90m", Note: "exact urgent"},
		{CategoryCode: "LE01", Urgency: category.Urgent, Tier: category.TierStreet, Step: category.StepHandle, Limit: "1h", Note: "parent urgent street"},
		{Urgency: category.Urgent, Step: category.StepRegister, Limit: "5m", Note: "any urgent"},
		{Tier: category.TierCommunity, Step: category.StepRegister, Limit: "40m", Note: "any community"},
		{Tier: category.TierStreet, Urgency: category.Normal, Step: category.StepRegister, Limit: "15m", Note: "any normal street"},
		{CategoryCode: "S01", Tier: category.TierCommunity, Step: category.StepVerify, Limit: "2h", Note: "S01 community"},
	} {
		if _, err := w.svc.CreateTimeLimit(sys(), p); err != nil {
			t.Fatalf("policy %s: %v", p.Note, err)
		}
	}
	N, U := category.Normal, category.Urgent
	g, c, s := category.TierGrid, category.TierCommunity, category.TierStreet
	h, r, v := category.StepHandle, category.StepRegister, category.StepVerify
	runLimits(t, w.svc, []limitCase{
		{"exact category beats parent and any", "LE0102", N, g, h, "5h", "exact"},
		{"exact urgent beats exact", "LE0102", U, g, h, "90m", "exact urgent"},
		{"exact category beats a parent's urgency and tier", "LE0102", U, s, h, "90m", "exact urgent"},
		{"parent beats any (a sibling)", "LE0101", N, g, h, "6h", "parent"},
		{"parent with urgency and tier", "LE0101", U, s, h, "1h", "parent urgent street"},
		{"parent with urgency and tier needs both", "LE0101", U, c, h, "6h", "parent"},
		{"any beats the category's own default", "C01001", N, g, h, "3wd", "any"},
		{"any beats the fallback", "S0102", U, g, h, "3wd", "any"},
		{"urgency beats tier", "S0102", U, c, r, "5m", "any urgent"},
		{"tier when urgency is any", "S0102", N, c, r, "40m", "any community"},
		{"urgency and tier beat urgency alone", "S0102", N, s, r, "15m", "any normal street"},
		{"urgent at street: urgency beats urgency-less tier", "S0102", U, s, r, "5m", "any urgent"},
		{"no row for the step's combination", "S0102", N, g, r, "30m", "default:step"},
		{"ancestor with a tier", "S0102", N, c, v, "2h", "S01 community"},
		{"ancestor's tier does not match", "S0102", N, g, v, "1h", "default:step"},
	})

	// Deleting the exact policy falls back to the parent's.
	ps, n, err := w.svc.FindTimeLimits(sys(), category.TimeLimitFilter{CategoryCode: ptr("LE0102"), Step: ptr(h)})
	if err != nil || n != 2 || len(ps) != 2 {
		t.Fatalf("policies of LE0102: %d, %v", n, err)
	}
	exact := ps[0]
	if exact.Urgency != "" {
		exact = ps[1]
	}
	if err := w.svc.DeleteTimeLimit(sys(), exact.ID); err != nil {
		t.Fatal(err)
	}
	runLimits(t, w.svc, []limitCase{{"after deleting the exact row", "LE0102", N, g, h, "6h", "parent"}})
}

func testLimitForBadInput(t *testing.T, w *world) {
	ctx := context.Background()
	_, err := w.svc.LimitFor(ctx, "LE0102", category.Normal, category.TierGrid, "close")
	wantErr(t, err, apperr.Invalid, "step")
	_, err = w.svc.LimitFor(ctx, "LE0102", "", category.TierGrid, category.StepHandle)
	wantErr(t, err, apperr.Invalid, "urgency")
	_, err = w.svc.LimitFor(ctx, "LE0102", category.Urgent, "province", category.StepHandle)
	wantErr(t, err, apperr.Invalid, "tier")
	_, err = w.svc.LimitFor(ctx, "", category.Urgent, category.TierGrid, category.StepHandle)
	wantErr(t, err, apperr.Invalid, "category")
	_, err = w.svc.LimitFor(ctx, "E99999", category.Urgent, category.TierGrid, category.StepHandle)
	wantErr(t, err, apperr.NotFound, "")
}

func testTimeLimitCRUD(t *testing.T, w *world) {
	db := w.db
	ctx := sys()
	before := count(t, db, "time_limits")
	good := category.TimeLimitInput{CategoryCode: "e06010", Urgency: category.Urgent, Step: category.StepHandle, Limit: "2wh", Note: "城市标准"}
	p, err := w.svc.CreateTimeLimit(ctx, good)
	if err != nil || p.CategoryCode != "E06010" || p.Limit.String() != "2wh" || p.Tier != "" || !p.CreatedAt.Equal(testNow) {
		t.Fatalf("create: %+v, %v", p, err)
	}
	for _, tc := range []struct {
		in    category.TimeLimitInput
		code  apperr.Code
		field string
	}{
		{category.TimeLimitInput{Step: "close", Limit: "1h"}, apperr.Invalid, "step"},
		{category.TimeLimitInput{Step: category.StepHandle, Limit: "1 hour"}, apperr.Invalid, "limit"},
		{category.TimeLimitInput{Step: category.StepHandle, Limit: ""}, apperr.Invalid, "limit"},
		{category.TimeLimitInput{Step: category.StepHandle, Urgency: "high", Limit: "1h"}, apperr.Invalid, "urgency"},
		{category.TimeLimitInput{Step: category.StepHandle, Tier: "province", Limit: "1h"}, apperr.Invalid, "tier"},
		{category.TimeLimitInput{CategoryCode: "E99999", Step: category.StepHandle, Limit: "1h"}, apperr.Invalid, "category_code"},
		{good, apperr.Conflict, "step"},
	} {
		_, err := w.svc.CreateTimeLimit(ctx, tc.in)
		wantErr(t, err, tc.code, tc.field)
	}
	// Rows for "any" count as one value in the uniqueness check.
	anyRow := category.TimeLimitInput{Step: category.StepVerify, Limit: "2h"}
	if _, err := w.svc.CreateTimeLimit(ctx, anyRow); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.CreateTimeLimit(ctx, anyRow)
	wantErr(t, err, apperr.Conflict, "step")
	if n := count(t, db, "time_limits"); n != before+2 {
		t.Fatalf("policies after bad input: %d", n)
	}

	p, err = w.svc.UpdateTimeLimit(ctx, p.ID, category.TimeLimitUpdate{Limit: ptr("3wh"), Note: ptr("修订")})
	if err != nil || p.Limit.String() != "3wh" || p.Note != "修订" {
		t.Fatalf("update: %+v, %v", p, err)
	}
	_, err = w.svc.UpdateTimeLimit(ctx, p.ID, category.TimeLimitUpdate{Limit: ptr("3x")})
	wantErr(t, err, apperr.Invalid, "limit")
	if got, err := w.svc.FindTimeLimitByID(ctx, p.ID); err != nil || got.Limit.String() != "3wh" {
		t.Fatalf("find after bad update: %+v, %v", got, err)
	}
	if err := w.svc.DeleteTimeLimit(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.FindTimeLimitByID(ctx, p.ID)
	wantErr(t, err, apperr.NotFound, "")
	err = w.svc.DeleteTimeLimit(ctx, p.ID)
	wantErr(t, err, apperr.NotFound, "")
}
