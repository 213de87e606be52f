package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageCSP is the Content-Security-Policy of every page: only this origin's
// scripts, styles and images (no inline script or style, no eval; htmx is
// configured for that in the layout), photos previewed from blob: URLs, and
// no framing.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// maxFormBody bounds a page's form body: a photo (media allows 10 MiB) and
// the fields around it.
const maxFormBody = 12 << 20

// views are the parsed page templates, the message catalogues and the
// static files, all loaded once at start-up: a broken template, a missing
// catalogue or an unknown static file fails New rather than a request.
type views struct {
	pages  map[string]*template.Template // by file name: "login.html"
	cat    catalog
	assets *assets
	zone   *time.Location
	// popular caches each community's most common categories for the
	// report form's picker.
	popular *popularCache
}

// loadViews parses templates/: files whose names start with "_" (and
// layout.html) hold shared definitions and are parsed into every page;
// each other file is one page, which defines the layout's blocks.
func loadViews(zone *time.Location) *views {
	v := &views{pages: map[string]*template.Template{}, cat: loadCatalog(), assets: loadAssets(), zone: zone,
		popular: &popularCache{m: map[int64]popularEntry{}}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	shared := []string{"templates/layout.html"}
	var pages []string
	for _, n := range names {
		switch base := path.Base(n); {
		case base == "layout.html":
		case strings.HasPrefix(base, "_"):
			shared = append(shared, n)
		default:
			pages = append(pages, n)
		}
	}
	base := template.Must(template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, shared...))
	for _, p := range pages {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, p))
		v.pages[path.Base(p)] = t
	}
	return v
}

// templateFuncs are the few helpers templates need besides Page's methods.
var templateFuncs = template.FuncMap{
	// seq returns 1…n, for star ratings and the like.
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	},
	// seqDown returns n…1 (star radios, drawn right to left).
	"seqDown": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = n - i
		}
		return out
	},
}

// Page is what the layout needs of every page. Each page has its own data
// struct that embeds Page (see PAGES.md), built by Server.newPage.
type Page struct {
	Lang      string            // "zh" or "en"
	Title     string            // the page's title, translated
	CSRF      string            // the token every form carries (field "csrf")
	Actor     *auth.Actor       // nil when nobody is signed in
	Home      string            // the signed-in actor's home ("/r", "/w" …), "" when anonymous
	Path      string            // the request's path and query, for the language switch and sign-in
	Flash     string            // a one-time notice after a redirect, translated
	FormError string            // a form error that concerns no one field, translated
	Errors    map[string]string // field → error, translated, shown beside the field
	Form      url.Values        // what was typed, shown again after an error
	Nav       string            // the current navigation item, for aria-current
	Wide      bool              // lay out for a desktop console rather than a phone
	// Lean pages load no htmx: the resident's and the public pages use
	// none, and a cheap phone should not parse it.
	Lean bool
	// ClearDraft names the drafts (a prefix of data-draft) that app.js
	// forgets on this page: set after a form's successful submission.
	ClearDraft string

	v   *views
	now time.Time
}

// T returns the message of key in the page's language, formatted with args.
func (p Page) T(key string, args ...any) string { return p.v.cat.text(p.Lang, key, args...) }

// Asset returns the content-hashed URL of a static file ("app.css").
func (p Page) Asset(name string) string { return p.v.assets.url(name) }

// Time formats a time (time.Time or *time.Time; "" for nil or zero) as a
// date and minute in the display zone.
func (p Page) Time(t any) string { return p.format(t, "2006-01-02 15:04") }

// Date formats a time as a date in the display zone.
func (p Page) Date(t any) string { return p.format(t, "2006-01-02") }

func (p Page) format(t any, layout string) string {
	var tm time.Time
	switch x := t.(type) {
	case time.Time:
		tm = x
	case *time.Time:
		if x != nil {
			tm = *x
		}
	}
	if tm.IsZero() {
		return ""
	}
	return tm.In(p.v.zone).Format(layout)
}

// Err returns the error of a form field, "" when it has none.
func (p Page) Err(field string) string { return p.Errors[field] }

// Invalid reports whether a form field has an error.
func (p Page) Invalid(field string) bool { return p.Errors[field] != "" }

// Value returns what was typed in a form field.
func (p Page) Value(field string) string { return p.Form.Get(field) }

// Checked reports whether a form field holds value (radio buttons,
// checkboxes, selects).
func (p Page) Checked(field, value string) bool { return slices.Contains(p.Form[field], value) }

// OtherLang is the language the switch offers.
func (p Page) OtherLang() string {
	if p.Lang == "en" {
		return "zh"
	}
	return "en"
}

// LangURL switches to the other language and comes back here.
func (p Page) LangURL() string {
	return "/lang/" + p.OtherLang() + "?next=" + url.QueryEscape(p.Path)
}

// Has reports whether the signed-in actor holds a role ("resident",
// "grid_worker" …).
func (p Page) Has(role string) bool { return p.Actor != nil && p.Actor.HasRole(auth.Role(role)) }

// Now is the time the page was rendered.
func (p Page) Now() time.Time { return p.now }

// Fail shows err on the form: each field error beside its field, any other
// message above the form. Internal errors must not reach it (see
// formError); their cause is never shown.
func (p *Page) Fail(err error) { p.FailAs(err, nil) }

// FailAs is Fail for a form whose fields are named differently from the
// service's: alias maps a service field ("building_id") to the form's
// ("place").
func (p *Page) FailAs(err error, alias map[string]string) {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	var list apperr.List
	if errors.As(err, &list) {
		for _, e := range list {
			p.failOne(e, alias)
		}
		return
	}
	if e := apperr.As(err); e != nil && e.Code != apperr.Internal {
		p.failOne(e, alias)
		return
	}
	p.FormError = p.T("error.internal")
}

