package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Roles the bench acts in, as the API names them.
const (
	RoleResident     = "resident"
	RoleBuildingHead = "building_head"
	RoleGridWorker   = "grid_worker"
	RoleDispatcher   = "dispatcher"
	RoleLeader       = "leader"
)

// Login is a username and password to sign in with through the API.
type Login struct {
	Username string
	Password string
}

// User is a signed-in user: its bearer token (an API token or a session
// token) and, as GET /api/v1/me tells, who it is and where it acts.
type User struct {
	Token  string
	ID     int64
	Name   string
	Grants []Grant
}

// Grant is one role of a user at a region scope.
type Grant struct {
	Role      string `json:"role"`
	ScopeKind string `json:"scope_kind"`
	ScopeID   int64  `json:"scope_id"`
	ScopePath string `json:"scope_path"`
}

// has reports whether u holds role, returning the grant.
func (u *User) has(role string) (Grant, bool) {
	for _, g := range u.Grants {
		if g.Role == role {
			return g, true
		}
	}
	return Grant{}, false
}

// Target is a running server and the users the bench acts as.
type Target struct {
	URL   string
	Users []*User

	buildings []building
	byRole    map[string][]*User
}

// building is a place residents report at.
type building struct {
	ID     int64 `json:"id"`
	GridID int64 `json:"grid_id"`
}

// meJSON is the answer of GET /api/v1/me and of a login.
type meJSON struct {
	UserID int64   `json:"user_id"`
	Name   string  `json:"name"`
	Grants []Grant `json:"grants"`
}

// SignIn signs in each login through POST /api/v1/auth/login and returns
// the users with their session tokens. The server throttles sign-ins per
// address (20 a minute by default), so keep the list short or use API
// tokens (NewTarget with tokens).
func SignIn(ctx context.Context, url string, logins []Login) ([]string, error) {
	c := &apiClient{base: strings.TrimRight(url, "/"), http: newHTTPClient(1)}
	var tokens []string
	for _, l := range logins {
		req, err := newJSONRequest(ctx, c.base+"/api/v1/auth/login", map[string]string{"username": l.Username, "password": l.Password})
		if err != nil {
			return nil, err
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, fmt.Errorf("bench: sign in %s: %w", l.Username, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("bench: sign in %s: status %d", l.Username, resp.StatusCode)
		}
		found := false
		for _, ck := range resp.Cookies() {
			if ck.Name == "gw_session" && ck.Value != "" {
				tokens, found = append(tokens, ck.Value), true
			}
		}
		if !found {
			return nil, fmt.Errorf("bench: sign in %s: no session cookie", l.Username)
		}
	}
	return tokens, nil
}

// NewTarget asks the server at url who holds each bearer token (API tokens
// "gw_…" or session tokens) and which buildings there are, and returns the
// target to drive. It needs at least one user who may list buildings (a
// dispatcher or a leader).
func NewTarget(ctx context.Context, url string, tokens []string) (*Target, error) {
	t := &Target{URL: strings.TrimRight(url, "/"), byRole: map[string][]*User{}}
	c := t.client(8)
	t.Users = make([]*User, len(tokens))
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		mu    sync.Mutex
		first error
	)
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(tokens) {
					return
				}
				var me meJSON
				if err := c.call(ctx, "GET", "/api/v1/me", tokens[i], nil, &me, 200); err != nil {
					mu.Lock()
					first = cmp.Or(first, fmt.Errorf("bench: who holds a token: %w", err))
					mu.Unlock()
					return
				}
				t.Users[i] = &User{Token: tokens[i], ID: me.UserID, Name: me.Name, Grants: me.Grants}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	for _, u := range t.Users {
		seen := map[string]bool{}
		for _, g := range u.Grants {
			if !seen[g.Role] {
				seen[g.Role] = true
				t.byRole[g.Role] = append(t.byRole[g.Role], u)
			}
		}
	}
	// The widest staff scope lists the buildings residents report at.
	staff := t.widest(RoleLeader)
	if staff == nil {
		staff = t.widest(RoleDispatcher)
	}
	if staff == nil {
		return nil, errors.New("bench: no leader or dispatcher among the users: nobody to list buildings")
	}
	for offset := 0; offset < 5000; offset += 500 {
		var page struct {
			Items []building `json:"items"`
			Total int        `json:"total"`
		}
		if err := c.call(ctx, "GET", fmt.Sprintf("/api/v1/buildings?limit=500&offset=%d", offset), staff.Token, nil, &page, 200); err != nil {
			return nil, fmt.Errorf("bench: list buildings: %w", err)
		}
		t.buildings = append(t.buildings, page.Items...)
		if len(page.Items) < 500 || offset+500 >= page.Total {
			break
		}
	}
	if len(t.buildings) == 0 {
		return nil, errors.New("bench: the server has no buildings to report at")
	}
	return t, nil
}

