package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
)

// postMultipart sends a form as multipart/form-data with an optional photo,
// with the last page's CSRF token unless the form sets "csrf".
func (b *browser) postMultipart(path string, form url.Values, photo []byte) page {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if photo != nil {
		fw, _ := mw.CreateFormFile("photo", "photo.jpg")
		fw.Write(photo)
	} else {
		mw.WriteField("photo", "") // an empty file input, as browsers send it
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

var keyRE = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]+)"`)

// countCases counts every case, as the system.
func (w *caseWorld) countCases(t *testing.T) int {
	t.Helper()
	_, n, err := w.cases.FindCases(auth.WithActor(context.Background(), auth.SystemActor()), cases.CaseFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// countAttachments counts every uploaded photo.
func (w *caseWorld) countAttachments(t *testing.T) int {
	t.Helper()
	var n int
	if err := w.db.QueryRow(context.Background(), `SELECT count(*) FROM attachments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestResidentReportForm(t *testing.T) {
	w := pageWorld(t)
	b := newBrowser(t, w.srv.URL)
	b.signIn("resident")

	p := b.get("/r/report")
	if p.status != 200 {
		t.Fatalf("report form: %d %s", p.status, p.body)
	}
	unit := "u" + strconv.FormatInt(w.unit.ID, 10)
	wantContains(t, "report form", p.body, `name="category" value="LS0501"`, `value="`+unit+`"`, "27号楼 1单元",
		`<svg class="map"`, "水韵社区第1网格", `enctype="multipart/form-data"`, `data-draft="report"`, `<label for="description">`)
	key := keyRE.FindStringSubmatch(p.body)
	if key == nil {
		t.Fatal("no idempotency key in the form")
	}

	// Bad input: every error beside its field, the typed text kept, the key
	// kept, nothing written (no case, no photo).
	bad := url.Values{"idempotency_key": {key[1]}, "description": {"楼道灯 <不亮>"}, "public": {"on"}}
	p = b.postMultipart("/r/report", bad, testJPEG(t))
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad report: %d", p.status)
	}
	wantContains(t, "bad report", p.body, `id="category-err"`, "请选择问题类型", `id="place-err"`, "请选择楼栋或在地图上点选位置",
		"楼道灯 &lt;不亮&gt;", `name="idempotency_key" value="`+key[1]+`"`, `id="public" name="public" checked`, `aria-invalid="true"`)
	if n := w.countCases(t); n != 0 {
		t.Errorf("bad report wrote %d cases", n)
	}
	if n := w.countAttachments(t); n != 0 {
		t.Errorf("bad report stored %d photos", n)
	}
	// A file that is no photo: the media checks' error beside the photo
	// input, nothing stored.
	p = b.postMultipart("/r/report", url.Values{"idempotency_key": {key[1]}, "category": {"LS0502"}, "place": {"u" + strconv.FormatInt(w.unit.ID, 10)}},
		[]byte("%PDF-1.4 not a photo"))
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="photo-err"`) {
		t.Errorf("a PDF as the photo: %d", p.status)
	}
	if n, a := w.countCases(t), w.countAttachments(t); n != 0 || a != 0 {
		t.Errorf("a PDF as the photo wrote %d cases and %d photos", n, a)
	}
	// The service's own checks land beside the fields too: a retired
	// category code and a point outside every region.
	p = b.postMultipart("/r/report", url.Values{"idempotency_key": {key[1]}, "category": {"NOPE"}, "lon": {"10"}, "lat": {"10"}}, nil)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="category-err"`) {
		t.Errorf("unknown category: %d", p.status)
	}

	// No CSRF token: refused, nothing written.
	if p := b.postMultipart("/r/report", url.Values{"csrf": {""}, "idempotency_key": {key[1]}, "category": {"LS0502"}, "place": {unit}}, nil); p.status != http.StatusForbidden {
		t.Errorf("report without a token: %d", p.status)
	}
	if n := w.countCases(t); n != 0 {
		t.Errorf("refused reports wrote %d cases", n)
	}

	// A good report with a photo: the case's page.
	b.get("/r/report")
	good := url.Values{"idempotency_key": {key[1]}, "category": {"LS0502"}, "place": {unit}, "description": {"1单元3楼楼道灯不亮"}}
	p = b.postMultipart("/r/report", good, testJPEG(t))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/r/cases/") {
		t.Fatalf("good report: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	casePath := p.header.Get("Location")
	p = b.get(casePath)
	wantContains(t, "case page", p.body, "已收到您的反映", `data-clear-draft="report"`, "1单元3楼楼道灯不亮", "楼道照明损坏", "水韵名都 27号楼 1单元",
		`<img src="/api/v1/photos/`, "已上报", `<ol class="timeline">`)
	if n := w.countCases(t); n != 1 {
		t.Fatalf("%d cases after one report", n)
	}

	// The same form sent again (the answer was lost): with its photo
	// uploaded again the key's first case stands; with the photo's id (as
	// app.js sends it) it is the same case. Never a second case.
	p = b.postMultipart("/r/report", good, testJPEG(t))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/r" {
		t.Errorf("resend with the photo again: %d %q", p.status, p.header.Get("Location"))
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(casePath, "/r/cases/"), 10, 64)
	c, err := w.cases.FindCaseByID(auth.WithActor(context.Background(), auth.SystemActor()), id)
	if err != nil {
		t.Fatal(err)
	}
	again := url.Values{"idempotency_key": {key[1]}, "category": {"LS0502"}, "place": {unit}, "description": {"1单元3楼楼道灯不亮"},
		"attachments": {strconv.FormatInt(c.Attachments[0], 10)}}
	if p := b.postMultipart("/r/report", again, nil); p.header.Get("Location") != casePath {
		// The first submission's attachments were the uploaded photo; the
		// JS path posts its id, so the payload matches.
		t.Errorf("resend with the photo's id: %d %q, want %q", p.status, p.header.Get("Location"), casePath)
	}
	if n := w.countCases(t); n != 1 {
		t.Errorf("%d cases after resends, want 1", n)
	}

	// My cases list it; the form now preselects the building's unit.
	wantContains(t, "my cases", b.get("/r").body, casePath, "1单元3楼楼道灯不亮", c.Number)
	if p := b.get("/r/report"); !strings.Contains(p.body, `value="`+unit+`" selected`) {
		t.Error("the last report's unit is not preselected")
	}

	// Another resident's case is not found; staff are sent away.
	if p := b.get("/r/cases/999999"); p.status != http.StatusNotFound {
		t.Errorf("unknown case: %d", p.status)
	}
	gw := newBrowser(t, w.srv.URL)
	gw.signIn("gw_a1")
	if p := gw.get("/r/report"); p.status != http.StatusForbidden {
		t.Errorf("grid worker on the resident form: %d", p.status)
	}
	if p := newBrowser(t, w.srv.URL).get("/r"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/login?next=%2Fr" {
		t.Errorf("anonymous /r: %d %q", p.status, p.header.Get("Location"))
	}

	// English: the errors in English.
	b.get("/lang/en?next=/r")
	b.get("/r/report")
	p = b.postMultipart("/r/report", url.Values{"idempotency_key": {"k2"}}, nil)
	wantContains(t, "English errors", p.body, "choose what the problem is", "choose a building or tap the place on the map")
}

func TestResidentRatesAndReopens(t *testing.T) {
	w := pageWorld(t)
	b := newBrowser(t, w.srv.URL)
	b.signIn("resident")
	b.get("/r/report")
	unit := "u" + strconv.FormatInt(w.unit.ID, 10)
	p := b.postMultipart("/r/report", url.Values{"idempotency_key": {"rate-1"}, "category": {"LS0502"}, "place": {unit}}, nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("report: %d %s", p.status, p.body)
	}
	casePath := p.header.Get("Location")
	id, _ := strconv.ParseInt(strings.TrimPrefix(casePath, "/r/cases/"), 10, 64)

	// The grid worker solves it on the spot; the dispatcher verifies.
	gw := w.login(t, "gw_a1")
	gw.act(t, id, 200, `{"action":"self_handle","version":1,"note":"已更换灯泡"}`)
	d := w.login(t, "dispatcher")
	d.act(t, id, 200, `{"action":"verify_ok","version":2}`)

	p = b.get(casePath)
	wantContains(t, "verified case", p.body, `action="`+casePath+`/rate"`, "已更换灯泡", "已核查")
	if strings.Contains(p.body, `/reopen"`) {
		t.Error("reopen offered before closing")
	}
	// Bad rating: both errors beside their fields, the comment kept,
	// nothing written.
	p = b.post(casePath+"/rate", url.Values{"version": {"3"}, "comment": {"还行"}})
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad rating: %d", p.status)
	}
	wantContains(t, "bad rating", p.body, `id="satisfaction-err"`, `id="stars-err"`, ">还行</textarea>")
	c, _ := w.cases.FindCaseByID(auth.WithActor(context.Background(), auth.SystemActor()), id)
	if c.State != cases.Verified || c.Rating != nil {
		t.Fatalf("bad rating wrote: %s %+v", c.State, c.Rating)
	}
	// A stale version: the form again with the conflict above it.
	p = b.post(casePath+"/rate", url.Values{"version": {"1"}, "satisfaction": {"basic"}, "stars": {"4"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, `class="alert"`) {
		t.Errorf("stale rating: %d", p.status)
	}
	// Unsatisfied, two stars: closed; now it may be reopened.
	p = b.post(casePath+"/rate", url.Values{"version": {"3"}, "satisfaction": {"unsatisfied"}, "stars": {"2"}, "comment": {"灯还是不亮"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("rating: %d %s", p.status, p.body)
	}
	p = b.get(casePath)
	wantContains(t, "closed case", p.body, "感谢您的评价", "不满意", "2 星", "灯还是不亮", "已结案", `action="`+casePath+`/reopen"`)
	p = b.post(casePath+"/reopen", url.Values{"version": {"4"}, "reason": {""}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="reason-err"`) {
		t.Errorf("reopen without a reason: %d", p.status)
	}
	p = b.post(casePath+"/reopen", url.Values{"version": {"4"}, "reason": {"灯还是不亮"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("reopen: %d %s", p.status, p.body)
	}
	c, _ = w.cases.FindCaseByID(auth.WithActor(context.Background(), auth.SystemActor()), id)
	if c.State != cases.Registered || c.Reopened != 1 {
		t.Errorf("after reopening: %s, reopened %d", c.State, c.Reopened)
	}
}

func TestAnonymousReportAndPublicPages(t *testing.T) {
	w := pageWorld(t)
	b := newBrowser(t, w.srv.URL)
	wantContains(t, "community search", b.get("/report?q="+url.QueryEscape("水韵")).body, `href="/report?c=330110001001"`)
	p := b.get("/report?c=330110001001")
	wantContains(t, "anonymous form", p.body, "水韵社区", `name="reporter_phone"`, `name="c" value="330110001001"`, `data-draft="report-330110001001"`,
		`<select id="category-all" name="category">`, "<template>")
	key := keyRE.FindStringSubmatch(p.body)[1]
	if p := b.get("/report?c=999"); p.status != http.StatusNotFound {
		t.Errorf("unknown community: %d", p.status)
	}

	// No phone, a bad point: errors beside the fields, nothing written.
	p = b.postMultipart("/report", url.Values{"c": {"330110001001"}, "idempotency_key": {key}, "category": {"LS0503"}, "lon": {"120.03"}}, nil)
	if p.status != http.StatusBadRequest {
		t.Fatalf("anonymous without a phone: %d", p.status)
	}
	wantContains(t, "anonymous without a phone", p.body, `id="reporter_phone-err"`, "请留下手机号码", `id="place-err"`, `value="LS0503" checked`)
	p = b.postMultipart("/report", url.Values{"c": {"330110001001"}, "idempotency_key": {key}, "category": {"LS0503"},
		"lon": {"120.03"}, "lat": {"30.05"}, "reporter_phone": {"12345"}}, nil)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="reporter_phone-err"`) {
		t.Errorf("bad phone: %d", p.status)
	}
	if n := w.countCases(t); n != 0 {
		t.Fatalf("bad anonymous reports wrote %d cases", n)
	}

	// A good one, public, with a point on the map: its public page.
	// (The category comes from the select that stands in for the tiles
	// without JavaScript; the tiles sent nothing.)
	p = b.postMultipart("/report", url.Values{"c": {"330110001001"}, "idempotency_key": {key}, "category": {"", "LS0503"},
		"lon": {"120.03"}, "lat": {"30.05"}, "reporter_phone": {"13912345678"}, "reporter_name": {"王女士"},
		"description": {"楼下饭店深夜噪音"}, "public": {"on"}}, nil)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/p/cases/GW") {
		t.Fatalf("anonymous report: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	pub := b.get(p.header.Get("Location"))
	wantContains(t, "public case page", pub.body, "已收到您的反映", "噪音扰民", "水韵社区第1网格", "已上报", "匿名居民")
	for _, secret := range []string{"13912345678", "王女士", "楼下饭店深夜噪音", "1391"} {
		if strings.Contains(pub.body, secret) {
			t.Errorf("the public page shows %q", secret)
		}
	}
	if p := b.get("/p/cases/GW20990101-000001"); p.status != http.StatusNotFound {
		t.Errorf("unknown number: %d", p.status)
	}

	// The public map: counts per grid, the public case as a point linking
	// to its page.
	m := b.get("/p/map/330110001001")
	if m.status != 200 {
		t.Fatalf("public map: %d %s", m.status, m.body)
	}
	wantContains(t, "public map", m.body, "水韵社区第1网格", "水韵社区第2网格", `class="case-open"`, `href="`+p.header.Get("Location")+`"`,
		"办理中 1 件")
	if strings.Contains(m.body, "13912345678") || strings.Contains(m.body, "王女士") {
		t.Error("the public map shows personal data")
	}
	if p := b.get("/p/map/330110"); p.status != http.StatusNotFound {
		t.Errorf("a county's map: %d", p.status)
	}

	// The intake limit per address covers the page as it covers the API.
	limited := false
	for i := range 12 {
		p := b.postMultipart("/report", url.Values{"c": {"330110001001"}, "idempotency_key": {fmt.Sprint("lim-", i)}}, nil)
		if p.status == http.StatusTooManyRequests {
			limited = strings.Contains(p.body, "提交过于频繁")
			break
		}
	}
	if !limited {
		t.Error("anonymous reports are not rate-limited")
	}
}
