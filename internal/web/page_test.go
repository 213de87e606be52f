package web_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// browser is a page client: a cookie jar, no automatic redirects, and the
// CSRF token of the last page it read.
type browser struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
	lang string // Accept-Language, "" for none
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is one response.
type page struct {
	status int
	body   string
	header http.Header
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, body: string(body), header: resp.Header}
	if m := csrfRE.FindStringSubmatch(p.body); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends a form with the last page's CSRF token (unless the form sets
// its own "csrf", possibly empty).
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs in through the sign-in page.
func (b *browser) signIn(username string) {
	b.t.Helper()
	b.get("/login")
	if p := b.post("/login", url.Values{"username": {username}, "password": {testPassword}}); p.status != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: %d %s", username, p.status, p.body)
	}
}

// pageWorld is a case world on SQLite: page tests exercise rendering and
// forms; the services under them are tested on both engines elsewhere.
func pageWorld(t *testing.T) *caseWorld {
	c := newClock(time.Date(2026, 3, 9, 9, 0, 0, 0, shanghai))
	return newCaseWorld(t, sqldbtest.SQLite(t, sqldbtest.Options{Now: c.Now}), c)
}

func wantContains(t *testing.T, what, body string, frags ...string) {
	t.Helper()
	for _, f := range frags {
		if !strings.Contains(body, f) {
			t.Errorf("%s: missing %q in\n%s", what, f, body)
		}
	}
}

func TestPagesHeadersLanguageAndStatic(t *testing.T) {
	w := pageWorld(t)
	b := newBrowser(t, w.srv.URL)
	p := b.get("/")
	if p.status != 200 {
		t.Fatalf("home: %d", p.status)
	}
	csp := p.header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	if cc := p.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("page Cache-Control = %q", cc)
	}
	wantContains(t, "home in Chinese", p.body, `<html lang="zh-CN">`, "网格化服务管理", `href="/login"`, `hx-headers='{"X-CSRF-Token":"`)
	if strings.Contains(p.body, "<script>") || strings.Contains(p.body, " style=") || strings.Contains(p.body, " onclick=") {
		t.Error("page has inline script or style")
	}

	// The hashed stylesheet is cached for a year; the plain name revalidates.
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(p.body)
	if css == nil {
		t.Fatal("no hashed stylesheet link")
	}
	s := b.get(css[1])
	if s.status != 200 || !strings.Contains(s.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(s.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %v", s.status, s.header)
	}
	if s := b.get("/static/app.css"); s.status != 200 || s.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("plain stylesheet: %d %q", s.status, s.header.Get("Cache-Control"))
	}
	// Text is sent gzipped to clients that take it (Go's client asks, and
	// unzips, unless the request names its own Accept-Encoding).
	for _, path := range []string{css[1], "/login"} {
		req, _ := http.NewRequest("GET", w.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "br, gzip")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: Content-Encoding %q", path, resp.Header.Get("Content-Encoding"))
		}
	}
	if s := b.get("/static/nope.js"); s.status != 404 {
		t.Errorf("unknown static file: %d", s.status)
	}

	// The switch stores the language and returns to the page; a foreign
	// next is refused.
	sw := b.get("/lang/en?next=" + url.QueryEscape("/login"))
	if sw.status != http.StatusSeeOther || sw.header.Get("Location") != "/login" {
		t.Fatalf("switch: %d %q", sw.status, sw.header.Get("Location"))
	}
	p = b.get("/login")
	wantContains(t, "sign-in page in English", p.body, `<html lang="en">`, "Username", "Password", `href="/lang/zh?next=%2Flogin"`)
	if sw := b.get("/lang/zh?next=" + url.QueryEscape("//evil.example/")); sw.header.Get("Location") != "/" {
		t.Errorf("foreign next kept: %q", sw.header.Get("Location"))
	}
	if sw := b.get("/lang/fr"); sw.status != 404 {
		t.Errorf("unknown language: %d", sw.status)
	}
	p = b.get("/login")
	wantContains(t, "sign-in page back in Chinese", p.body, `<html lang="zh-CN">`, "用户名")

	// Without a cookie, Accept-Language decides.
	en := newBrowser(t, w.srv.URL)
	en.lang = "en-GB,en;q=0.9"
	wantContains(t, "home for an English browser", en.get("/").body, `<html lang="en">`, "Grid-based community service")
}

