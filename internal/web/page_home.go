package web

import (
	"net/http"
)

// homePage is the data of templates/home.html: the public front door.
type homePage struct {
	Page
}

// handleHome shows the front door: sign in, report without an account, and
// for a signed-in user the way to its own pages.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	p := homePage{Page: s.newPage(w, r, "home.title")}
	p.Lean = true
	p.Nav = "home"
	s.render(w, r, http.StatusOK, "home.html", p)
	return nil
}
