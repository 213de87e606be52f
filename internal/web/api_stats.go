package web

import (
	"net/http"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/stats"
)

// parseWhen reads a time query parameter: RFC 3339, or a date (midnight in
// the server's display zone).
func (s *Server) parseWhen(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, s.zone); err == nil {
		return t, nil
	}
	return time.Time{}, apperr.Invalidf(name, "%s 应为日期（YYYY-MM-DD）或 RFC 3339 时间", "%s must be a date (YYYY-MM-DD) or an RFC 3339 time", name)
}

// handleKPIs answers the KPIs of a region subtree over [from, to).
func (s *Server) handleKPIs(w http.ResponseWriter, r *http.Request) error {
	id, err := queryID(r, "region_id")
	if err != nil {
		return err
	}
	from, err := s.parseWhen(r, "from")
	if err != nil {
		return err
	}
	to, err := s.parseWhen(r, "to")
	if err != nil {
		return err
	}
	k, err := s.stats.KPIs(r.Context(), stats.Query{RegionID: id, From: from, To: to})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}
