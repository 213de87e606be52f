package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
)

// The CSRF token of a form (field csrfField, or the X-CSRF-Token header
// that htmx sends) is derived from the session: a hash of the session
// token for a signed-in browser, of a random pre-session cookie otherwise
// (the sign-in form, anonymous reports). Both cookies are HttpOnly, so a
// page on another site can neither read nor compute it. This is defence in
// depth behind http.CrossOriginProtection, which already refuses
// cross-origin POSTs from browsers that send Sec-Fetch-Site or Origin.
const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	csrfCookie = "gw_csrf"
)

// csrfOf derives a form token from a cookie secret; the hash is one-way, so
// the token (which appears in pages) reveals nothing of the session.
func csrfOf(kind, secret string) string {
	sum := sha256.Sum256([]byte("gridwork-csrf\x00" + kind + "\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// expectedCSRF returns the token the request's forms must carry, "" when
// the browser has no session and no pre-session cookie yet.
func expectedCSRF(r *http.Request) string {
	if _, ok := auth.ActorFrom(r.Context()); ok {
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			return csrfOf("session", c.Value)
		}
	}
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return csrfOf("anon", c.Value)
	}
	return ""
}

// csrfToken returns the token to put in the forms of the page being
// rendered, first giving an anonymous browser its pre-session cookie.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if t := expectedCSRF(r); t != "" {
		return t
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	// Later reads in this request (a second form) see the same secret.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	return csrfOf("anon", v)
}

// checkCSRF refuses a state-changing page request whose form token is
// missing or wrong. The form must already be parsed.
func checkCSRF(r *http.Request) error {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	want := expectedCSRF(r)
	if got == "" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCSRF()
	}
	return nil
}

// errCSRF is the answer to a form without a valid token: most often a page
// left open across a sign-in or sign-out.
func errCSRF() *apperr.Error {
	return apperr.New(apperr.Forbidden, csrfField, "页面已过期，请刷新页面后重新提交", "this page has expired; reload it and submit again")
}
