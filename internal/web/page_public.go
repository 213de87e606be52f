package web

import "net/http"

// registerPublicPages adds the public pages under /p: a case's public page
// and a community's public map.
func (s *Server) registerPublicPages(mux *http.ServeMux) {}
