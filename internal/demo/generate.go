package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gridwork/gridwork/internal/territory"
)

// asOf is the fixed reference date of every demo city: ages, join dates and
// ID birth dates are counted from it so the output never depends on the
// wall clock.
var asOf = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// The PCG stream constant; any fixed value works, it only has to stay put.
const pcgStream = 0x6772_6964_776f_726b // "gridwork"

// gen carries the generator's state while a city is built.
type gen struct {
	opt  Options
	rng  *rand.Rand
	c    *City
	surn surnameTable

	children [][]int   // region index → child region indexes, in order
	county   []int     // region index → index of its county (itself for the city)
	weight   []float64 // grid index → layout weight
	rect     []cellRect
	lat      *lattice

	gridBuildings  [][2]int         // region index → [first, end) in City.Buildings (grids only)
	gridHouseholds [][2]int         // region index → [first, end) in City.Households
	hhResidents    [][2]int         // household index → [first, end) in City.Residents
	branchOf       []int            // region index → its party branch / general branch / committee
	idSeq          map[int][]uint16 // county region → numbers given out per birth day and sex
	phones         map[uint64]bool  // prefix index << 32 | last 8 digits
	usernames      map[string]bool
	pendingMembers []pendingMember // department accounts, linked by departments()

	// focus is the building 水韵名都 27号楼 once generated (-1 before):
	// the demo logins of its grid live and work there.
	focus int
}

// Generate builds the demo city chosen by opt. It is deterministic: the
// same Options give byte-identical output.
func Generate(opt Options) *City {
	g := &gen{
		opt:       opt,
		rng:       rand.New(rand.NewPCG(uint64(opt.Seed), pcgStream)),
		c:         &City{Seed: opt.Seed, Size: opt.Size, AsOf: asOf},
		surn:      newSurnameTable(),
		idSeq:     make(map[int][]uint16),
		phones:    make(map[uint64]bool, 1<<18),
		usernames: make(map[string]bool),
		focus:     -1,
	}
	g.planRegions()
	g.layout()
	g.places()
	g.people()
	g.party()
	g.servicePoints()
	g.users()
	g.departments()
	return g.c
}

// planRegions builds the region tree (codes, names, levels) without
// geometry.
func (g *gen) planRegions() {
	switch g.opt.Size {
	case SizeVillage:
		g.c.Name = districtNames[0]
		county := g.addRegion(-1, districtCodes[0], districtNames[0], territory.LevelCounty, false)
		town := g.addRegion(county, districtCodes[0]+"101000", "青山镇", territory.LevelTownship, true)
		village := g.addRegion(town, districtCodes[0]+"101201", "周家村", territory.LevelVillage, true)
		g.addGrids(village, 3)
	case SizeCity:
		g.c.Name = cityName
		city := g.addRegion(-1, cityCode, cityName, territory.LevelCity, false)
		n := 4 + g.rng.IntN(3)
		for k := 0; k < n; k++ {
			g.planDistrict(city, k)
		}
	default:
		g.c.Name = districtNames[0]
		g.planDistrict(-1, 0)
	}
}

// planDistrict adds district k: six townships (4–5 streets, the rest
// towns), 30–34 communities over the streets with 7–11 grids each, and per town a
// seat community of 5–7 grids and 3–5 villages of 2–4 grids: about 40
// communities and villages and 300 grids.
func (g *gen) planDistrict(city, k int) {
	code := districtCodes[k]
	county := g.addRegion(city, code, districtNames[k], territory.LevelCounty, false)
	nStreets := 4 + g.rng.IntN(2)
	nTowns := 6 - nStreets
	streets := drawDistinct(g.rng, streetStems, nStreets, nil)
	towns := drawDistinct(g.rng, townStems, nTowns, nil)
	if k == 0 { // the first district names its first street and town as the docs do
		streets = putFirst(streets, "临江")
		towns = putFirst(towns, "青山")
	}
	usedComm := map[string]bool{"水韵": true}
	usedVillage := map[string]bool{}
	taken := func(m map[string]bool) func(string) bool { return func(s string) bool { return m[s] } }

	// 30–34 communities shared out among the streets as evenly as can be.
	urban := 30 + g.rng.IntN(5)
	for i, stem := range streets {
		st := g.addRegion(county, fmt.Sprintf("%s%03d000", code, i+1), stem+"街道", territory.LevelTownship, false)
		n := urban / nStreets
		if i < urban%nStreets {
			n++
		}
		names := drawDistinct(g.rng, communityStems, n, taken(usedComm))
		if k == 0 && i == 0 {
			names[0] = "水韵" // home of 水韵名都
		}
		for j, name := range names {
			usedComm[name] = true
			cm := g.addRegion(st, fmt.Sprintf("%s%03d%03d", code, i+1, j+1), name+"社区", territory.LevelVillage, false)
			g.addGrids(cm, 7+g.rng.IntN(5))
		}
	}
	for i, stem := range towns {
		tn := g.addRegion(county, fmt.Sprintf("%s%03d000", code, 101+i), stem+"镇", territory.LevelTownship, true)
		// The town seat: a residents' committee named after the town.
		cm := g.addRegion(tn, fmt.Sprintf("%s%03d001", code, 101+i), stem+"社区", territory.LevelVillage, false)
		g.addGrids(cm, 5+g.rng.IntN(3))
		nv := 3 + g.rng.IntN(3)
		for j := 0; j < nv; j++ {
			name := g.villageName(taken(usedVillage))
			if k == 0 && i == 0 && j == 0 && !usedVillage["周家村"] {
				name = "周家村"
			}
			usedVillage[name] = true
			vl := g.addRegion(tn, fmt.Sprintf("%s%03d%03d", code, 101+i, 201+j), name, territory.LevelVillage, true)
			g.addGrids(vl, 2+g.rng.IntN(3))
		}
	}
}

