package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/demo"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// TestTwoServeProcesses runs the built binary twice on one PostgreSQL
// schema, as two instances behind a load balancer would:
//
//  1. a dispatcher's live stream on process B sees every case a resident
//     reports, and every step a dispatcher and a grid worker take, through
//     process A — and the stream on A sees each once, not again by way of
//     PostgreSQL;
//  2. a grid redrawn through A moves B's point → grid lookup;
//  3. with the clock moved ten days on (GRIDWORK_TEST_CLOCK_OFFSET), two
//     fresh processes ticking every 100 ms give every overdue case its
//     automatic supervision, and every case in handling its escalation,
//     exactly once.
//
// It needs GRIDWORK_TEST_POSTGRES (CI sets it) and the go command.
func TestTwoServeProcesses(t *testing.T) {
	if os.Getenv(sqldbtest.EnvPostgres) == "" {
		t.Skip(sqldbtest.EnvPostgres + " not set: the multi-process test needs PostgreSQL")
	}
	t.Parallel()
	start := time.Now()
	dsn := sqldbtest.PostgresDSN(t)
	key, err := people.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	media, binDir := t.TempDir(), t.TempDir()
	built := make(chan error, 1)
	go func() { built <- buildGridwork(binDir) }() // meanwhile, seed
	logins := seedVillage(t, dsn, key, media)
	if err := <-built; err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "gridwork")
	t.Logf("village seeded and binary built in %v", time.Since(start).Round(time.Millisecond))
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var workerID, buildingID int64
	if err := db.QueryRow(`SELECT u.id, min(b.id) FROM users u JOIN user_grants g ON g.user_id = u.id
		JOIN buildings b ON b.grid_id = g.scope_id WHERE u.username = $1 AND g.role = 'grid_worker' GROUP BY u.id`,
		logins[auth.RoleGridWorker]).Scan(&workerID, &buildingID); err != nil {
		t.Fatalf("the grid worker's grid and a building in it: %v", err)
	}

	// 1. Live events cross between processes.
	a := startServe(t, bin, dsn, key, media, "A")
	b := startServe(t, bin, dsn, key, media, "B")
	a.waitListening(t)
	b.waitListening(t)
	// Sessions live in the database: one sign-in serves both processes.
	dispatcher := login(t, a.base, logins[auth.RoleDispatcher])
	streamB := openStream(t, dispatcher, b.base)
	streamA := openStream(t, dispatcher, a.base)
	resident := login(t, a.base, logins[auth.RoleResident])
	worker := login(t, a.base, logins[auth.RoleGridWorker])
	const reported, handled = 12, 6 // the first 6 are taken into handling
	want := map[string]int{}        // "kind#case" → 1
	var ids []int64
	for i := range reported {
		c := resident.post(t, "/api/v1/cases", fmt.Sprintf(`{"channel":"resident","category":"LE0102","title":"楼道暖气管漏水 %d",
			"building_id":%d,"idempotency_key":"multiproc-%d"}`, i, buildingID, i), http.StatusCreated)
		ids = append(ids, c.ID)
		want[fmt.Sprintf("case.report#%d", c.ID)] = 1
		if i >= handled {
			continue
		}
		c = dispatcher.post(t, fmt.Sprintf("/api/v1/cases/%d/actions", c.ID), fmt.Sprintf(`{"action":"register","version":%d}`, c.Version), http.StatusOK)
		c = dispatcher.post(t, fmt.Sprintf("/api/v1/cases/%d/actions", c.ID),
			fmt.Sprintf(`{"action":"dispatch","version":%d,"assignee_user_id":%d}`, c.Version, workerID), http.StatusOK)
		c = worker.post(t, fmt.Sprintf("/api/v1/cases/%d/actions", c.ID), fmt.Sprintf(`{"action":"accept","version":%d}`, c.Version), http.StatusOK)
		if c.State != "in_progress" {
			t.Fatalf("case %d after accept: %s", c.ID, c.State)
		}
		for _, k := range []string{"register", "dispatch", "accept"} {
			want[fmt.Sprintf("case.%s#%d", k, c.ID)] = 1
		}
	}
	for name, s := range map[string]*sseStream{"B (the other process)": streamB, "A (the process that wrote them)": streamA} {
		got := s.collect(t, want)
		for k, n := range got {
			if want[k] != n {
				t.Errorf("stream on %s: %s seen %d times, want %d", name, k, n, want[k])
			}
		}
	}
	t.Logf("live events crossed over by %v", time.Since(start).Round(time.Millisecond))

	// A grid redrawn through A reaches B's point → grid index: shrink the
	// grid to a small square round one of its buildings, and another of
	// its buildings, farther off, is no longer in it for B either.
	var gridID int64
	var px, py, qx, qy float64
	if err := db.QueryRow(`SELECT grid_id, lon, lat FROM buildings WHERE id = $1`, buildingID).Scan(&gridID, &px, &py); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT lon, lat FROM buildings WHERE grid_id = $1 AND lon IS NOT NULL
		AND (abs(lon - $2) > 0.001 OR abs(lat - $3) > 0.001) ORDER BY id LIMIT 1`, gridID, px, py).Scan(&qx, &qy); err != nil {
		t.Fatalf("a second building of grid %d: %v", gridID, err)
	}
	locate := func(base string) int64 {
		var r struct {
			ID int64 `json:"id"`
		}
		b := dispatcher.on(base).do(t, "GET", fmt.Sprintf("/api/v1/locate?lon=%g&lat=%g", qx, qy), "", http.StatusOK)
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	if got := locate(b.base); got != gridID {
		t.Fatalf("B locates the second building in region %d, want grid %d", got, gridID)
	}
	const half = 0.0001
	square := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]g,%[2]g],[%[3]g,%[2]g],[%[3]g,%[4]g],[%[1]g,%[4]g],[%[1]g,%[2]g]]]}`,
		px-half, py-half, px+half, py+half)
	admin := login(t, a.base, logins[auth.RoleAdmin])
	admin.do(t, "PUT", fmt.Sprintf("/api/v1/regions/%d/boundary", gridID), square, http.StatusNoContent)
	for deadline := time.Now().Add(10 * time.Second); locate(b.base) == gridID; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("B still locates the second building in the redrawn grid after 10 s")
		}
	}
	t.Logf("territory change reached B by %v", time.Since(start).Round(time.Millisecond))

	streamA.close()
	streamB.close()
	a.stop(t)
	b.stop(t)

	// 2. Timers fire exactly once with two processes ticking.
	later := []string{clockOffsetEnv + "=240h"}
	c := startServe(t, bin, dsn, key, media, "C", later...)
	d := startServe(t, bin, dsn, key, media, "D", later...)
	idList := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(ids)), ","), "[]")
	counts := func() (sup, esc map[int64]int) {
		sup, esc = map[int64]int{}, map[int64]int{}
		rows, err := db.Query(`SELECT case_id, action, count(*) FROM case_events WHERE case_id IN (` + idList + `)
			AND action IN ('supervise', 'escalate') AND data LIKE '%"auto":true%' GROUP BY case_id, action`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var action string
			var n int
			if err := rows.Scan(&id, &action, &n); err != nil {
				t.Fatal(err)
			}
			map[string]map[int64]int{"supervise": sup, "escalate": esc}[action][id] = n
		}
		return sup, esc
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		sup, esc := counts()
		if len(sup) == reported && len(esc) == handled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s: supervised %v, escalated %v; want all %d cases supervised, the %d in handling escalated\nC: %s\nD: %s",
				sup, esc, reported, handled, c.stderr.String(), d.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("every timer fired by %v", time.Since(start).Round(time.Millisecond))
	time.Sleep(time.Second) // ten more ticks of each process: nothing more may come
	sup, esc := counts()
	for i, id := range ids {
		if sup[id] != 1 {
			t.Errorf("case %d: %d automatic supervisions, want 1", id, sup[id])
		}
		if wantEsc := map[bool]int{true: 1}[i < handled]; esc[id] != wantEsc {
			t.Errorf("case %d: %d automatic escalations, want %d", id, esc[id], wantEsc)
		}
	}
	var due int
	if err := db.QueryRow(`SELECT count(*) FROM cases WHERE next_check_at <= $1`, time.Now().Add(240*time.Hour)).Scan(&due); err != nil || due != 0 {
		t.Errorf("cases still due after the ticks: %d (%v)", due, err)
	}
	c.stop(t)
	d.stop(t)
}

