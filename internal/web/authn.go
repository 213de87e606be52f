package web

import (
	"net"
	"net/http"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
)

// sessionCookie names the cookie holding a browser session's token.
const sessionCookie = "gw_session"

// authenticate puts the actor of a session cookie or a bearer token (API
// token "gw_…" or session token) into the request context. A request with
// no credentials goes on anonymous; one with bad credentials is refused.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var (
			actor *auth.Actor
			err   error
		)
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok || token == "" {
				s.writeError(w, r, apperr.New(apperr.Unauthenticated, "Authorization", "Authorization 头格式应为 Bearer <令牌>", "the Authorization header must be Bearer <token>"))
				return
			}
			if strings.HasPrefix(token, "gw_") {
				actor, err = s.auth.AuthenticateAPIToken(r.Context(), token)
			} else {
				actor, _, err = s.auth.Authenticate(r.Context(), token)
			}
		} else if c, cerr := r.Cookie(sessionCookie); cerr == nil && c.Value != "" {
			actor, _, err = s.auth.Authenticate(r.Context(), c.Value)
			if err != nil && apperr.CodeOf(err) == apperr.Unauthenticated {
				// An expired browser session: forget the cookie and go on anonymous,
				// so that public pages and the login form still work.
				s.clearSessionCookie(w)
				err, actor = nil, nil
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if actor != nil {
			infoFrom(r.Context()).actor = actor.Name
			r = r.WithContext(auth.WithActor(r.Context(), actor))
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: int(s.ttl.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// clientIP is the peer address; Gridwork does not trust X-Forwarded-For
// unless a proxy setting says so (not yet configurable: the peer is used).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// requireActor returns the signed-in actor or Unauthenticated.
func requireActor(r *http.Request) (*auth.Actor, error) {
	a, ok := auth.ActorFrom(r.Context())
	if !ok {
		return nil, apperr.ErrUnauthenticated()
	}
	return a, nil
}
