package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// findChromium returns the browser to drive: Debian's chromium (which
// .ci/run installs), or another Chrome on the PATH. With
// GRIDWORK_REQUIRE_BROWSER=1 a missing browser fails the test instead of
// skipping it.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("GRIDWORK_REQUIRE_BROWSER") == "1" {
		t.Fatal("no chromium found and GRIDWORK_REQUIRE_BROWSER=1: install it (apt-get install -y chromium)")
	}
	t.Skip("no chromium found; set GRIDWORK_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// chrome is one browser tab of the test, with what it logged.
type chrome struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string // screenshots
	shot int

	axe     string // axe-core's script when GRIDWORK_AXE names it, "" otherwise
	axeRuns int

	mu     sync.Mutex
	errors []string // console errors, CSP violations, uncaught exceptions
}

// viewports are the sizes every page is photographed at.
var viewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{{"phone", 360, 740, true}, {"desktop", 1366, 900, false}}

func newChrome(t *testing.T, base string) *chrome {
	exe := findChromium(t)
	dir := os.Getenv("GRIDWORK_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	c := &chrome{t: t, ctx: ctx, base: base, dir: dir}
	if path := os.Getenv("GRIDWORK_AXE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("GRIDWORK_AXE: %v", err)
		}
		c.axe = string(b)
	}
	if err := chromedp.Do(ctx); err != nil { // starts the browser and the tab
		t.Fatalf("start chromium: %v", err)
	}
	logs := chromedp.Events(ctx, cdplog.EntryAdded)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for ev, err := range logs {
			if err != nil {
				return
			}
			if ev.Entry.Level == cdplog.EntryLevelError || strings.Contains(ev.Entry.Text, "Content Security Policy") {
				c.mu.Lock()
				c.errors = append(c.errors, ev.Entry.URL+": "+ev.Entry.Text)
				c.mu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.errors = append(c.errors, "exception: "+ev.ExceptionDetails.Text)
			c.mu.Unlock()
		}
	}()
	t.Logf("screenshots in %s", dir)
	return c
}

