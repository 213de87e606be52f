package web

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthJSON is the answer of /healthz.
type healthJSON struct {
	Status string `json:"status"`
	DB     string `json:"db"`
}

// handleHealthz answers 200 when the database answers a ping within a
// second, 503 otherwise. It needs no login, for load balancers.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	status, body := http.StatusOK, healthJSON{Status: "ok", DB: string(s.db.Dialect)}
	if err := s.db.ReaderPool().PingContext(ctx); err != nil {
		status, body.Status = http.StatusServiceUnavailable, "db unavailable"
		s.log.WarnContext(ctx, "healthz: database ping failed", "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{ErrorLog: nil})
}
