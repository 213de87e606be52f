package auth

import (
	"context"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Actor is whoever performs a request: a signed-in user, an API token's
// owner, or the system itself (CLI tools, the demo generator, timers).
type Actor struct {
	UserID int64
	Name   string
	Grants []Grant
	System bool // the system acts everywhere; never given to a web request
}

// SystemActor is the actor of CLI commands and background jobs.
func SystemActor() *Actor { return &Actor{Name: "system", System: true} }

// Resource locates what an action touches: the region node (materialised
// path) it belongs to, the party organisation, and the owning user, when
// those apply. The zero Resource is only reachable by the system.
type Resource struct {
	RegionPath string
	PartyPath  string
	OwnerID    int64
}

// Can reports whether actor a may perform act on r: one of its grants must
// carry the action and its scope must cover the resource.
func Can(a *Actor, act Action, r Resource) bool {
	if a == nil {
		return false
	}
	if a.System {
		return true
	}
	for _, g := range a.Grants {
		if !RoleAllows(g.Role, act) {
			continue
		}
		switch g.Scope.Kind {
		case ScopeRegion:
			if r.RegionPath != "" && g.Scope.Covers(r.RegionPath) {
				return true
			}
		case ScopeParty:
			if r.PartyPath != "" && g.Scope.Covers(r.PartyPath) {
				return true
			}
		case ScopeSelf:
			if r.OwnerID != 0 && r.OwnerID == a.UserID {
				return true
			}
		}
	}
	return false
}

// Paths returns the materialised paths of the scopes of kind k at which the
// actor holds act, for scoping list queries in SQL. all is true for the
// system actor, whose queries need no scope.
func (a *Actor) Paths(act Action, k ScopeKind) (paths []string, all bool) {
	if a == nil {
		return nil, false
	}
	if a.System {
		return nil, true
	}
	for _, g := range a.Grants {
		if g.Scope.Kind == k && RoleAllows(g.Role, act) {
			paths = append(paths, g.Scope.Path)
		}
	}
	return paths, false
}

// HasRole reports whether the actor holds role r at any scope.
func (a *Actor) HasRole(r Role) bool {
	if a == nil {
		return false
	}
	for _, g := range a.Grants {
		if g.Role == r {
			return true
		}
	}
	return false
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, if any.
func ActorFrom(ctx context.Context) (*Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(*Actor)
	return a, ok && a != nil
}

// Check returns nil if the actor in ctx may perform act on r; otherwise an
// Unauthenticated (no actor) or Forbidden apperr.
func Check(ctx context.Context, act Action, r Resource) error {
	a, ok := ActorFrom(ctx)
	if !ok {
		return apperr.ErrUnauthenticated()
	}
	if !Can(a, act, r) {
		return apperr.ErrForbidden()
	}
	return nil
}

// Scoped returns the actor in ctx and the region paths it may act on with
// act (all=true for the system), or an error when it may act nowhere.
// List queries use it to add a WHERE on the materialised path.
func Scoped(ctx context.Context, act Action) (paths []string, all bool, err error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return nil, false, apperr.ErrUnauthenticated()
	}
	paths, all = a.Paths(act, ScopeRegion)
	if !all && len(paths) == 0 {
		return nil, false, apperr.ErrForbidden()
	}
	return paths, all, nil
}

// GrantResource returns the resource a grant's scope sits at: the region
// path for region and self (anchor) scopes, the party path for party
// scopes. Granting, revoking and managing accounts are checked against it.
func GrantResource(g Grant) Resource {
	if g.Scope.Kind == ScopeParty {
		return Resource{PartyPath: g.Scope.Path}
	}
	return Resource{RegionPath: g.Scope.Path}
}

// CanUser reports whether actor a may perform act (user.read or user.write)
// on an account holding grants: a must cover every one of them, so that an
// admin of one street cannot lock out or re-password someone who also works
// in another. An account with no grants is reachable only by the system.
func CanUser(a *Actor, act Action, grants []Grant) bool {
	if a != nil && a.System {
		return true
	}
	if len(grants) == 0 {
		return false
	}
	for _, g := range grants {
		if !Can(a, act, GrantResource(g)) {
			return false
		}
	}
	return true
}

// CanReadUser reports whether actor a may see an account holding grants:
// the system, or an actor with user.read covering at least one of them (an
// admin sees everyone who works in its subtree).
func CanReadUser(a *Actor, grants []Grant) bool {
	if a != nil && a.System {
		return true
	}
	for _, g := range grants {
		if Can(a, ActUserRead, GrantResource(g)) {
			return true
		}
	}
	return false
}

// CheckUser is Check for an account: nil if the actor in ctx may perform
// act on the account holding grants (see CanUser), otherwise an
// Unauthenticated or Forbidden apperr.
func CheckUser(ctx context.Context, act Action, grants []Grant) error {
	a, ok := ActorFrom(ctx)
	if !ok {
		return apperr.ErrUnauthenticated()
	}
	if !CanUser(a, act, grants) {
		return apperr.ErrForbidden()
	}
	return nil
}

// ScopePaths are the region and party subtrees an actor may act on with
// one action; All is set for the system.
type ScopePaths struct {
	Region []string
	Party  []string
	All    bool
}

// ScopedPaths is Scoped for lists that span both trees (such as users,
// whose grants sit in either): the actor's region and party paths for act,
// or an error when it may act nowhere.
func ScopedPaths(ctx context.Context, act Action) (ScopePaths, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return ScopePaths{}, apperr.ErrUnauthenticated()
	}
	var p ScopePaths
	p.Region, p.All = a.Paths(act, ScopeRegion)
	p.Party, _ = a.Paths(act, ScopeParty)
	if !p.All && len(p.Region) == 0 && len(p.Party) == 0 {
		return ScopePaths{}, apperr.ErrForbidden()
	}
	return p, nil
}