// do runs actions or fails the test, saying what was being done.
func (c *chrome) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, actions...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](c *chrome, expr string) T {
	c.t.Helper()
	v, err := chromedp.Run(c.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		c.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// open loads a page and waits for it.
func (c *chrome) open(path string) {
	c.t.Helper()
	c.do("open "+path, chromedp.Navigate(c.base+path), chromedp.WaitReady(chromedp.CSS("footer")))
}

// waitPath waits until the tab is on a page whose path starts with prefix
// ("/" means the home page itself) and has loaded (after a form's
// submission and its redirect).
func (c *chrome) waitPath(prefix string) string {
	c.t.Helper()
	match := func(loc string) bool { return strings.HasPrefix(loc, prefix) }
	if prefix == "/" {
		match = func(loc string) bool { return loc == "/" }
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		loc, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.pathname + location.search : ""`))
		if err == nil && match(loc) {
			return loc
		}
		time.Sleep(50 * time.Millisecond)
	}
	loc, _ := chromedp.Run(c.ctx, chromedp.Location())
	c.t.Fatalf("waited for %s, still on %s", prefix, loc)
	return ""
}

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  int    `json:"nodes"`
}

// checkAxe runs axe-core (WCAG 2.1 A and AA, and best practices) on the
// current page when GRIDWORK_AXE names its script, and fails on any
// serious or critical violation. The script is evaluated through the
// DevTools protocol, which the page's CSP does not govern.
func (c *chrome) checkAxe(name string) {
	c.t.Helper()
	if c.axe == "" {
		return
	}
	if _, err := chromedp.Run(c.ctx, chromedp.Evaluate[chromedp.Void](c.axe)); err != nil {
		c.t.Fatalf("load axe-core: %v", err)
	}
	vs, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.length})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("run axe-core: %v", err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			c.t.Errorf("axe on %s: %s (%s, %d elements): %s", name, v.ID, v.Impact, v.Nodes, v.Help)
		} else {
			c.t.Logf("axe on %s: %s (%s, %d elements): %s", name, v.ID, v.Impact, v.Nodes, v.Help)
		}
	}
	c.axeRuns++
}

// screenshot photographs the current page at phone and desktop size (and
// runs axe-core on it, when configured) and goes back to the phone's size,
// where the test acts.
func (c *chrome) screenshot(name string) {
	c.t.Helper()
	c.checkAxe(name)
	c.shot++
	for _, v := range viewports {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if v.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		c.do("viewport", chromedp.EmulateViewport(v.width, v.height, opts...))
		buf, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(80))
		if err != nil {
			c.t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(c.dir, fmt.Sprintf("%02d-%s-%s.jpg", c.shot, name, v.name))
		if err := os.WriteFile(file, buf, 0o644); err != nil {
			c.t.Fatal(err)
		}
	}
	c.do("viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(1), chromedp.EmulateMobile))
}

// text returns the text of the first element matching a CSS selector.
func (c *chrome) text(sel string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		c.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// signIn signs in through the sign-in page.
func (c *chrome) signIn(username string) {
	c.t.Helper()
	c.open("/login")
	c.do("sign in as "+username,
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("form.form button[type=submit]")))
}

// signOut signs out with the header's button.
func (c *chrome) signOut() {
	c.t.Helper()
	c.do("sign out", chromedp.Click(chromedp.CSS(".tools button.link")))
	c.waitPath("/")
}

// submitAndWait clicks a submit button and waits for the next page to
// load, which may have the same path.
func (c *chrome) submitAndWait(what, sel string) {
	c.t.Helper()
	eval[bool](c, `window.gwOld = true`)
	c.do(what, chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(10 * time.Second)
	for !eval[bool](c, `window.gwOld === undefined && document.readyState === "complete"`) {
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: the next page did not load", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// act opens a staff console's form for an action on the case page shown,
// lets fill complete it, sends it and checks the notice of success.
func (c *chrome) act(action string, fill ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	form := `details:has(input[name=action][value=` + action + `])`
	c.do("open "+action, chromedp.Click(chromedp.CSS(form+" > summary")))
	if len(fill) > 0 {
		c.do("fill "+action, fill...)
	}
	c.submitAndWait("send "+action, form+" button[type=submit]")
	if n := eval[int](c, `document.querySelectorAll(".flash").length`); n == 0 {
		c.t.Fatalf("%s: no notice of success (%s)", action, eval[string](c, `(document.querySelector(".alert")||{}).textContent||""`))
	}
}

// TestBrowserStory plays the case loop in a real browser: a resident signs
// in and reports with a photo (the form surviving a reload on the way) and
// a second problem placed by a tap on the map; on the staff consoles the
// dispatcher registers and dispatches the first to the grid worker and
// escalates the second, the grid worker accepts and feeds back, the
// dispatcher verifies; the resident rates on the page; the public case page
// and map and the anonymous form are shown. Every page is photographed at phone and
// desktop size; no page may log a console error or a CSP violation.
func TestBrowserStory(t *testing.T) {
	w := pageWorld(t)
	c := newChrome(t, w.srv.URL)
	photo := filepath.Join(t.TempDir(), "stairwell.jpg")
	if err := os.WriteFile(photo, testJPEG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	c.do("phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(1), chromedp.EmulateMobile))

	// The front door and sign-in.
	c.open("/")
	c.screenshot("home")
	c.open("/login")
	c.screenshot("login")
	c.do("sign in",
		chromedp.SendKeys(chromedp.CSS("#username"), "resident"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("form.form button[type=submit]")))
	c.waitPath("/r")

	// Step 1 (what): search the picker, choose; the draft survives a reload.
	c.open("/r/report")
	c.screenshot("report-form")
	key := eval[string](c, `document.querySelector("input[name=idempotency_key]").value`)
	c.do("search the picker", chromedp.SendKeys(chromedp.CSS("#cat-q"), "楼道照明"))
	if n := eval[int](c, `document.querySelectorAll("#cat-list .choice:not([hidden])").length`); n < 1 || n > 3 {
		t.Errorf("the search left %d choices", n)
	}
	c.do("choose the category", chromedp.Click(chromedp.CSS(`label.choice:has(input[value="LS0502"])`)))
	c.do("describe", chromedp.SendKeys(chromedp.CSS("#description"), "1单元3楼楼道灯不亮"))
	c.do("reload", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("footer")))
	if got := eval[string](c, `(document.querySelector("input[name=category]:checked")||{}).value || ""`); got != "LS0502" {
		t.Errorf("after a reload the category is %q, want LS0502", got)
	}
	if got := eval[string](c, `document.querySelector("input[name=idempotency_key]").value`); got != key {
		t.Errorf("after a reload the idempotency key is %q, want the first %q", got, key)
	}
	if got := eval[string](c, `document.querySelector("#description").value`); got != "1单元3楼楼道灯不亮" {
		t.Errorf("after a reload the description is %q", got)
	}
	// Step 2 (where): the building's unit. Step 3: the photo, uploaded at
	// once by app.js.
	c.do("choose the unit", chromedp.SetValue(chromedp.CSS("#place"), fmt.Sprintf("u%d", w.unit.ID)))
	c.do("photo", chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}))
	deadline := time.Now().Add(10 * time.Second)
	for eval[string](c, `document.querySelector("#attachments").value`) == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the photo was not uploaded: %q", c.text("#photo-status"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.screenshot("report-filled")
	c.do("send", chromedp.Click(chromedp.CSS("form.form button[type=submit].primary")))
	casePath := c.waitPath("/r/cases/")
	c.screenshot("report-received")
	if got := c.text(".flash"); !strings.Contains(got, "已收到") {
		t.Errorf("flash after reporting: %q", got)
	}
	if n := eval[int](c, `document.querySelectorAll("main > p.photos img").length`); n != 1 {
		t.Errorf("%d photos on the case page, want 1", n)
	}
	if d := eval[string](c, `localStorage.getItem("gw-draft:report") || ""`); d != "" {
		t.Errorf("the draft was kept after sending: %s", d)
	}
	var id int64
	fmt.Sscanf(strings.TrimPrefix(casePath, "/r/cases/"), "%d", &id)

	// A second report, placed by a tap on the map, for the dispatcher to
	// escalate. A closed class makes its tiles when opened.
	c.open("/r/report")
	c.do("open a class", chromedp.Click(chromedp.CSS(`details.group > summary`)))
	// (The toggle event, which makes the tiles, comes a task after the click.)
	for deadline := time.Now().Add(3 * time.Second); eval[int](c, `document.querySelectorAll("details.group[open] .choice").length`) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("an opened class shows no categories")
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.do("choose", chromedp.Click(chromedp.CSS(`label.choice:has(input[value="LS0503"])`)))
	box := eval[[]float64](c, `(function(){var r=document.querySelector(".map").getBoundingClientRect();window.scrollTo(0, r.top+window.scrollY-100);r=document.querySelector(".map").getBoundingClientRect();return [r.left,r.top,r.width,r.height]})()`)
	c.do("tap the map", chromedp.MouseClickXY(box[0]+box[2]*0.25, box[1]+box[3]*0.5))
	if lon := eval[string](c, `document.querySelector("#lon").value`); lon == "" || c.text("#map-status") == "" {
		t.Fatalf("the tap set no point (lon %q)", lon)
	}
	c.screenshot("report-map-tap")
	c.do("send", chromedp.Click(chromedp.CSS("form.form button[type=submit].primary")))
	second := c.waitPath("/r/cases/")
	var id2 int64
	fmt.Sscanf(strings.TrimPrefix(second, "/r/cases/"), "%d", &id2)
	if id2 == id {
		t.Fatal("the second report returned the first case")
	}
	c.signOut()

	// The dispatcher registers and dispatches the first case to the grid
	// worker, and escalates the second, on the console.
	c.signIn("dispatcher")
	c.waitPath("/d")
	dpath := fmt.Sprintf("/d/cases/%d", id)
	c.open(dpath)
	c.act("register")
	c.open(dpath)
	c.act("dispatch", chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=assignee][value="u:%d"]`, w.users["gw_a1"]))))
	c.open(fmt.Sprintf("/d/cases/%d", id2))
	c.act("escalate", chromedp.SendKeys(chromedp.CSS(`#reason-escalate`), "涉及多个网格，需社区统筹"))
	esc, err := w.cases.FindCaseByID(systemCtx(), id2)
	if err != nil {
		t.Fatal(err)
	}
	if esc.Tier != "community" || esc.GridID != w.regions["330110001001001"].ID {
		t.Errorf("escalated case: tier %s grid %d", esc.Tier, esc.GridID)
	}
	c.signOut()

	// The grid worker accepts and feeds back on the phone.
	c.signIn("gw_a1")
	c.waitPath("/w")
	wpath := fmt.Sprintf("/w/cases/%d", id)
	c.open(wpath)
	c.act("accept")
	c.open(wpath)
	c.act("feedback", chromedp.SendKeys(chromedp.CSS(`#note-feedback`), "已更换楼道灯泡"))
	c.signOut()

	// The dispatcher verifies (someone other than the handler).
	c.signIn("dispatcher")
	c.waitPath("/d")
	c.open(dpath)
	c.act("verify_ok")
	if got, _ := w.cases.FindCaseByID(systemCtx(), id); got.State != "verified" {
		t.Fatalf("after the staff steps the case is %s, want verified", got.State)
	}
	c.signOut()

	// The resident rates on the page.
	c.signIn("resident")
	c.waitPath("/r")
	c.screenshot("my-cases")
	c.open(casePath)
	c.screenshot("case-verified")
	c.do("rate",
		chromedp.Click(chromedp.CSS(`input[name=satisfaction][value=satisfied]`)),
		chromedp.Click(chromedp.CSS(`label[for="star-5"]`)),
		chromedp.SendKeys(chromedp.CSS("#comment"), "很及时，谢谢"),
		chromedp.Click(chromedp.CSS("#rate button[type=submit]")))
	c.waitPath(casePath)
	c.do("wait for the notice", chromedp.WaitVisible(chromedp.CSS(".flash")))
	c.screenshot("case-rated")
	if got := c.text(".badge"); got != "已结案" {
		t.Errorf("state after rating: %q", got)
	}
	c.open(second)
	c.screenshot("case-escalated")

	// Public pages, seen by anyone.
	number := eval[string](c, `document.querySelector("main .meta").textContent.split(" ").pop()`)
	c.signOut()
	c.open("/p/cases/" + number)
	c.screenshot("public-case")
	c.open("/p/map/330110001001")
	c.screenshot("public-map")
	c.open("/report?c=330110001001")
	c.screenshot("anonymous-report")
	c.open("/lang/en?next=/report%3Fc%3D330110001001")
	c.screenshot("anonymous-report-en")

	if c.axe != "" {
		t.Logf("axe-core checked %d pages", c.axeRuns)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errors {
		t.Errorf("browser: %s", e)
	}
}