// villageName draws a village name: half are family villages (周家村),
// half take a landscape name (桃源村).
func (g *gen) villageName(taken func(string) bool) string {
	for {
		var name string
		if g.rng.IntN(2) == 0 {
			name = surnames[g.rng.IntN(40)].name + "家村"
		} else {
			name = villageStems[g.rng.IntN(len(villageStems))] + "村"
		}
		if !taken(name) {
			return name
		}
	}
}

func putFirst(list []string, s string) []string {
	for i, x := range list {
		if x == s {
			list[0], list[i] = list[i], list[0]
			return list
		}
	}
	list[0] = s
	return list
}

// addGrids adds n grids numbered 001… under a community or village.
func (g *gen) addGrids(parent, n int) {
	p := g.c.Regions[parent]
	for i := 1; i <= n; i++ {
		g.addRegion(parent, fmt.Sprintf("%s%03d", p.Code, i), fmt.Sprintf("%s第%d网格", p.Name, i), territory.LevelGrid, p.Rural)
	}
}

func (g *gen) addRegion(parent int, code, name string, level territory.Level, rural bool) int {
	idx := len(g.c.Regions)
	g.c.Regions = append(g.c.Regions, Region{Code: code, Name: name, Level: level, Parent: parent, Rural: rural})
	g.children = append(g.children, nil)
	if parent >= 0 {
		g.children[parent] = append(g.children[parent], idx)
	}
	if level == territory.LevelCounty || parent < 0 {
		g.county = append(g.county, idx)
	} else {
		g.county = append(g.county, g.county[parent])
	}
	return idx
}

// layout draws the map: one lattice for the whole city, cut into districts,
// streets, communities and grids, urban grids smaller than rural ones.
func (g *gen) layout() {
	n := len(g.c.Regions)
	g.weight = make([]float64, n)
	need := make([]int, n)
	for i := n - 1; i >= 0; i-- { // children come after parents: sum bottom-up
		r := g.c.Regions[i]
		if r.Level == territory.LevelGrid {
			w, k := 1.0, 2
			if r.Rural {
				w, k = 2.5, 4
			}
			g.weight[i] = w * (0.7 + 0.6*g.rng.Float64())
			need[i] = k
		}
		if p := r.Parent; p >= 0 {
			g.weight[p] += g.weight[i]
			need[p] += need[i]
		}
	}
	var roots []int
	total := 0.0
	for i, r := range g.c.Regions {
		if r.Parent < 0 {
			roots = append(roots, i)
			total += g.weight[i]
		}
	}
	for cellsPerWeight := 6.0; ; cellsPerWeight *= 1.2 {
		cells := total * cellsPerWeight
		nx := int(math.Ceil(math.Sqrt(cells * 1.3)))
		ny := int(math.Ceil(cells / float64(nx)))
		g.rect = make([]cellRect, n)
		if g.cut(cellRect{0, 0, nx, ny}, roots, need) {
			g.lat = newLattice(g.rng, nx, ny)
			break
		}
	}
	for i := range g.c.Regions {
		r := &g.c.Regions[i]
		r.Boundary = g.lat.polygon(g.rect[i])
		r.Center = g.lat.center(g.rect[i])
	}
}

// cut partitions r among the regions idx and recurses into their children.
func (g *gen) cut(r cellRect, idx []int, need []int) bool {
	ws := make([]float64, len(idx))
	ns := make([]int, len(idx))
	for k, i := range idx {
		ws[k], ns[k] = g.weight[i], need[i]
	}
	rects, ok := partition(r, ws, ns)
	if !ok {
		return false
	}
	for k, i := range idx {
		g.rect[i] = rects[k]
		if len(g.children[i]) > 0 && !g.cut(rects[k], g.children[i], need) {
			return false
		}
	}
	return true
}

// uniform returns an int in [lo, hi].
func (g *gen) uniform(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

// chance reports true with probability p.
func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }
