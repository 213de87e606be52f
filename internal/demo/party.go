package demo

import (
	"fmt"

	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/territory"
)

// party builds the party organisations — the district committee, a street
// working committee (党工委) or town committee (党委) per township, a
// general branch per community or village, a branch per grid (一网格一支部)
// and a group for buildings with several members (楼栋党小组), plus an
// express-delivery industry committee — and enrols about 7 % of adults.
func (g *gen) party() {
	// Draw members first: which buildings get a group depends on them.
	isMember := make([]bool, len(g.c.Residents))
	perBuilding := make(map[int]int)
	for i, r := range g.c.Residents {
		age := ageOn(r.Birth, asOf)
		p := 0.0
		switch {
		case age < 18:
		case age < 30:
			p = 0.045
		case age < 60:
			p = 0.07
		default:
			p = 0.095
		}
		if p > 0 && g.chance(p) {
			isMember[i] = true
			perBuilding[g.c.Households[r.Household].Building]++
		}
	}

	orgs := &g.c.PartyOrgs
	add := func(o PartyOrg) int {
		*orgs = append(*orgs, o)
		return len(*orgs) - 1
	}
	g.branchOf = make([]int, len(g.c.Regions))
	groupOf := make(map[int]int) // building → its group
	var walk func(region, parent int)
	walk = func(region, parent int) {
		r := g.c.Regions[region]
		o := PartyOrg{Parent: parent, Region: region, Building: -1}
		switch r.Level {
		case territory.LevelCity:
			o.Name, o.Kind = "中共"+r.Name+"委员会", people.KindCommittee
		case territory.LevelCounty:
			o.Name, o.Kind = "中共"+r.Name+"委员会", people.KindCommittee
		case territory.LevelTownship:
			o.Kind = people.KindCommittee
			if r.Rural {
				o.Name = r.Name + "党委"
			} else {
				o.Name = r.Name + "党工委"
			}
		case territory.LevelVillage:
			o.Name, o.Kind = r.Name+"党总支", people.KindGeneralBranch
		case territory.LevelGrid:
			o.Name, o.Kind = r.Name+"党支部", people.KindBranch
		}
		idx := add(o)
		g.branchOf[region] = idx
		if r.Level == territory.LevelCounty {
			g.industry(idx, r)
		}
		if r.Level == territory.LevelGrid {
			// Up to two building groups per grid, for buildings with at
			// least three members; 水韵名都27号楼 always has one.
			span := g.gridBuildings[region]
			groups := 0
			for b := span[0]; b < span[1]; b++ {
				n := perBuilding[b]
				bd := g.c.Buildings[b]
				if bd.Kind != territory.BuildingKindBuilding || (n < 3 || groups == 2) && !(b == g.focus && n > 0) {
					continue
				}
				name := g.c.Compounds[bd.Compound].Name + bd.Name + "党小组"
				groupOf[b] = add(PartyOrg{Name: name, Kind: people.KindGroup, Parent: idx, Region: region, Building: b})
				groups++
			}
		}
		for _, ch := range g.children[region] {
			walk(ch, idx)
		}
	}
	for i, r := range g.c.Regions {
		if r.Parent < 0 {
			walk(i, -1)
		}
	}

	for i, r := range g.c.Residents {
		if !isMember[i] {
			continue
		}
		b := g.c.Households[r.Household].Building
		org, ok := groupOf[b]
		if !ok {
			org = g.branchOf[g.c.Buildings[b].Grid]
		}
		age := ageOn(r.Birth, asOf)
		kind := people.MemberInService
		switch {
		case age >= 60:
			kind = people.MemberRetired
		case age < 45 && g.chance(0.06):
			kind = people.MemberMobile
		}
		joinAge := g.uniform(18, min(age, 45))
		joined := r.Birth.AddDate(joinAge, g.rng.IntN(12), g.rng.IntN(28))
		if joined.After(asOf) {
			joined = asOf.AddDate(0, -1, 0)
		}
		g.c.PartyMembers = append(g.c.PartyMembers, PartyMember{Resident: i, Org: org, Kind: kind, Joined: joined})
	}
}

// industry adds the district's express-delivery industry committee (快递物流
// 行业党委), tied to the industry rather than a region, with a branch for
// each of two delivery companies.
func (g *gen) industry(root int, county Region) {
	orgs := &g.c.PartyOrgs
	*orgs = append(*orgs, PartyOrg{Name: county.Name + "快递物流行业党委", Kind: people.KindCommittee, Parent: root, Region: -1, Building: -1, Industry: "快递物流"})
	committee := len(*orgs) - 1
	stem := county.Name[:len(county.Name)-len("区")]
	for _, k := range g.rng.Perm(len(industryCompanies))[:2] {
		*orgs = append(*orgs, PartyOrg{Name: fmt.Sprintf("%s%s站党支部", industryCompanies[k], stem), Kind: people.KindBranch, Parent: committee, Region: -1, Building: -1, Industry: "快递物流"})
	}
}