func (p *Page) failOne(e *apperr.Error, alias map[string]string) {
	msg := e.Msg.In(p.Lang)
	field := e.Field
	if a, ok := alias[field]; ok {
		field = a
	}
	if field == "" {
		p.FormError = msg
		return
	}
	if _, dup := p.Errors[field]; !dup {
		p.Errors[field] = msg
	}
}

// formError reports whether err belongs on the form (bad input, a
// conflict, too many tries) rather than on an error page.
func formError(err error) bool {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict, apperr.TooMany:
		return true
	}
	return false
}

// newPage returns the layout's data for the request, its title from the
// catalogue key titleKey. It gives the browser its CSRF cookie if it has
// none, and consumes the flash.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request, titleKey string) Page {
	p := Page{Lang: langOf(r), CSRF: s.csrfToken(w, r), Path: r.URL.RequestURI(), Form: url.Values{},
		Errors: map[string]string{}, v: s.views, now: s.now()}
	p.Title = p.T(titleKey)
	if a, ok := auth.ActorFrom(r.Context()); ok {
		p.Actor, p.Home = a, homeOf(a)
	}
	if c, err := r.Cookie(flashCookie); err == nil {
		if s.views.cat.has(c.Value) {
			p.Flash = p.T(c.Value)
		}
		if c.Value == "flash.report_received" || c.Value == "flash.report_duplicate" {
			p.ClearDraft = "report"
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		p.Form = r.PostForm
	}
	return p
}

// flashCookie carries a catalogue key to the page after a redirect.
const flashCookie = "gw_flash"

// redirect answers a form with 303 See Other to target, with a one-time
// notice (a catalogue key, "" for none). htmx requests get HX-Redirect.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, target, flashKey string) {
	if flashKey != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: flashKey, Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// render writes page name (a file of templates/) with data, status and
// the page headers. The page is rendered to a buffer first, so that a
// template error is a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	s.renderBlock(w, r, status, name, "layout", data)
}

// renderBlock writes one template of a page (an htmx fragment), or the
// whole page when block is "layout".
func (s *Server) renderBlock(w http.ResponseWriter, r *http.Request, status int, name, block string, data any) {
	t, ok := s.views.pages[name]
	if !ok {
		s.log.ErrorContext(r.Context(), "no such page template", "page", name)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "block", block, "err", err, "request_id", requestIDFrom(r.Context()))
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	// Pages may show personal data: never store them in shared caches or
	// on disk; the language and the session change them.
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Cookie, Accept-Language, HX-Request, Accept-Encoding")
	body := buf.Bytes()
	if len(body) > 1024 && acceptsGzip(r) {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestSpeed)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = zb.Bytes()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// htmlPage adapts a page handler: it bounds and parses the form, checks the
// CSRF token on every request but GET and HEAD, and shows a returned error
// as an error page (or sends the visitor to sign in).
func (s *Server) htmlPage(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			var err error
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				err = r.ParseMultipartForm(1 << 20)
			} else {
				err = r.ParseForm()
			}
			if err != nil {
				s.pageError(w, r, apperr.Invalidf("", "表单无法读取或超过大小限制", "the form cannot be read or is too large"))
				return
			}
			if err := checkCSRF(r); err != nil {
				s.pageError(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.pageError(w, r, err)
		}
	}
}

// errorPage is the data of templates/error.html.
type errorPage struct {
	Page
	Status  int
	Message string
}

// pageError answers a page request that failed: sign-in for an anonymous
// visitor, otherwise an error page in the user's language with the status
// of the error's code. Only internal errors are logged, here.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	if code == apperr.Unauthenticated {
		if _, ok := auth.ActorFrom(r.Context()); !ok {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = "/me"
			}
			s.redirect(w, r, "/login?next="+url.QueryEscape(next), "")
			return
		}
	}
	p := errorPage{Page: s.newPage(w, r, "error.title"), Status: statusOf[code]}
	p.Lean = true
	if code == apperr.Internal {
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(r.Context()))
		p.Message = p.T("error.internal")
	} else {
		p.Message = apperr.As(err).Msg.In(p.Lang)
	}
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	s.render(w, r, p.Status, "error.html", p)
}

// homeOf is where an actor's work starts: the first matching role wins.
func homeOf(a *auth.Actor) string {
	for _, h := range []struct {
		role auth.Role
		path string
	}{
		{auth.RoleAdmin, "/admin"}, {auth.RoleDispatcher, "/d"}, {auth.RoleBranchSecretary, "/d"}, {auth.RoleLeader, "/d"},
		{auth.RoleGridWorker, "/w"}, {auth.RoleDepartment, "/w"}, {auth.RolePartyMember, "/w"},
		{auth.RoleBuildingHead, "/r"}, {auth.RoleUnitHead, "/r"}, {auth.RoleCourierVolunteer, "/r"}, {auth.RoleResident, "/r"},
	} {
		if a.HasRole(h.role) {
			return h.path
		}
	}
	return "/"
}

// requireRole returns the signed-in actor if it holds one of roles:
// Unauthenticated (which sends a browser to sign in) or Forbidden
// otherwise. Pages use it to pick who sees them; the services still check
// every action.
func requireRole(r *http.Request, roles ...auth.Role) (*auth.Actor, error) {
	a, err := requireActor(r)
	if err != nil {
		return nil, err
	}
	for _, role := range roles {
		if a.HasRole(role) {
			return a, nil
		}
	}
	return nil, apperr.ErrForbidden()
}

// safeNext returns next when it is a path on this site, fallback otherwise,
// so that ?next= cannot send a user to another site.
func safeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return fallback
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}
