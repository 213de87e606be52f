package demo

import (
	"fmt"
	"strings"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/territory"
)

// users adds the demo accounts: per district (and for the city) an admin,
// a leader, a dispatcher and the utility and municipal departments; per street or town
// a leader, a dispatcher and the police; per community its property
// company (each department account acting for its department, see
// departments); per street two couriers; and per grid a grid worker, the
// branch secretary, a building head, a unit head, a party member and a
// resident.
func (g *gen) users() {
	// Grid → its party-member users' candidates (first member living there).
	gridMember := make(map[int]int)
	for i, m := range g.c.PartyMembers {
		grid := g.c.Buildings[g.c.Households[g.c.Residents[m.Resident].Household].Building].Grid
		if _, ok := gridMember[grid]; !ok || g.inFocus(m.Resident) && !g.inFocus(g.c.PartyMembers[gridMember[grid]].Resident) {
			gridMember[grid] = i
		}
	}
	for i, r := range g.c.Regions {
		switch r.Level {
		case territory.LevelCity, territory.LevelCounty:
			g.districtUsers(i)
		case territory.LevelTownship:
			g.townshipUsers(i)
		case territory.LevelVillage:
			if !isVillageCode(r.Code) {
				g.propertyUser(i)
			}
		case territory.LevelGrid:
			g.gridUsers(i, gridMember)
		}
	}
}

// slug is the part of a username that names a region: the township,
// village and grid numbers ("001001003"), led by the county's last two
// digits when the city has several districts.
func (g *gen) slug(region int) string {
	code := g.c.Regions[region].Code
	var parts string
	switch g.c.Regions[region].Level {
	case territory.LevelTownship:
		parts = code[6:9]
	case territory.LevelVillage:
		parts = code[6:12]
	case territory.LevelGrid:
		parts = code[6:15]
	}
	if g.opt.Size == SizeCity {
		parts = code[4:6] + parts
	}
	return parts
}

// name joins a role prefix and a slug into a username.
func name(prefix, slug string) string {
	if slug == "" {
		return prefix
	}
	return prefix + "-" + slug
}

// staff draws a working-age person who is not among the residents.
func (g *gen) staff() (string, string) {
	age := g.uniform(26, 55)
	sex := people.Female
	if g.chance(0.5) {
		sex = people.Male
	}
	return g.surn.pick(g.rng) + givenName(g.rng, asOf.Year()-age, sex), g.phone()
}

func regionGrant(role auth.Role, region int) Grant {
	return Grant{Role: role, Kind: auth.ScopeRegion, Region: region, Org: -1}
}

func (g *gen) addUser(u User) {
	if g.usernames[u.Username] {
		panic("demo: duplicate username " + u.Username)
	}
	g.usernames[u.Username] = true
	g.c.Users = append(g.c.Users, u)
}

// addStaff adds an account for a person who is not a resident.
func (g *gen) addStaff(username string, role auth.Role, dept string, grants ...Grant) {
	n, p := g.staff()
	g.addUser(User{Username: username, Name: n, Phone: p, Role: role, Grants: grants, Resident: -1, Building: -1, Department: dept, Dept: -1})
}

// addResidentUser adds an account for resident res.
func (g *gen) addResidentUser(username string, role auth.Role, res, building, unit int, grants ...Grant) {
	r := g.c.Residents[res]
	g.addUser(User{Username: username, Name: r.Name, Phone: r.Phone, Role: role, Grants: grants, Resident: res, Building: building, Unit: unit, Dept: -1})
}

func (g *gen) districtUsers(county int) {
	r := g.c.Regions[county]
	s := ""
	if r.Level == territory.LevelCounty && g.opt.Size == SizeCity {
		s = r.Code[4:6]
	}
	stem := strings.TrimSuffix(strings.TrimSuffix(r.Name, "区"), "市")
	g.addStaff(name("admin", s), auth.RoleAdmin, "", regionGrant(auth.RoleAdmin, county))
	g.addStaff(name("leader", s), auth.RoleLeader, "", regionGrant(auth.RoleLeader, county))
	g.addStaff(name("dispatcher", s), auth.RoleDispatcher, r.Name+"社会治理综合指挥中心", regionGrant(auth.RoleDispatcher, county))
	for _, d := range []struct{ user, company, route string }{
		{"heating", stem + "热力有限公司", deptHeating},
		{"municipal", r.Name + "市政设施管理中心", deptMunicipal},
		{"water", stem + "水务集团", deptWater},
		{"power", stem + "供电公司", deptPower},
	} {
		g.addDeptStaff(name(d.user, s), d.company, d.route, county)
	}
}

