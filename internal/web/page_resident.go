package web

import "net/http"

// registerResidentPages adds the resident's pages under /r and the
// anonymous report at /report.
func (s *Server) registerResidentPages(mux *http.ServeMux) {}
