package open311

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/ratelimit"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/territory"
)

// Deps are the services Open311 stands on; all are required.
type Deps struct {
	DB        *sqldb.DB
	Cases     *cases.Service     // intake and the requests' state
	Category  *category.Service  // the services: the category dictionary
	Territory *territory.Service // jurisdictions, location checks, addresses
	Media     *media.Service     // photos uploaded with a request
	Keys      *people.Keyring    // the reporter's e-mail at rest
}

// Options tune the service. The zero value is usable.
type Options struct {
	// Now is the clock of the default 90-day window; the database's if nil.
	Now func() time.Time
	// Zone is the zone times are written in: UTC+8 (China) if nil.
	Zone *time.Location
	// Contact and KeyService are the discovery document's texts: how to
	// reach the operators and how to get an API key.
	Contact, KeyService string
	// Withheld are category classes not offered as services, with their
	// sub-categories: S04 (特殊人群, special groups: records about people
	// under management, not requests) if nil.
	Withheld []string
	// AnonymousPerMinute is how many requests without an api_key one
	// address may send a minute: 60 if 0.
	AnonymousPerMinute int
}

// Service is Open311 GeoReport v2 over the case loop. It is safe for
// concurrent use.
type Service struct {
	db   *sqldb.DB
	cs   *cases.Service
	cat  *category.Service
	terr *territory.Service
	med  *media.Service
	keys *people.Keyring
	opt  Options
	part int // cases one read of GET requests takes: casesPage (tests lower it)

	mu     sync.Mutex
	limits map[int]*ratelimit.PerKey // per-key buckets, one limiter per rate
	anon   *ratelimit.PerKey         // requests without a key, per address
}

// NewService returns the service on deps.
func NewService(deps Deps, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = deps.DB.Now
	}
	if opt.Zone == nil {
		opt.Zone = time.FixedZone("CST", 8*3600)
	}
	if opt.Contact == "" {
		opt.Contact = "请联系本区网格化服务管理中心 / Contact the district's grid management centre"
	}
	if opt.KeyService == "" {
		opt.KeyService = "API 密钥由本区管理员在 Gridwork 中签发 / API keys are issued by the district's administrators in Gridwork"
	}
	if opt.Withheld == nil {
		opt.Withheld = []string{"S04"}
	}
	if opt.AnonymousPerMinute <= 0 {
		opt.AnonymousPerMinute = 60
	}
	return &Service{db: deps.DB, cs: deps.Cases, cat: deps.Category, terr: deps.Territory, med: deps.Media, keys: deps.Keys,
		opt: opt, part: casesPage, limits: map[int]*ratelimit.PerKey{}, anon: ratelimit.New(opt.AnonymousPerMinute)}
}

// Zone is the zone the service writes times in.
func (s *Service) Zone() *time.Location { return s.opt.Zone }

// Caller is who asks: the client of the api_key (nil for a request without
// one), the jurisdiction named, and the language of texts ("zh", "en").
type Caller struct {
	Client       *Client
	Jurisdiction *Jurisdiction
	Lang         string
}

// Admit takes one request from the caller's allowance: the key's rate per
// minute, or for a request without a key its address's. TooMany when the
// allowance is spent.
func (s *Service) Admit(cl *Client, addr string) error {
	now := s.opt.Now()
	if cl == nil {
		if !s.anon.Allow(addr, now) {
			return apperr.New(apperr.TooMany, "", "请求过于频繁，请稍后再试", "too many requests from this address; try again later")
		}
		return nil
	}
	s.mu.Lock()
	l, ok := s.limits[cl.PerMinute]
	if !ok {
		l = ratelimit.New(cl.PerMinute)
		s.limits[cl.PerMinute] = l
	}
	s.mu.Unlock()
	if !l.Allow("key:"+strconv.FormatInt(cl.KeyID, 10), now) {
		return apperr.Newf(apperr.TooMany, "api_key", "该 api_key 每分钟最多 %d 次请求，请稍后再试",
			"this api_key may send at most %d requests a minute; try again later", cl.PerMinute)
	}
	return nil
}

// system returns ctx acting as the system: Open311 authorises its callers
// by its own rules (a valid key to write; public requests or the key's own
// to read) and then reads and writes the case loop on their behalf.
func system(ctx context.Context) context.Context {
	return auth.WithActor(ctx, auth.SystemActor())
}
