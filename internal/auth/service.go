package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/ratelimit"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// PathResolver returns the materialised path of the scope root id of kind
// k (a region for region and self scopes, a party organisation for party
// scopes), or a NotFound error. It is injected because territory and people
// import auth, not the other way round.
type PathResolver func(ctx context.Context, kind ScopeKind, id int64) (string, error)

// Options configure the Service. Zero fields take the defaults shown.
type Options struct {
	Now              func() time.Time // the database's clock (db.Now)
	SessionTTL       time.Duration    // absolute session lifetime: 12h
	SessionIdle      time.Duration    // idle timeout, sliding: 2h
	LockoutThreshold int              // consecutive failures that lock an account: 5
	LockoutDuration  time.Duration    // how long it stays locked: 15m
	IPRate           int              // login attempts per minute per IP (also the burst): 20
	Argon2           Argon2Params     // DefaultArgon2(); FastArgon2() for tests and demos
	Logger           *slog.Logger     // the database's logger
}

// Service is the store and use cases of accounts: users, grants, sessions,
// API tokens and login throttling. Every exported method that acts on
// behalf of a signed-in actor checks its permission first; Login,
// Authenticate, AuthenticateAPIToken and Logout are how an actor comes to
// be (or stops being) and are authorised by the credentials they are given.
type Service struct {
	db      *sqldb.DB
	resolve PathResolver
	opt     Options
	now     func() time.Time
	log     *slog.Logger

	ipLimit *ratelimit.PerKey
	unknown *nameLockout

	dummyOnce sync.Once
	dummyHash string
}

// NewService returns a Service on db. resolve maps grant scopes to their
// materialised paths.
func NewService(db *sqldb.DB, resolve PathResolver, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = db.Now
	}
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = 12 * time.Hour
	}
	if opt.SessionIdle <= 0 {
		opt.SessionIdle = 2 * time.Hour
	}
	if opt.LockoutThreshold <= 0 {
		opt.LockoutThreshold = 5
	}
	if opt.LockoutDuration <= 0 {
		opt.LockoutDuration = 15 * time.Minute
	}
	if opt.IPRate <= 0 {
		opt.IPRate = 20
	}
	if opt.Argon2 == (Argon2Params{}) {
		opt.Argon2 = DefaultArgon2()
	}
	if opt.Logger == nil {
		opt.Logger = db.Logger()
	}
	return &Service{
		db:      db,
		resolve: resolve,
		opt:     opt,
		now:     func() time.Time { return opt.Now().UTC() },
		log:     opt.Logger,
		ipLimit: ratelimit.New(opt.IPRate),
		unknown: newNameLockout(opt.LockoutThreshold, opt.LockoutDuration),
	}
}

// actor returns the actor in ctx, or Unauthenticated.
func actor(ctx context.Context) (*Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return nil, apperr.ErrUnauthenticated()
	}
	return a, nil
}

// isSelf reports whether a is the signed-in user id (never the system).
func isSelf(a *Actor, id int64) bool { return !a.System && a.UserID != 0 && a.UserID == id }

// resolveGrant turns a validated grant request into a Grant with its
// path. The system may supply the path itself (see GrantInput.ScopePath).
func (s *Service) resolveGrant(ctx context.Context, a *Actor, field string, in GrantInput) (Grant, error) {
	g := Grant{Role: in.Role, Scope: Scope{Kind: in.ScopeKind, ID: in.ScopeID}}
	if in.ScopePath != "" && a.System {
		g.Scope.Path = in.ScopePath
		return g, nil
	}
	kind := in.ScopeKind
	if kind == ScopeSelf {
		kind = ScopeRegion // a self scope is anchored in a region
	}
	if s.resolve == nil {
		return g, apperr.Invalidf(field, "无法解析授权范围", "the scope cannot be resolved")
	}
	path, err := s.resolve(ctx, kind, in.ScopeID)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return g, apperr.Wrap(err, apperr.Invalid, field, "授权范围不存在", "the scope does not exist")
		}
		return g, err
	}
	g.Scope.Path = path
	return g, nil
}

// authorizeUser loads user id and checks that the actor may perform act on
// it: itself when allowSelf, or an actor covering the account (all of its
// grants for user.write, any of them for user.read). An account the actor
// cannot see is NotFound, so that ids do not reveal accounts elsewhere.
func (s *Service) authorizeUser(ctx context.Context, q sqldb.Querier, act Action, id int64, allowSelf bool) (*Actor, *User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !(allowSelf && isSelf(a, id)) {
		// Fail fast, before any read, when the actor holds act nowhere.
		if _, err := ScopedPaths(ctx, act); err != nil {
			return nil, nil, err
		}
	}
	u, err := loadUser(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	if allowSelf && isSelf(a, id) {
		return a, u, nil
	}
	if !CanReadUser(a, u.Grants) {
		return nil, nil, errUserNotFound()
	}
	if act != ActUserRead { // reading needs one covered grant, changing all of them
		if err := CheckUser(ctx, act, u.Grants); err != nil {
			return nil, nil, err
		}
	}
	return a, u, nil
}
