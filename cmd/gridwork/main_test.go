package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gridwork runs the command line in-process and returns its exit code and output.
func gridwork(ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	var out, errb syncBuffer
	code := run(ctx, args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := gridwork(context.Background(), nil, "version"); code != 0 || !strings.HasPrefix(out, "gridwork ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errOut := gridwork(context.Background(), nil, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
}

// TestServeNeedsKey: outside demo mode the server refuses to start without
// a key for personal data.
func TestServeNeedsKey(t *testing.T) {
	env := map[string]string{"GRIDWORK_DB": filepath.Join(t.TempDir(), "g.db"), "GRIDWORK_ADDR": "127.0.0.1:0"}
	code, _, errOut := gridwork(context.Background(), env, "serve")
	if code != 1 || !strings.Contains(errOut, "GRIDWORK_PII_KEY") {
		t.Errorf("serve without key: %d %q", code, errOut)
	}
	env["GRIDWORK_PII_KEY"] = "too-short"
	if code, _, errOut := gridwork(context.Background(), env, "serve"); code != 1 || !strings.Contains(errOut, "GRIDWORK_PII_KEY") {
		t.Errorf("serve with a bad key: %d %q", code, errOut)
	}
}

// TestDemoServeAndShutdown generates the village-size demo with 300 cases
// of history, serves it with
// the key kept beside it, answers /healthz and a login, and shuts down
// gracefully when the context ends.
func TestDemoServeAndShutdown(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	code, out, errOut := gridwork(ctx, nil, "demo", "-size", "village", "-no-serve", "-dir", dir, "-cases", "300")
	if code != 0 || !strings.Contains(out, "Demo city ready") || !strings.Contains(out, "History ready: 300 cases") {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	key, err := os.ReadFile(filepath.Join(dir, "pii.key"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "pii.key")); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	env := map[string]string{"GRIDWORK_DB": filepath.Join(dir, "demo.db"), "GRIDWORK_PII_KEY": strings.TrimSpace(string(key)), "GRIDWORK_ADDR": "127.0.0.1:0"}
	if code, out, errOut := gridwork(ctx, env, "migrate", "-status"); code != 0 || !strings.Contains(out, "schema at version") {
		t.Errorf("migrate -status: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := gridwork(ctx, env, "user", "create", "-username", "ops", "-password", "Sup3rSecret1", "-name", "运维", "-role", "leader", "-region", "330110"); code != 0 || !strings.Contains(out, "created user ops") {
		t.Errorf("user create: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := gridwork(ctx, env, "user", "create", "-username", "ops2", "-password", "Sup3rSecret1", "-role", "leader", "-region", "999999"); code != 1 || !strings.Contains(errOut, "999999") {
		t.Errorf("user create in a region that does not exist: %d %s", code, errOut)
	}
	if code, _, errOut := gridwork(ctx, env, "user", "create", "-username", "ops3", "-password", "short", "-role", "leader", "-region", "330110"); code != 1 || !strings.Contains(errOut, "password") {
		t.Errorf("user create with a weak password: %d %s", code, errOut)
	}

	srvCtx, stop := context.WithCancel(ctx)
	var sout, serr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(srvCtx, []string{"serve"}, strings.NewReader(""), &sout, &serr, func(k string) string { return env[k] })
	}()
	addr := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
	var base string
	for i := 0; i < 100 && base == ""; i++ {
		if m := addr.FindStringSubmatch(sout.String()); m != nil {
			base = "http://" + m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if base == "" {
		stop()
		t.Fatalf("serve did not print its address: %s %s", sout.String(), serr.String())
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	// The case loop and Open311 are wired: the service list comes from the dictionary.
	resp, err = http.Get(base + "/open311/v2/services.json")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open311 services: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, login := range []string{`{"username":"admin","password":"Gridwork2025"}`, `{"username":"ops","password":"Sup3rSecret1"}`} {
		resp, err = http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(login))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("login %s: %v %v", login, resp, err)
		}
		resp.Body.Close()
	}
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, serr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(serr.String(), "shutting down") {
		t.Errorf("no shutdown log line: %s", serr.String())
	}
}
