package web

import "net/http"

// registerPages adds the browser pages. They are not API routes, so they
// stay out of the route table and the OpenAPI document. The staff consoles
// (/w, /d, /admin) are added by registerStaffPages.
func (s *Server) registerPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{file...}", s.handleStatic)
	mux.HandleFunc("GET /lang/{lang}", s.handleLang)
	mux.HandleFunc("GET /{$}", s.htmlPage(s.handleHome))
	mux.HandleFunc("GET /login", s.htmlPage(s.handleLoginPage))
	mux.HandleFunc("POST /login", s.htmlPage(s.handleLoginForm))
	mux.HandleFunc("POST /logout", s.htmlPage(s.handleLogoutForm))
	mux.HandleFunc("GET /me", s.htmlPage(s.handleMePage))
	s.registerResidentPages(mux)
	s.registerPublicPages(mux)
	s.registerStaffPages(mux)
	mux.HandleFunc("GET /screen", s.htmlPage(s.handleScreen))
}
