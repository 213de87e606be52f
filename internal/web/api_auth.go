package web

import (
	"net/http"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
)

// meJSON is the signed-in actor: who, which roles at which scopes, and (at
// login) when the session ends.
type meJSON struct {
	UserID    int64       `json:"user_id"`
	Name      string      `json:"name"`
	ExpiresAt string      `json:"expires_at,omitempty"`
	Grants    []grantJSON `json:"grants"`
}

// tokenJSON is a new API token; the secret is shown this once.
type tokenJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
	Token  string `json:"token"`
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// userJSON is a user as the API shows it.
type userJSON struct {
	ID          int64       `json:"id"`
	Username    string      `json:"username"`
	DisplayName string      `json:"display_name"`
	Disabled    bool        `json:"disabled"`
	Grants      []grantJSON `json:"grants"`
}

type grantJSON struct {
	Role      auth.Role      `json:"role"`
	ScopeKind auth.ScopeKind `json:"scope_kind"`
	ScopeID   int64          `json:"scope_id"`
	ScopePath string         `json:"scope_path,omitempty"`
}

func grantsJSON(gs []auth.Grant) []grantJSON {
	out := make([]grantJSON, 0, len(gs))
	for _, g := range gs {
		out = append(out, grantJSON{Role: g.Role, ScopeKind: g.Scope.Kind, ScopeID: g.Scope.ID, ScopePath: g.Scope.Path})
	}
	return out
}

func toUserJSON(u *auth.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Disabled: u.Disabled, Grants: grantsJSON(u.Grants)}
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	old := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		old = c.Value
	}
	token, sess, err := s.auth.Login(r.Context(), in.Username, in.Password, auth.LoginMeta{IP: clientIP(r), UserAgent: r.UserAgent()}, old)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, token)
	actor, _, err := s.auth.Authenticate(r.Context(), token)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meJSON{UserID: sess.UserID, Name: actor.Name, ExpiresAt: sess.ExpiresAt.Format(time.RFC3339), Grants: grantsJSON(actor.Grants)})
	return nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	a, err := requireActor(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meJSON{UserID: a.UserID, Name: a.Name, Grants: grantsJSON(a.Grants)})
	return nil
}

type passwordRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	a, err := requireActor(r)
	if err != nil {
		return err
	}
	var in passwordRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.auth.SetPassword(r.Context(), a.UserID, in.OldPassword, in.NewPassword); err != nil {
		return err
	}
	s.clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type createUserRequest struct {
	Username    string      `json:"username"`
	DisplayName string      `json:"display_name"`
	Phone       string      `json:"phone"`
	Password    string      `json:"password"`
	Grants      []grantJSON `json:"grants"`
}

func grantInputs(gs []grantJSON) []auth.GrantInput {
	out := make([]auth.GrantInput, 0, len(gs))
	for _, g := range gs {
		out = append(out, auth.GrantInput{Role: g.Role, ScopeKind: g.ScopeKind, ScopeID: g.ScopeID})
	}
	return out
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in createUserRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.auth.CreateUser(r.Context(), auth.UserInput{
		Username: in.Username, DisplayName: in.DisplayName, Phone: in.Phone, Password: in.Password, Grants: grantInputs(in.Grants),
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toUserJSON(u))
	return nil
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) error {
	return writeFound(w, r, s.auth.FindUserByID, toUserJSON)
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 500)
	if err != nil {
		return err
	}
	f := auth.UserFilter{Limit: limit, Offset: offset}
	f.Query = optString(r, "q")
	if role := auth.Role(r.URL.Query().Get("role")); role != "" {
		f.Role = &role
	}
	users, total, err := s.auth.FindUsers(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, users, total, limit, offset, toUserJSON)
	return nil
}

func (s *Server) handleGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in grantJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	g, err := s.auth.Grant(r.Context(), id, auth.GrantInput{Role: in.Role, ScopeKind: in.ScopeKind, ScopeID: in.ScopeID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, grantsJSON([]auth.Grant{g})[0])
	return nil
}

type tokenRequest struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) error {
	a, err := requireActor(r)
	if err != nil {
		return err
	}
	var in tokenRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	secret, tok, err := s.auth.CreateAPIToken(r.Context(), a.UserID, auth.APITokenInput{Name: in.Name, ExpiresAt: in.ExpiresAt})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, tokenJSON{ID: tok.ID, Name: tok.Name, Prefix: tok.Prefix, Token: secret})
	return nil
}