// newJSONRequest is a POST of a JSON body.
func newJSONRequest(ctx context.Context, url string, body any) (*http.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func (t *Target) client(conns int) *apiClient {
	return &apiClient{base: t.URL, http: newHTTPClient(conns)}
}

// role returns the users holding role, in the order their tokens came.
func (t *Target) role(r string) []*User { return t.byRole[r] }

// widest returns the user holding role at the widest scope (the shortest
// path), nil if nobody holds it.
func (t *Target) widest(role string) *User {
	var best *User
	bestLen := 0
	for _, u := range t.byRole[role] {
		g, _ := u.has(role)
		if best == nil || len(g.ScopePath) < bestLen {
			best, bestLen = u, len(g.ScopePath)
		}
	}
	return best
}

// dispatcherFor returns a dispatcher whose scope holds the queue path,
// preferring the narrowest; nil if none.
func (t *Target) dispatcherFor(queuePath string) *User {
	var best *User
	bestLen := -1
	for _, u := range t.byRole[RoleDispatcher] {
		for _, g := range u.Grants {
			if g.Role == RoleDispatcher && strings.HasPrefix(queuePath, g.ScopePath) && len(g.ScopePath) > bestLen {
				best, bestLen = u, len(g.ScopePath)
			}
		}
	}
	return best
}

// gridWorkerOf returns a grid worker of the grid, nil if none signed in.
func (t *Target) gridWorkerOf(gridID int64) *User {
	for _, u := range t.byRole[RoleGridWorker] {
		if g, _ := u.has(RoleGridWorker); g.ScopeID == gridID {
			return u
		}
	}
	return nil
}

// reporters returns the users who report cases and the channel they use:
// residents, or building heads where the city has no resident accounts.
func (t *Target) reporters() ([]*User, string, error) {
	if us := t.role(RoleResident); len(us) > 0 {
		return us, "resident", nil
	}
	if us := t.role(RoleBuildingHead); len(us) > 0 {
		return us, "building_head", nil
	}
	return nil, "", errors.New("bench: no resident or building head among the users: nobody to report cases")
}

// reportBody is a resident's report at a random building.
func (t *Target) reportBody(rng *rand.Rand, channel string) map[string]any {
	b := t.buildings[rng.IntN(len(t.buildings))]
	cats := requestKinds()
	cat := cats[rng.IntN(len(cats))]
	return map[string]any{
		"channel": channel, "category": cat.code, "title": cat.title,
		"description": "压力测试：" + cat.title + "，请尽快处理。", "building_id": b.ID,
	}
}

// requestKinds are common resident requests, as codes of the shipped
// category dictionary and a title.
func requestKinds() []struct{ code, title string } {
	return []struct{ code, title string }{
		{"LE0102", "楼道暖气管漏水"},
		{"E06010", "小区门口暴露垃圾"},
		{"E06013", "人行道道路破损"},
		{"E06007", "沿街晾挂衣物"},
		{"E06009", "空调室外机低挂"},
	}
}
