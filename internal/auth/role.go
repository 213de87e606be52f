// Package auth holds who is acting and what they may do: roles held at a
// scope (a region or party-organisation subtree), the permission table, the
// pure Can check every service method calls, and — in its store files —
// users, passwords, sessions, API tokens and login throttling.
package auth

// Role is one of the roles of DESIGN §1.
type Role string

// The roles.
const (
	RoleResident         Role = "resident"
	RoleGridWorker       Role = "grid_worker"
	RoleBuildingHead     Role = "building_head"
	RoleUnitHead         Role = "unit_head"
	RolePartyMember      Role = "party_member"
	RoleBranchSecretary  Role = "branch_secretary"
	RoleDispatcher       Role = "dispatcher"
	RoleDepartment       Role = "department"
	RoleLeader           Role = "leader"
	RoleCourierVolunteer Role = "courier_volunteer"
	RoleAdmin            Role = "admin"
)

// Roles lists every role in a stable order.
var Roles = []Role{
	RoleResident, RoleGridWorker, RoleBuildingHead, RoleUnitHead, RolePartyMember,
	RoleBranchSecretary, RoleDispatcher, RoleDepartment, RoleLeader, RoleCourierVolunteer, RoleAdmin,
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if k == r {
			return true
		}
	}
	return false
}

// ScopeKind says which tree a scope is a node of.
type ScopeKind string

// The scope kinds.
const (
	ScopeRegion ScopeKind = "region" // a node of the region tree
	ScopeParty  ScopeKind = "party"  // a node of the party-organisation tree
	ScopeSelf   ScopeKind = "self"   // the user's own records only (residents)
)

// Valid reports whether k is a known scope kind.
func (k ScopeKind) Valid() bool { return k == ScopeRegion || k == ScopeParty || k == ScopeSelf }

// Scope is a subtree: its root's ID and materialised path ("/1/4/17/").
// A self scope covers only the holder's own records; its ID and Path name
// the region the account is registered in (its anchor), so that the region's
// admins can find and manage the account, and Can ignores them.
type Scope struct {
	Kind ScopeKind
	ID   int64
	Path string
}

// Covers reports whether the scope's subtree holds the node at path.
func (s Scope) Covers(path string) bool {
	return s.Path != "" && len(path) >= len(s.Path) && path[:len(s.Path)] == s.Path
}

// Grant is a role held at a scope.
type Grant struct {
	Role  Role
	Scope Scope
}