func (g *gen) townshipUsers(t int) {
	r := g.c.Regions[t]
	s := g.slug(t)
	g.addStaff(name("leader", s), auth.RoleLeader, "", regionGrant(auth.RoleLeader, t))
	g.addStaff(name("dispatcher", s), auth.RoleDispatcher, r.Name+"综治中心", regionGrant(auth.RoleDispatcher, t))
	stem := strings.TrimSuffix(strings.TrimSuffix(r.Name, "街道"), "镇")
	g.addDeptStaff(name("police", s), stem+"派出所", deptPolice, t)
	if r.Rural {
		return
	}
	// Two couriers, each reporting to (报到) one to three of the street's communities.
	comms := g.children[t]
	for k := 1; k <= 2; k++ {
		var grants []Grant
		for _, c := range g.rng.Perm(len(comms))[:g.uniform(1, min(3, len(comms)))] {
			grants = append(grants, regionGrant(auth.RoleCourierVolunteer, comms[c]))
		}
		company := industryCompanies[g.rng.IntN(len(industryCompanies))]
		g.addStaff(name("courier", fmt.Sprintf("%s-%d", s, k)), auth.RoleCourierVolunteer, company, grants...)
	}
}

// propertyUser adds the account of the property company of a community's
// first compound, acting for the community's 物业公司.
func (g *gen) propertyUser(comm int) {
	for _, cp := range g.c.Compounds {
		if cp.Community == comm {
			g.addDeptStaff(name("property", g.slug(comm)), cp.Name+"物业服务中心", deptProperty, comm)
			return
		}
	}
}

// gridUsers adds the grid's worker and branch secretary and, from among its
// residents, a building head, a unit head, a party member and a resident.
// In 水韵名都27号楼's grid they all live in that building's unit 1.
func (g *gen) gridUsers(grid int, gridMember map[int]int) {
	s := g.slug(grid)
	branch := g.branchOf[grid]
	g.addStaff(name("gridworker", s), auth.RoleGridWorker, "", regionGrant(auth.RoleGridWorker, grid))
	g.addStaff(name("secretary", s), auth.RoleBranchSecretary, "",
		Grant{Role: auth.RoleBranchSecretary, Kind: auth.ScopeParty, Region: -1, Org: branch},
		regionGrant(auth.RoleBranchSecretary, grid))

	hs := g.gridHouseholds[grid]
	if hs[0] == hs[1] {
		return
	}
	// The first occupied unit of the grid (or the focus building's unit 1).
	h0 := hs[0]
	for h := hs[0]; h < hs[1]; h++ {
		if hh := g.c.Households[h]; hh.Building == g.focus && hh.Unit == 1 {
			h0 = h
			break
		}
	}
	// Three households where the grid has them: the building head first
	// and the resident last in that unit, the unit head between them, or
	// from elsewhere in the grid when the unit is small (a courtyard holds
	// one household).
	first := g.c.Households[h0]
	var unit, rest []int
	for h := hs[0]; h < hs[1]; h++ {
		hh := g.c.Households[h]
		switch {
		case hh.Building == first.Building && hh.Unit == first.Unit && h >= h0:
			unit = append(unit, h)
		case len(rest) < 2:
			rest = append(rest, h)
		}
	}
	head, mid, last := unit[0], unit[0], unit[len(unit)-1]
	switch {
	case len(unit) >= 3:
		mid = unit[len(unit)/2]
	case len(rest) > 0 && len(unit) == 2:
		mid = rest[0]
	case len(rest) > 0:
		mid, last = rest[0], rest[len(rest)-1]
	}
	user := func(prefix string, role auth.Role, h int, grant Grant) {
		hh := g.c.Households[h]
		unit := hh.Unit
		if role == auth.RoleBuildingHead {
			unit = 0
		}
		g.addResidentUser(name(prefix, s), role, g.hhResidents[h][0], hh.Building, unit, grant)
	}
	user("buildinghead", auth.RoleBuildingHead, head, regionGrant(auth.RoleBuildingHead, grid))
	user("unithead", auth.RoleUnitHead, mid, regionGrant(auth.RoleUnitHead, grid))
	user("resident", auth.RoleResident, last, Grant{Role: auth.RoleResident, Kind: auth.ScopeSelf, Region: grid, Org: -1})
	if m, ok := gridMember[grid]; ok {
		pm := g.c.PartyMembers[m]
		hh := g.c.Households[g.c.Residents[pm.Resident].Household]
		g.addResidentUser(name("member", s), auth.RolePartyMember, pm.Resident, hh.Building, hh.Unit,
			Grant{Role: auth.RolePartyMember, Kind: auth.ScopeParty, Region: -1, Org: branch})
	}
}

// inFocus reports whether resident res lives in 水韵名都27号楼.
func (g *gen) inFocus(res int) bool {
	return g.focus >= 0 && g.c.Households[g.c.Residents[res].Household].Building == g.focus
}