// seedVillage loads the village-size demo city into the schema of dsn,
// from this process, and returns a login (username) per role.
func seedVillage(t *testing.T, dsn, key, media string) map[auth.Role]string {
	t.Helper()
	cfg := defaultConfig()
	cfg.DB, cfg.PIIKey, cfg.MediaDir = dsn, key, media
	ctx := context.Background()
	app, err := openApp(ctx, cfg, slog.New(slog.DiscardHandler), appOptions{needKey: true, argon2: auth.FastArgon2(), noLoadIx: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	city := demo.Generate(demo.Options{Seed: 1, Size: demo.SizeVillage})
	if err := demo.Load(ctx, app.db, city, demo.Deps{Territory: app.territory, People: app.people, Auth: app.auth, Category: app.category}, nil); err != nil {
		t.Fatalf("load the village: %v", err)
	}
	logins := map[auth.Role]string{}
	for _, l := range city.DemoLogins() {
		logins[l.Role] = l.Username
	}
	return logins
}

// buildGridwork builds this command into dir/gridwork.
func buildGridwork(dir string) error {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	// Without symbol tables the link takes a third less time.
	out, err := exec.Command(goCmd, "build", "-ldflags=-s -w", "-o", filepath.Join(dir, "gridwork"), ".").CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// serveProc is a running `gridwork serve`.
type serveProc struct {
	name   string
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	stderr *syncBuffer
	done   chan struct{}
}

// startServe starts `gridwork serve` on a free port, ticking every 100 ms
// round the clock, and waits for its address; env adds variables.
func startServe(t *testing.T, bin, dsn, key, media, name string, env ...string) *serveProc {
	t.Helper()
	p := &serveProc{name: name, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "-db", dsn, "-addr", "127.0.0.1:0", "-tick", "100ms", "-work-hours", "24h",
		"-media-dir", media, "-log-level", "warn")
	p.cmd.Env = append(append(os.Environ(), "GRIDWORK_PII_KEY="+key), env...)
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() { p.stop(t) })
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- "http://" + m[1]:
				default:
				}
			}
		}
		_ = p.cmd.Wait()
		close(p.done)
	}()
	select {
	case p.base = <-addr:
	case <-p.done:
		t.Fatalf("process %s exited: %s", name, p.stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("process %s printed no address in 20 s: %s", name, p.stderr.String())
	}
	return p
}

