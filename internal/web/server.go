// Package web is Gridwork's one HTTP server: routes, middleware, the mapping
// of error codes to statuses, the JSON API under /api/v1 and the pages.
package web

import (
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/ledger"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/prometheus/client_golang/prometheus"
)

// Deps are the services the server fronts.
type Deps struct {
	DB        *sqldb.DB
	Auth      *auth.Service
	Territory *territory.Service
	People    *people.Service
	Ledger    *ledger.Importer
	Exporter  *ledger.Exporter
	Logger    *slog.Logger
	Registry  *prometheus.Registry // metrics are registered here and served at /metrics
	Now       func() time.Time
	// SecureCookies sets the Secure flag on cookies (behind HTTPS).
	SecureCookies bool
	SessionTTL    time.Duration
}

// Server is the HTTP front of Gridwork.
type Server struct {
	db        *sqldb.DB
	auth      *auth.Service
	territory *territory.Service
	people    *people.Service
	ledger    *ledger.Importer
	exporter  *ledger.Exporter
	log       *slog.Logger
	gatherer  prometheus.Gatherer
	metrics   *httpMetrics
	now       func() time.Time
	secure    bool
	ttl       time.Duration
	tmpl      *template.Template
	handler   http.Handler
}

// New builds the server and its routes.
func New(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.SessionTTL == 0 {
		d.SessionTTL = 12 * time.Hour
	}
	s := &Server{
		db: d.DB, auth: d.Auth, territory: d.Territory, people: d.People, ledger: d.Ledger, exporter: d.Exporter,
		log: d.Logger, gatherer: d.Registry, metrics: newHTTPMetrics(d.Registry), now: d.Now,
		secure: d.SecureCookies, ttl: d.SessionTTL, tmpl: parseTemplates(),
	}
	mux := http.NewServeMux()
	s.routes(mux)
	csrf := http.NewCrossOriginProtection()
	s.handler = s.observe(csrf.Handler(s.authenticate(mux)))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// api adapts a handler that returns an error: errors go through writeError.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.HandleFunc("GET /{$}", s.handleHome)

	mux.HandleFunc("POST /api/v1/auth/login", s.api(s.handleLogin))
	mux.HandleFunc("POST /api/v1/auth/logout", s.api(s.handleLogout))
	mux.HandleFunc("GET /api/v1/me", s.api(s.handleMe))
	mux.HandleFunc("POST /api/v1/me/password", s.api(s.handleChangePassword))
	mux.HandleFunc("GET /api/v1/users", s.api(s.handleListUsers))
	mux.HandleFunc("POST /api/v1/users", s.api(s.handleCreateUser))
	mux.HandleFunc("GET /api/v1/users/{id}", s.api(s.handleGetUser))
	mux.HandleFunc("POST /api/v1/users/{id}/grants", s.api(s.handleGrant))
	mux.HandleFunc("POST /api/v1/tokens", s.api(s.handleCreateToken))

	mux.HandleFunc("GET /api/v1/regions", s.api(s.handleListRegions))
	mux.HandleFunc("POST /api/v1/regions", s.api(s.handleCreateRegion))
	mux.HandleFunc("GET /api/v1/regions/{id}", s.api(s.handleGetRegion))
	mux.HandleFunc("PATCH /api/v1/regions/{id}", s.api(s.handleUpdateRegion))
	mux.HandleFunc("GET /api/v1/regions/{id}/boundary", s.api(s.handleGetBoundary))
	mux.HandleFunc("PUT /api/v1/regions/{id}/boundary", s.api(s.handleSetBoundary))
	mux.HandleFunc("GET /api/v1/locate", s.api(s.handleLocate))
	mux.HandleFunc("GET /api/v1/buildings", s.api(s.handleListBuildings))
	mux.HandleFunc("POST /api/v1/buildings", s.api(s.handleCreateBuilding))
	mux.HandleFunc("GET /api/v1/buildings/{id}", s.api(s.handleGetBuilding))
	mux.HandleFunc("GET /api/v1/service-points", s.api(s.handleListServicePoints))

	mux.HandleFunc("GET /api/v1/residents", s.api(s.handleListResidents))
	mux.HandleFunc("POST /api/v1/residents", s.api(s.handleCreateResident))
	mux.HandleFunc("GET /api/v1/residents/{id}", s.api(s.handleGetResident))
	mux.HandleFunc("POST /api/v1/residents/{id}/reveal", s.api(s.handleRevealResident))
	mux.HandleFunc("GET /api/v1/pii-views", s.api(s.handleListPIIViews))
	mux.HandleFunc("GET /api/v1/party-orgs", s.api(s.handleListPartyOrgs))
	mux.HandleFunc("GET /api/v1/regions/{id}/party-coverage", s.api(s.handlePartyCoverage))

	mux.HandleFunc("GET /api/v1/ledger/template", s.api(s.handleLedgerTemplate))
	mux.HandleFunc("POST /api/v1/ledger/import", s.api(s.handleLedgerImport))
	mux.HandleFunc("GET /api/v1/ledger/export", s.api(s.handleLedgerExport))
}
