package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// caseView is what the tests read of a case.
type caseView struct {
	ID           int64  `json:"id"`
	Number       string `json:"number"`
	State        string `json:"state"`
	Tier         string `json:"tier"`
	GridID       int64  `json:"grid_id"`
	DepartmentID int64  `json:"department_id"`
	Version      int64  `json:"version"`
	Light        string `json:"light"`
	Due          struct {
		Register *time.Time `json:"register"`
		Handle   *time.Time `json:"handle"`
	} `json:"due"`
}

func decodeCase(t *testing.T, body string) caseView {
	t.Helper()
	var c caseView
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("decode case: %v: %s", err, body)
	}
	return c
}

// act posts a transition and expects status want; it returns the case.
func (c *client) act(t *testing.T, id int64, want int, body string) caseView {
	t.Helper()
	st, resp := c.do("POST", fmt.Sprintf("/api/v1/cases/%d/actions", id), body)
	if st != want {
		t.Fatalf("act %s: %d %s, want %d", body, st, resp, want)
	}
	if st != 200 {
		return caseView{}
	}
	return decodeCase(t, resp)
}

// TestCaseStory plays the story of issue 3 through the API: at 22:40 on a
// Friday a resident of 水韵名都 27号楼 1单元 reports a leaking heating main
// flooding the stairwell; it routes to the building's grid; the branch
// secretary dispatches it to a party member, who accepts and brings in the
// heating company, which handles it and feeds back with a photo; the grid
// worker verifies; the resident rates it; the KPIs count it.
func TestCaseStory(t *testing.T) {
	reportedAt := time.Date(2026, 3, 6, 22, 40, 0, 0, shanghai) // a Friday
	engines(t, reportedAt, func(t *testing.T, w *caseWorld) {
		resident := w.login(t, "resident")
		report := fmt.Sprintf(`{"channel":"resident","category":"LE0102","urgency":"normal","title":"27号楼1单元楼道暖气管漏水",
			"description":"供热管道漏水，热水漫进楼道","building_id":%d,"unit_id":%d,"idempotency_key":"k-2026-03-06-2240"}`, w.building.ID, w.unit.ID)
		st, body := resident.do("POST", "/api/v1/cases", report)
		if st != 201 {
			t.Fatalf("report: %d %s", st, body)
		}
		c := decodeCase(t, body)
		if c.State != "reported" || c.Tier != "grid" || c.GridID != w.regions["330110001001001"].ID || c.DepartmentID != w.heating.ID {
			t.Fatalf("routed case = %+v, want reported at grid tier of 水韵社区第1网格 with the heating company suggested", c)
		}
		// A retried submission (flaky phone network) returns the same case.
		if st, body := resident.do("POST", "/api/v1/cases", report); st != 201 || decodeCase(t, body).ID != c.ID {
			t.Fatalf("retried report: %d %s, want the same case %d", st, body, c.ID)
		}
		// Register step: 30 min round the clock from 22:40.
		if c.Due.Register == nil || !c.Due.Register.Equal(reportedAt.Add(30*time.Minute)) {
			t.Errorf("register due %v, want %v", c.Due.Register, reportedAt.Add(30*time.Minute))
		}

		w.clock.Add(10 * time.Minute)
		sec := w.login(t, "secretary")
		c = sec.act(t, c.ID, 200, fmt.Sprintf(`{"action":"register","version":%d}`, c.Version))
		c = sec.act(t, c.ID, 200, fmt.Sprintf(`{"action":"dispatch","version":%d,"assignee_user_id":%d,"note":"请党员就近处理"}`, c.Version, w.users["member"]))
		if c.State != "dispatched" {
			t.Fatalf("after dispatch: %+v", c)
		}

		w.clock.Add(15 * time.Minute)
		member := w.login(t, "member")
		c = member.act(t, c.ID, 200, fmt.Sprintf(`{"action":"accept","version":%d}`, c.Version))
		c = member.act(t, c.ID, 200, fmt.Sprintf(`{"action":"involve","version":%d,"department_id":%d,"note":"已关阀，请供热公司抢修"}`, c.Version, w.heating.ID))

		w.clock.Add(2 * time.Hour)
		heating := w.login(t, "heating")
		st, body = heating.upload(testJPEG(t))
		if st != 201 {
			t.Fatalf("upload: %d %s", st, body)
		}
		var photo struct{ ID int64 }
		json.Unmarshal([]byte(body), &photo)
		c = heating.act(t, c.ID, 200, fmt.Sprintf(`{"action":"feedback","version":%d,"note":"漏点已焊补，恢复供热，楼道积水已清除","attachments":[%d]}`, c.Version, photo.ID))
		if c.State != "handled" {
			t.Fatalf("after feedback: %+v", c)
		}
		// The resident may see the photo of its case; the worker of the next grid may not.
		resident = w.login(t, "resident") // hours later: signed in again
		if st, _ := resident.do("GET", fmt.Sprintf("/api/v1/photos/%d", photo.ID), ""); st != 200 {
			t.Errorf("resident reads the feedback photo: %d", st)
		}
		if st, _ := w.login(t, "gw_b").do("GET", fmt.Sprintf("/api/v1/photos/%d", photo.ID), ""); st != 403 && st != 404 {
			t.Errorf("the next grid's worker reads the photo: %d, want 403/404", st)
		}

		w.clock.Add(30 * time.Minute)
		gw := w.login(t, "gw_a1")
		c = gw.act(t, c.ID, 200, fmt.Sprintf(`{"action":"verify_ok","version":%d,"note":"现场核查，已修复"}`, c.Version))
		w.clock.Add(time.Hour)
		resident = w.login(t, "resident")
		c = resident.act(t, c.ID, 200, fmt.Sprintf(`{"action":"rate","version":%d,"rating":{"Satisfaction":"satisfied","Stars":5,"Comment":"处理及时"}}`, c.Version))
		if c.State != "closed" || c.Tier != "grid" {
			t.Fatalf("after rating: %+v", c)
		}

		// The history: every step, hash-chained (staff see it whole).
		st, body = gw.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", c.ID), "")
		var evs []struct {
			Seq      int64
			Action   string
			PrevHash string `json:"prev_hash"`
			Hash     string
		}
		if err := json.Unmarshal([]byte(body), &evs); err != nil || st != 200 {
			t.Fatalf("events: %d %v %s", st, err, body)
		}
		var actions []string
		for i, e := range evs {
			actions = append(actions, e.Action)
			if i > 0 && e.PrevHash != evs[i-1].Hash {
				t.Errorf("event %d: prev_hash does not chain", e.Seq)
			}
		}
		want := "report register dispatch accept involve feedback verify_ok rate"
		if got := strings.Join(actions, " "); got != want {
			t.Errorf("history %q, want %q", got, want)
		}
		if err := w.cases.VerifyHistory(systemCtx(), c.ID); err != nil {
			t.Errorf("history does not verify: %v", err)
		}

		// The KPIs count it, once the projector has drained the events.
		if _, err := w.stats.Drain(systemCtx()); err != nil {
			t.Fatal(err)
		}
		leader := w.login(t, "leader")
		st, body = leader.do("GET", fmt.Sprintf("/api/v1/stats/kpis?region_id=%d&from=2026-03-01&to=2026-04-01", w.regions["330110"].ID), "")
		var k struct {
			Reported, Registered, Dispatched, Handled, Closed int
			ClosedOnTime                                      int      `json:"closed_on_time"`
			ClosedAtGrid                                      int      `json:"closed_at_grid"`
			Satisfaction                                      *float64 `json:"satisfaction"`
			GridShare                                         *float64 `json:"grid_share"`
		}
		if err := json.Unmarshal([]byte(body), &k); err != nil || st != 200 {
			t.Fatalf("kpis: %d %s", st, body)
		}
		if k.Reported != 1 || k.Registered != 1 || k.Dispatched != 1 || k.Handled != 1 || k.Closed != 1 || k.ClosedOnTime != 1 ||
			k.ClosedAtGrid != 1 || k.Satisfaction == nil || *k.Satisfaction != 1 || k.GridShare == nil || *k.GridShare != 1 {
			t.Errorf("KPIs = %s", body)
		}
	})
}