// waitListening waits until the process's live-event listener is connected
// (its /metrics count it).
func (p *serveProc) waitListening(t *testing.T) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^gridwork_live_connects_total (\d+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(p.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := re.FindSubmatch(body); m != nil {
			if n, _ := strconv.Atoi(string(m[1])); n >= 1 {
				return
			}
		}
	}
	t.Fatalf("process %s: live listener not connected in 10 s: %s", p.name, p.stderr.String())
}

// stop ends the process as an operator would (SIGTERM) and waits for it.
func (p *serveProc) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("process %s exited %d: %s", p.name, code, p.stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("process %s did not stop in 20 s", p.name)
	}
}

// apiClient is a signed-in user of one process.
type apiClient struct {
	base string
	http *http.Client
}

func login(t *testing.T, base, username string) *apiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &apiClient{base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	c.post(t, "/api/v1/auth/login", fmt.Sprintf(`{"username":%q,"password":%q}`, username, demo.DemoPassword), http.StatusOK)
	return c
}

// apiCase is what the test reads of a case.
type apiCase struct {
	ID      int64  `json:"id"`
	State   string `json:"state"`
	Version int64  `json:"version"`
}

// on returns the same user (the same session) on another process.
func (c *apiClient) on(base string) *apiClient { return &apiClient{base: base, http: c.http} }

// do sends a request with a JSON body (if any), expects status want and
// returns the response body.
func (c *apiClient) do(t *testing.T, method, path, body string, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s %s: %d %s, want %d", method, path, body, resp.StatusCode, b, want)
	}
	return b
}

// post sends a JSON body and decodes the case answered.
func (c *apiClient) post(t *testing.T, path, body string, want int) apiCase {
	t.Helper()
	var out apiCase
	_ = json.Unmarshal(c.do(t, "POST", path, body, want), &out)
	return out
}

// sseStream is an open /api/v1/stream.
type sseStream struct {
	events chan sseEvent
	close  func()
}

type sseEvent struct {
	Kind   string `json:"kind"`
	CaseID int64  `json:"case_id"`
	Missed int    `json:"missed"`
}

// openStream opens the live stream of c on base and returns once the
// server has subscribed it.
func openStream(t *testing.T, c *apiClient, base string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/stream", nil)
	client := &http.Client{Jar: c.http.Jar}
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("stream: %v %v", resp, err)
	}
	s := &sseStream{events: make(chan sseEvent, 1024)}
	s.close = func() { cancel(); resp.Body.Close() }
	connected := make(chan struct{})
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if line == ": connected" {
				close(connected)
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var e sseEvent
				if json.Unmarshal([]byte(data), &e) == nil {
					s.events <- e
				}
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		s.close()
		t.Fatal("stream not connected in 10 s")
	}
	return s
}

// collect reads the stream until every "kind#case" of want has come (or
// 15 s pass), then half a second more for any repeat, and counts what
// came; stream.missed is not expected once the listener is up.
func (s *sseStream) collect(t *testing.T, want map[string]int) map[string]int {
	t.Helper()
	got := map[string]int{}
	missing := func() int {
		n := 0
		for k := range want {
			if got[k] == 0 {
				n++
			}
		}
		return n
	}
	deadline := time.After(15 * time.Second)
	var grace <-chan time.Time
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				t.Fatal("stream ended")
			}
			got[fmt.Sprintf("%s#%d", e.Kind, e.CaseID)]++
			if grace == nil && missing() == 0 {
				grace = time.After(500 * time.Millisecond)
			}
		case <-grace:
			return got
		case <-deadline:
			t.Fatalf("after 15 s, %d of %d events missing; got %v", missing(), len(want), got)
		}
	}
}
