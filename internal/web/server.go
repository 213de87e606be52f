// Package web is Gridwork's one HTTP server: routes, middleware, the mapping
// of error codes to statuses, the JSON API under /api/v1 and the pages.
package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/ledger"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/open311"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/ratelimit"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/stats"
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
	Cases     *cases.Service
	Calendar  *calendar.Service
	Category  *category.Service
	Media     *media.Service
	Notify    *notify.Service
	Stats     *stats.Service
	Open311   *open311.Service // Open311 GeoReport v2 at /open311/v2; none if nil
	Logger    *slog.Logger
	Registry  *prometheus.Registry // metrics are registered here and served at /metrics
	Now       func() time.Time
	// Zone is the display time zone, for dates in queries; Asia/Shanghai if nil.
	Zone *time.Location
	// SecureCookies sets the Secure flag on cookies (behind HTTPS).
	SecureCookies bool
	SessionTTL    time.Duration
}

// intakePerMinute is how many anonymous reports or uploads one address may
// send a minute.
const intakePerMinute = 10

// Server is the HTTP front of Gridwork.
type Server struct {
	db        *sqldb.DB
	auth      *auth.Service
	territory *territory.Service
	people    *people.Service
	ledger    *ledger.Importer
	exporter  *ledger.Exporter
	cases     *cases.Service
	calendar  *calendar.Service
	category  *category.Service
	media     *media.Service
	notify    *notify.Service
	stats     *stats.Service
	open311   *open311.Service
	zone      *time.Location // the display time zone
	log       *slog.Logger
	gatherer  prometheus.Gatherer
	metrics   *httpMetrics
	now       func() time.Time
	secure    bool
	ttl       time.Duration
	views     *views // page templates, message catalogues and static files
	// intakeLimit bounds anonymous reports and uploads per client address.
	intakeLimit *ratelimit.PerKey
	openapi     []byte // the OpenAPI document, built once from the route table
	handler     http.Handler
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
	if d.Zone == nil {
		d.Zone = time.FixedZone("CST", 8*3600) // China has one zone and no daylight saving
	}
	if d.SessionTTL == 0 {
		d.SessionTTL = 12 * time.Hour
	}
	s := &Server{
		db: d.DB, auth: d.Auth, territory: d.Territory, people: d.People, ledger: d.Ledger, exporter: d.Exporter,
		cases: d.Cases, calendar: d.Calendar, category: d.Category, media: d.Media, notify: d.Notify, stats: d.Stats, open311: d.Open311, zone: d.Zone,
		intakeLimit: ratelimit.New(intakePerMinute),
		log:         d.Logger, gatherer: d.Registry, metrics: newHTTPMetrics(d.Registry), now: d.Now,
		secure: d.SecureCookies, ttl: d.SessionTTL, views: loadViews(d.Zone),
	}
	mux := http.NewServeMux()
	s.register(mux)
	s.openapi = s.buildOpenAPI()
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