func TestSignInForm(t *testing.T) {
	w := pageWorld(t)
	b := newBrowser(t, w.srv.URL)
	b.get("/login")

	// Empty fields: both errors beside their fields, nothing else.
	p := b.post("/login", url.Values{"username": {""}, "password": {""}})
	if p.status != http.StatusBadRequest {
		t.Fatalf("empty form: %d", p.status)
	}
	wantContains(t, "empty form", p.body, `id="username-err"`, "请输入用户名", `id="password-err"`, "请输入密码", `aria-invalid="true"`)

	// A wrong password: the form again, the username kept, the password not.
	p = b.post("/login", url.Values{"username": {"resident"}, "password": {"wrong-Passw0rd"}})
	if p.status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", p.status)
	}
	wantContains(t, "wrong password", p.body, "用户名或密码错误", `value="resident"`)
	if strings.Contains(p.body, "wrong-Passw0rd") {
		t.Error("the password was echoed")
	}

	// No token, or another browser's token: refused, nobody signed in.
	other := newBrowser(t, w.srv.URL)
	other.get("/login")
	for name, tok := range map[string]string{"missing": "", "foreign": other.csrf} {
		p = b.post("/login", url.Values{"csrf": {tok}, "username": {"resident"}, "password": {testPassword}})
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "页面已过期") {
			t.Errorf("%s token: %d", name, p.status)
		}
		if b.get("/me").status != http.StatusSeeOther || !strings.HasPrefix(b.get("/me").header.Get("Location"), "/login") {
			t.Errorf("%s token signed in", name)
		}
	}

	// Signed in: to the role's home, or to where the user was going.
	b.get("/login")
	p = b.post("/login", url.Values{"username": {"resident"}, "password": {testPassword}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/r" {
		t.Fatalf("resident sign-in: %d %q", p.status, p.header.Get("Location"))
	}
	if p := b.get("/me"); p.header.Get("Location") != "/r" {
		t.Errorf("/me: %q", p.header.Get("Location"))
	}
	for user, home := range map[string]string{"gw_a1": "/w", "dispatcher": "/d", "secretary": "/d", "leader": "/d", "heating": "/w"} {
		s := newBrowser(t, w.srv.URL)
		s.get("/login?next=" + url.QueryEscape("https://evil.example/"))
		p := s.post("/login", url.Values{"username": {user}, "password": {testPassword}, "next": {"https://evil.example/"}})
		if p.header.Get("Location") != home {
			t.Errorf("%s goes to %q, want %q", user, p.header.Get("Location"), home)
		}
	}
	n := newBrowser(t, w.srv.URL)
	n.get("/login?next=/r/cases")
	if p := n.post("/login", url.Values{"username": {"resident"}, "password": {testPassword}, "next": {"/r/cases"}}); p.header.Get("Location") != "/r/cases" {
		t.Errorf("next: %q", p.header.Get("Location"))
	}

	// The session's forms carry a new token; the pre-session one is dead.
	old := b.csrf
	b.get("/")
	if b.csrf == old {
		t.Error("the CSRF token did not change at sign-in")
	}
	if p := b.post("/logout", url.Values{"csrf": {old}}); p.status != http.StatusForbidden {
		t.Errorf("sign-out with the pre-session token: %d", p.status)
	}
	if p := b.post("/logout", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", p.status)
	}
	p = b.get("/")
	wantContains(t, "after sign-out", p.body, "您已退出登录", `href="/login"`)
	if p := b.get("/me"); !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Errorf("still signed in after sign-out: %q", p.header.Get("Location"))
	}
}

// TestSessionExpiry: a page of a session idle for longer than the auth
// service allows sends the browser to sign in again, and forgets the cookie.
func TestSessionExpiry(t *testing.T) {
	w := pageWorld(t)
	b := newBrowser(t, w.srv.URL)
	b.signIn("resident")
	if p := b.get("/r"); p.status != 200 {
		t.Fatalf("/r: %d", p.status)
	}
	w.clock.Add(2*time.Hour + time.Minute) // past the idle timeout
	p := b.get("/r")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/login?next=%2Fr" {
		t.Fatalf("/r after the idle timeout: %d %q", p.status, p.header.Get("Location"))
	}
	if !strings.Contains(strings.Join(p.header.Values("Set-Cookie"), "\n"), "gw_session=;") {
		t.Errorf("the expired session cookie was not cleared: %q", p.header.Values("Set-Cookie"))
	}
	// The sign-in form still works for the anonymous browser.
	b.signIn("resident")
}