// TestCaseConcurrentDispatch: two dispatchers act on one case at once with
// the version they both saw: exactly one wins, the other gets 409.
func TestCaseConcurrentDispatch(t *testing.T) {
	engines(t, time.Date(2026, 3, 9, 9, 0, 0, 0, shanghai), func(t *testing.T, w *caseWorld) {
		resident := w.login(t, "resident")
		st, body := resident.do("POST", "/api/v1/cases", fmt.Sprintf(`{"channel":"resident","category":"LE0102","title":"漏水","building_id":%d}`, w.building.ID))
		if st != 201 {
			t.Fatalf("report: %d %s", st, body)
		}
		c := decodeCase(t, body)
		sec, disp := w.login(t, "secretary"), w.login(t, "dispatcher")
		c = sec.act(t, c.ID, 200, fmt.Sprintf(`{"action":"register","version":%d}`, c.Version))
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		bodies := make([]string, 2)
		for i, cl := range []*client{sec, disp} {
			wg.Go(func() {
				statuses[i], bodies[i] = cl.do("POST", fmt.Sprintf("/api/v1/cases/%d/actions", c.ID),
					fmt.Sprintf(`{"action":"dispatch","version":%d,"assignee_user_id":%d}`, c.Version, w.users["member"]))
			})
		}
		wg.Wait()
		ok, conflict := 0, 0
		for i, s := range statuses {
			switch s {
			case 200:
				ok++
			case 409:
				conflict++
				if !strings.Contains(bodies[i], "刷新") {
					t.Errorf("conflict message does not tell to reload: %s", bodies[i])
				}
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("statuses %v %v, want one 200 and one 409", statuses, bodies)
		}
		_, body = sec.do("GET", fmt.Sprintf("/api/v1/cases/%d/events", c.ID), "")
		if n := strings.Count(body, `"action":"dispatch"`); n != 1 {
			t.Errorf("%d dispatch events, want 1", n)
		}
	})
}

// TestCaseBadTransitions: illegal transitions answer 409 or 403 with the
// reason, malformed payloads 400 naming the field; nothing is written.
func TestCaseBadTransitions(t *testing.T) {
	engines(t, time.Date(2026, 3, 9, 9, 0, 0, 0, shanghai), func(t *testing.T, w *caseWorld) {
		resident := w.login(t, "resident")
		_, body := resident.do("POST", "/api/v1/cases", fmt.Sprintf(`{"channel":"resident","category":"LE0102","title":"漏水","building_id":%d}`, w.building.ID))
		c := decodeCase(t, body)
		gw2 := w.login(t, "gw_b")
		sec := w.login(t, "secretary")
		checks := []struct {
			name   string
			cl     *client
			body   string
			status int
			field  string
		}{
			{"rating a case not yet verified", resident, fmt.Sprintf(`{"action":"rate","version":%d,"rating":{"Satisfaction":"satisfied","Stars":5}}`, c.Version), 409, ""},
			{"a grid worker registering outside his grid", gw2, fmt.Sprintf(`{"action":"register","version":%d}`, c.Version), 403, ""},
			{"unknown action", sec, fmt.Sprintf(`{"action":"teleport","version":%d}`, c.Version), 400, "action"},
			{"dispatch without an assignee", sec, fmt.Sprintf(`{"action":"reject","version":%d}`, c.Version), 400, "reason"},
			{"wrong type", sec, `{"action":"register","version":"one"}`, 400, "version"},
		}
		for _, ck := range checks {
			st, body := ck.cl.do("POST", fmt.Sprintf("/api/v1/cases/%d/actions", c.ID), ck.body)
			var e struct{ Code, Message, Field string }
			json.Unmarshal([]byte(body), &e)
			if st != ck.status || e.Message == "" || (ck.field != "" && e.Field != ck.field) {
				t.Errorf("%s: %d %s, want %d on field %q", ck.name, st, body, ck.status, ck.field)
			}
		}
		// Nothing was written: the case is still as reported, with one event.
		_, body = sec.do("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), "")
		if got := decodeCase(t, body); got.State != "reported" || got.Version != c.Version {
			t.Errorf("case after refused acts: %+v", got)
		}
		// Accepting a case dispatched to someone else.
		c = sec.act(t, c.ID, 200, fmt.Sprintf(`{"action":"register","version":%d}`, c.Version))
		c = sec.act(t, c.ID, 200, fmt.Sprintf(`{"action":"dispatch","version":%d,"assignee_user_id":%d}`, c.Version, w.users["member"]))
		if st, body := w.login(t, "gw_a1").do("POST", fmt.Sprintf("/api/v1/cases/%d/actions", c.ID), fmt.Sprintf(`{"action":"accept","version":%d}`, c.Version)); st != 403 {
			t.Errorf("accepting a case dispatched to someone else: %d %s", st, body)
		}
		// A stale version.
		if st, _ := sec.do("POST", fmt.Sprintf("/api/v1/cases/%d/actions", c.ID), fmt.Sprintf(`{"action":"supervise","version":%d,"level":"yellow"}`, c.Version-1)); st != 409 && st != 403 {
			t.Errorf("stale version: %d, want 409", st)
		}
		// An anonymous report needs a phone number; with one it is taken.
		anon := w.client(t)
		if st, body := anon.do("POST", "/api/v1/public/cases", fmt.Sprintf(`{"category":"LE0102","title":"漏水","building_id":%d}`, w.building.ID)); st != 400 || !strings.Contains(body, "reporter_phone") {
			t.Errorf("anonymous report without phone: %d %s", st, body)
		}
		if st, body := anon.do("POST", "/api/v1/public/cases", fmt.Sprintf(`{"category":"LE0102","title":"漏水","building_id":%d,"reporter_phone":"13912345678"}`, w.building.ID)); st != 201 || strings.Contains(body, "13912345678") {
			t.Errorf("anonymous report: %d %s", st, body)
		}
	})
}

// TestCaseStream: a dispatcher's live stream carries the events of cases in
// its scope, after they commit; the next grid's worker does not get them.
func TestCaseStream(t *testing.T) {
	engines(t, time.Date(2026, 3, 9, 9, 0, 0, 0, shanghai), func(t *testing.T, w *caseWorld) {
		lines := func(c *client) (<-chan string, func()) {
			req, _ := http.NewRequest("GET", c.base+"/api/v1/stream", nil)
			ctx, cancel := context.WithCancel(context.Background())
			resp, err := c.http.Do(req.WithContext(ctx))
			if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("stream: %v %v", resp, err)
			}
			out := make(chan string, 100)
			go func() {
				defer close(out)
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					out <- sc.Text()
				}
			}()
			return out, func() { cancel(); resp.Body.Close() }
		}
		mine, stop1 := lines(w.login(t, "dispatcher"))
		defer stop1()
		other, stop2 := lines(w.login(t, "gw_b"))
		defer stop2()
		<-mine  // ": connected"
		<-other // ": connected"
		resident := w.login(t, "resident")
		st, body := resident.do("POST", "/api/v1/cases", fmt.Sprintf(`{"channel":"resident","category":"LE0102","title":"漏水","building_id":%d}`, w.building.ID))
		if st != 201 {
			t.Fatalf("report: %d %s", st, body)
		}
		number := decodeCase(t, body).Number
		deadline := time.After(10 * time.Second)
		for got := false; !got; {
			select {
			case l := <-mine:
				got = strings.HasPrefix(l, "data: ") && strings.Contains(l, number) && !strings.Contains(l, "13") // no phone numbers
			case <-deadline:
				t.Fatal("the dispatcher's stream did not carry the new case")
			}
		}
		select {
		case l := <-other:
			if strings.HasPrefix(l, "data: ") {
				t.Errorf("the next grid's worker got %s", l)
			}
		case <-time.After(200 * time.Millisecond):
		}
	})
}
