package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServer is an in-memory stand-in for Gridwork's case API that can
// "crash": Kill takes it down and, when lossy, forgets a case or an event it
// acknowledged, as a server that answers before its commit is durable
// would. (It forgets the first, not the last: the last answer may still be
// on its way when the load stops, and then it was never acknowledged.)
type fakeServer struct {
	t     *testing.T
	lossy string // "", "case" or "event"
	srv   *httptest.Server
	up    atomic.Bool

	mu     sync.Mutex
	events map[int64][]eventJSON // by case id
	order  []int64               // case ids as reported
	kills  int
}

func newFakeServer(t *testing.T, lossy string) *fakeServer {
	f := &fakeServer{t: t, lossy: lossy, events: map[int64][]eventJSON{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) Start(context.Context) (string, error) { f.up.Store(true); return f.srv.URL, nil }
func (f *fakeServer) Stop() error                           { f.up.Store(false); return nil }

func (f *fakeServer) Kill() error {
	f.up.Store(false)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kills++
	switch f.lossy {
	case "case":
		delete(f.events, f.order[0])
	case "event":
		for i := range f.order {
			if evs := f.events[f.order[i]]; len(evs) > 1 {
				f.events[f.order[i]] = evs[:len(evs)-1]
				break
			}
		}
	}
	return nil
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if !f.up.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	grants := map[string][]Grant{
		"res":  {{Role: RoleResident, ScopeKind: "self", ScopeID: 5, ScopePath: "/1/5/"}},
		"disp": {{Role: RoleDispatcher, ScopeKind: "region", ScopeID: 1, ScopePath: "/1/"}},
		"gw":   {{Role: RoleGridWorker, ScopeKind: "region", ScopeID: 5, ScopePath: "/1/5/"}},
	}
	ids := map[string]int64{"res": 1, "disp": 2, "gw": 3}
	f.mu.Lock()
	defer f.mu.Unlock()
	caseOf := func(id int64) map[string]any {
		return map[string]any{"id": id, "number": fmt.Sprintf("GW-%d", id), "version": len(f.events[id]), "grid_id": 5, "queue_path": "/1/"}
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/"), "/")
	switch {
	case r.Method == "GET" && parts[0] == "me":
		reply(200, meJSON{UserID: ids[token], Name: token, Grants: grants[token]})
	case r.Method == "GET" && parts[0] == "buildings":
		reply(200, map[string]any{"items": []building{{ID: 10, GridID: 5}}, "total": 1})
	case r.Method == "POST" && len(parts) == 1 && parts[0] == "cases":
		id := int64(len(f.order) + 1)
		f.order = append(f.order, id)
		f.events[id] = []eventJSON{{Seq: 1, Action: "report"}}
		reply(201, caseOf(id))
	case len(parts) >= 2 && parts[0] == "cases":
		id, _ := strconv.ParseInt(parts[1], 10, 64)
		evs, ok := f.events[id]
		if !ok {
			reply(404, map[string]string{"code": "not_found"})
			return
		}
		switch {
		case r.Method == "POST" && len(parts) == 3 && parts[2] == "actions":
			var in struct {
				Action  string `json:"action"`
				Version int64  `json:"version"`
			}
			_ = json.NewDecoder(r.Body).Decode(&in)
			if in.Version != int64(len(evs)) {
				reply(409, map[string]string{"code": "conflict"})
				return
			}
			f.events[id] = append(evs, eventJSON{Seq: int64(len(evs) + 1), Action: in.Action})
			reply(200, caseOf(id))
		case r.Method == "GET" && len(parts) == 3 && parts[2] == "events":
			reply(200, evs)
		case r.Method == "GET" && len(parts) == 2:
			reply(200, caseOf(id))
		default:
			http.NotFound(w, r)
		}
	default:
		http.NotFound(w, r)
	}
}

// TestCrashFindsLostAcknowledgements: on a durable server the crash test
// passes and runs the history check; a server that forgets the last case
// or an event it acknowledged fails it, naming what was lost.
func TestCrashFindsLostAcknowledgements(t *testing.T) {
	tokens := []string{"res", "disp", "gw"}
	opt := func(verified *bool) CrashOptions {
		return CrashOptions{Concurrency: 4, KillAfter: 200 * time.Millisecond, ActEvery: 2,
			Verify: func(context.Context) (int, int, error) { *verified = true; return 1, 1, nil }}
	}

	var verified bool
	durable := newFakeServer(t, "")
	rep, err := Crash(context.Background(), durable, tokens, opt(&verified))
	if err != nil {
		t.Fatalf("durable server: %v", err)
	}
	if rep.Cases == 0 || rep.Events <= rep.Cases || rep.MissingCount != 0 || !verified || durable.kills != 1 {
		t.Errorf("durable server: %+v verified %v kills %d; want cases, more events than cases (registrations, dispatches), nothing missing, a history check, one kill",
			rep, verified, durable.kills)
	}

	for _, lossy := range []string{"case", "event"} {
		verified = false
		rep, err := Crash(context.Background(), newFakeServer(t, lossy), tokens, opt(&verified))
		if err == nil || rep == nil || rep.MissingCount != 1 || !strings.Contains(err.Error(), "lost") {
			t.Errorf("server losing a %s: err %v, report %+v; want one acknowledgement lost", lossy, err, rep)
			continue
		}
		want := "not found"
		if !strings.Contains(rep.Missing[0], want) || verified {
			t.Errorf("server losing a %s: missing %q (want %q), history check run %v (want not: loss found first)", lossy, rep.Missing, want, verified)
		}
	}
}
