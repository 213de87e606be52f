package demo

import (
	"strings"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/territory"
)

// Login is a demo account to print: who to sign in as to try a role.
type Login struct {
	Username string
	Password string
	Role     auth.Role
	Name     string // the person's name
	Scope    string // the name of the scope the role is held at
}

// DemoLogins returns one login per role, in auth.Roles order. Where the
// city has 水韵名都27号楼 (the district and city sizes), the grid-level
// logins are those of its grid, and the department is the heating company.
func (c *City) DemoLogins() []Login {
	focus := c.FocusBuilding()
	focusGrid := -1
	if focus >= 0 {
		focusGrid = c.Buildings[focus].Grid
	}
	var out []Login
	for _, role := range auth.Roles {
		best := -1
		for i, u := range c.Users {
			if u.Role != role {
				continue
			}
			if best < 0 {
				best = i
			}
			if c.preferred(u, focusGrid) {
				best = i
				break
			}
		}
		if best < 0 {
			continue
		}
		u := c.Users[best]
		out = append(out, Login{Username: u.Username, Password: DemoPassword, Role: role, Name: u.Name, Scope: c.ScopeName(u.Grants[0])})
	}
	return out
}

// preferred reports whether u is the login to show for its role.
func (c *City) preferred(u User, focusGrid int) bool {
	switch u.Role {
	case auth.RoleDepartment:
		return strings.Contains(u.Department, "热力")
	case auth.RoleGridWorker, auth.RoleBuildingHead, auth.RoleUnitHead, auth.RoleResident, auth.RoleBranchSecretary:
		for _, gr := range u.Grants {
			if gr.Region == focusGrid && focusGrid >= 0 {
				return true
			}
		}
	case auth.RolePartyMember:
		return focusGrid >= 0 && u.Resident >= 0 &&
			c.Buildings[c.Households[c.Residents[u.Resident].Household].Building].Grid == focusGrid
	}
	return false
}

// ScopeName names the scope of a grant: its region or party organisation,
// and "本人" (self) for a resident's own records.
func (c *City) ScopeName(g Grant) string {
	switch {
	case g.Kind == auth.ScopeParty && g.Org >= 0:
		return c.PartyOrgs[g.Org].Name
	case g.Kind == auth.ScopeSelf:
		return "本人（" + c.Regions[g.Region].Name + "）"
	case g.Region >= 0:
		return c.Regions[g.Region].Name
	}
	return ""
}

// FocusBuilding returns the index of 水韵名都27号楼, or -1 when the city has
// none (the village size).
func (c *City) FocusBuilding() int {
	for i, b := range c.Buildings {
		if b.Number == 27 && b.Kind == territory.BuildingKindBuilding && c.Compounds[b.Compound].Name == "水韵名都" {
			return i
		}
	}
	return -1
}
