package demo

import "github.com/gridwork/gridwork/internal/territory"

// servicePoints adds a party-mass service centre and a mediation room to
// every community and village, a police post to every street and town, and
// one or two couriers' warm stations to every street.
func (g *gen) servicePoints() {
	sp := &g.c.ServicePoints
	for i, r := range g.c.Regions {
		switch r.Level {
		case territory.LevelTownship:
			*sp = append(*sp, ServicePoint{Kind: territory.ServicePointPolicePost, Name: r.Name + "警务室", Region: i,
				Location: g.lat.randomPoint(g.rng, g.rect[i]), Phone: g.landline(), Hours: "00:00-24:00"})
			if !r.Rural {
				comms := g.children[i]
				for _, k := range g.rng.Perm(len(comms))[:min(len(comms), g.uniform(1, 2))] {
					c := comms[k]
					*sp = append(*sp, ServicePoint{Kind: territory.ServicePointWarmStation, Name: g.c.Regions[c].Name + "快递小哥暖心驿站", Region: c,
						Location: g.lat.randomPoint(g.rng, g.rect[c]), Phone: g.landline(), Hours: "08:00-22:00"})
				}
			}
		case territory.LevelVillage:
			*sp = append(*sp,
				ServicePoint{Kind: territory.ServicePointPartyServiceCenter, Name: r.Name + "党群服务中心", Region: i,
					Location: r.Center, Phone: g.landline(), Hours: "08:30-17:30"},
				ServicePoint{Kind: territory.ServicePointMediationRoom, Name: r.Name + "人民调解室", Region: i,
					Location: g.lat.randomPoint(g.rng, g.rect[i]), Phone: g.landline(), Hours: "08:30-17:30"})
		}
	}
}
