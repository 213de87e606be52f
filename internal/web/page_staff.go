package web

import "net/http"

// registerStaffPages adds the staff consoles: the grid worker's (/w), the
// branch secretary's and dispatcher's (/d) and the administration (/admin).
// This file belongs to the consoles; see PAGES.md for how to add a page.
func (s *Server) registerStaffPages(mux *http.ServeMux) {}
