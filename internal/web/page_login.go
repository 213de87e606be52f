package web

import (
	"net/http"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
)

// loginPage is the data of templates/login.html.
type loginPage struct {
	Page
	Next string // where to go after signing in
}

// handleLoginPage shows the sign-in form, or sends a signed-in user home.
func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"), "")
	if a, ok := auth.ActorFrom(r.Context()); ok {
		http.Redirect(w, r, safeNext(next, homeOf(a)), http.StatusSeeOther)
		return nil
	}
	p := loginPage{Page: s.newPage(w, r, "login.title"), Next: next}
	p.Lean = true
	s.render(w, r, http.StatusOK, "login.html", p)
	return nil
}

// handleLoginForm signs in: a new session (the old one ended, so a planted
// cookie is worthless), its cookie, and a redirect to where the user was
// going or to its home. Bad credentials show the form again, username kept.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.PostFormValue("next"), "")
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	var errs apperr.List
	if username == "" {
		errs = append(errs, apperr.Invalidf("username", "请输入用户名", "enter your username"))
	}
	if password == "" {
		errs = append(errs, apperr.Invalidf("password", "请输入密码", "enter your password"))
	}
	var token string
	err := errs.Err()
	if err == nil {
		old := ""
		if c, cerr := r.Cookie(sessionCookie); cerr == nil {
			old = c.Value
		}
		token, _, err = s.auth.Login(r.Context(), username, password, auth.LoginMeta{IP: clientIP(r), UserAgent: r.UserAgent()}, old)
	}
	if err != nil {
		code := apperr.CodeOf(err)
		if code == apperr.Internal {
			return err
		}
		p := loginPage{Page: s.newPage(w, r, "login.title"), Next: next}
		p.Lean = true
		p.Form.Del("password") // never echo a password
		p.Fail(err)
		status := statusOf[code]
		if code == apperr.Unauthenticated {
			status = http.StatusUnauthorized
		}
		s.render(w, r, status, "login.html", p)
		return nil
	}
	s.setSessionCookie(w, token)
	actor, _, err := s.auth.Authenticate(r.Context(), token)
	if err != nil {
		return err
	}
	s.redirect(w, r, safeNext(next, homeOf(actor)), "")
	return nil
}

// handleLogoutForm ends the session and goes to the home page.
func (s *Server) handleLogoutForm(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	s.redirect(w, r, "/", "flash.signed_out")
	return nil
}

// handleMePage sends the signed-in user to its role's home.
func (s *Server) handleMePage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireActor(r)
	if err != nil {
		return err
	}
	http.Redirect(w, r, homeOf(a), http.StatusSeeOther)
	return nil
}

// handleLang stores the chosen language in the "lang" cookie for a year and
// goes back to the page the switch was on.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "zh" && lang != "en" {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next"), "/"), http.StatusSeeOther)
}
