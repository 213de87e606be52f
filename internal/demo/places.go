package demo

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gridwork/gridwork/internal/territory"
)

// compoundStyle is the era of a compound, which decides its buildings.
type compoundStyle int

const (
	styleOld  compoundStyle = iota // 1980s–90s walk-ups: 6–7 floors, 2–4 units, 2 flats a floor
	styleMid                       // 2000s mid-rise: 7–17 floors, 2–3 units, 2–3 flats
	styleHigh                      // 2010s towers: 18–33 floors, 1–2 units, 2–4 flats
)

// compoundPlan is a compound being filled with buildings, grid by grid.
type compoundPlan struct {
	idx   int // in City.Compounds
	style compoundStyle
	left  int // buildings still to place
	next  int // the next building number
}

// places adds compounds, buildings, courtyards and households, grid by grid.
func (g *gen) places() {
	n := len(g.c.Regions)
	grids := 0
	for _, r := range g.c.Regions {
		if r.Level == territory.LevelGrid {
			grids++
		}
	}
	// Size the big slices once (about 440 flats and 90 % occupied).
	g.c.Households = make([]Household, 0, int(float64(grids)*MaxHouseholdsPerGrid*g.opt.scale()))
	g.gridBuildings = make([][2]int, n)
	g.gridHouseholds = make([][2]int, n)
	usedCompound := map[string]bool{}
	for i, r := range g.c.Regions {
		if r.Level == territory.LevelCounty {
			clear(usedCompound) // compound names are unique within a district
		}
		if r.Level != territory.LevelVillage {
			continue
		}
		if isVillageCode(r.Code) {
			g.village(i)
		} else {
			g.community(i, usedCompound)
		}
	}
}

// isVillageCode reports whether a 12-digit village-level code is a
// villagers' committee (村) by territory's reading of its village number.
func isVillageCode(code string) bool {
	n, _ := strconv.Atoi(code[9:12])
	k, _ := territory.VillageKind(n)
	return k == territory.KindVillage
}

// householdTarget draws a grid's households: 300–500, scaled.
func (g *gen) householdTarget() (households, rooms int) {
	base := g.uniform(MinHouseholdsPerGrid, MaxHouseholdsPerGrid)
	households = max(1, int(math.Round(float64(base)*g.opt.scale())))
	// Buildings are planned for at least the unscaled count, with about one
	// flat in nine empty, so that scaling changes occupancy, not the map.
	rooms = int(float64(max(base, households)) * 1.12)
	return households, rooms
}

// community fills an urban community's grids with compounds and buildings.
func (g *gen) community(comm int, used map[string]bool) {
	r := g.c.Regions[comm]
	var cur *compoundPlan
	newCompound := func(grid int) *compoundPlan {
		var name string
		style := compoundStyle(g.rng.IntN(3))
		left := 0
		switch {
		case r.Name == "水韵社区" && !used["水韵名都"]:
			// The compound the demo's stories happen in: an older mid-rise
			// estate whose 27号楼 has a leaking heating main.
			name, style, left = "水韵名都", styleMid, 36
		default:
			name = g.compoundName(used)
			switch style {
			case styleOld:
				left = g.uniform(8, 30)
			case styleMid:
				left = g.uniform(6, 20)
			default:
				left = g.uniform(4, 14)
			}
		}
		used[name] = true
		g.c.Compounds = append(g.c.Compounds, Compound{Name: name, Community: comm, Location: g.lat.randomPoint(g.rng, g.rect[grid])})
		return &compoundPlan{idx: len(g.c.Compounds) - 1, style: style, left: left, next: 1}
	}
	for _, grid := range g.children[comm] {
		households, rooms := g.householdTarget()
		firstB := len(g.c.Buildings)
		capacity := 0
		for capacity < rooms {
			if cur == nil || cur.left == 0 {
				cur = newCompound(grid)
			}
			b := g.building(grid, cur)
			capacity += b.Units * b.Floors * b.RoomsPerFloor
			g.c.Buildings = append(g.c.Buildings, b)
			if g.c.Compounds[cur.idx].Name == "水韵名都" && b.Number == 27 {
				g.focus = len(g.c.Buildings) - 1
			}
		}
		g.gridBuildings[grid] = [2]int{firstB, len(g.c.Buildings)}
		g.occupy(grid, firstB, capacity, households)
	}
}

// compoundName draws a compound name not yet used in the district.
func (g *gen) compoundName(used map[string]bool) string {
	for {
		var name string
		if g.rng.IntN(6) == 0 {
			name = specialCompounds[g.rng.IntN(len(specialCompounds))]
		} else {
			name = compoundStems[g.rng.IntN(len(compoundStems))] + compoundSuffixes[g.rng.IntN(len(compoundSuffixes))]
		}
		if !used[name] {
			return name
		}
	}
}

// building draws the next building of a compound.
func (g *gen) building(grid int, cp *compoundPlan) Building {
	b := Building{Grid: grid, Compound: cp.idx, Kind: territory.BuildingKindBuilding, Number: cp.next}
	switch cp.style {
	case styleOld:
		b.Floors, b.Units, b.RoomsPerFloor = g.uniform(6, 7), g.uniform(2, 4), 2
	case styleMid:
		b.Floors, b.Units, b.RoomsPerFloor = g.uniform(7, 17), g.uniform(2, 3), g.uniform(2, 3)
	default:
		b.Floors, b.Units, b.RoomsPerFloor = g.uniform(18, 33), g.uniform(1, 2), g.uniform(2, 4)
	}
	b.Name = fmt.Sprintf("%d号楼", b.Number)
	b.Location = g.lat.randomPoint(g.rng, g.rect[grid])
	cp.next++
	cp.left--
	return b
}

// occupy picks which of the grid's capacity flats are lived in: exactly
// households of them, each flat equally likely (selection sampling, in
// building, unit, floor, flat order).
func (g *gen) occupy(grid, firstB, capacity, households int) {
	first := len(g.c.Households)
	left, need := capacity, households
	for bi := firstB; bi < len(g.c.Buildings); bi++ {
		b := g.c.Buildings[bi]
		for u := 1; u <= b.Units; u++ {
			for f := 1; f <= b.Floors; f++ {
				for k := 1; k <= b.RoomsPerFloor; k++ {
					if g.rng.IntN(left) < need {
						g.c.Households = append(g.c.Households, Household{Building: bi, Unit: u, Floor: f, Room: roomNumber(f, k),
							Kind: g.householdKind(0.22), AreaM2: g.flatArea(b.Floors)})
						need--
					}
					left--
				}
			}
		}
	}
	g.gridHouseholds[grid] = [2]int{first, len(g.c.Households)}
}

// village fills a village's grids with courtyards (院落), numbered through
// the village, one household each.
func (g *gen) village(vil int) {
	r := g.c.Regions[vil]
	g.c.Compounds = append(g.c.Compounds, Compound{Name: r.Name, Community: vil, Location: g.c.Regions[vil].Center})
	cp := len(g.c.Compounds) - 1
	number := 1
	for _, grid := range g.children[vil] {
		households, rooms := g.householdTarget()
		firstB, firstH := len(g.c.Buildings), len(g.c.Households)
		courtyards := max(households, int(float64(rooms)/1.07))
		need := households
		for k := 0; k < courtyards; k++ {
			b := Building{
				Grid: grid, Compound: cp, Kind: territory.BuildingKindCourtyard, Number: number,
				Name:   fmt.Sprintf("%s%d号院", r.Name, number),
				Floors: g.uniform(1, 3), Units: 1, RoomsPerFloor: 1,
				Location: g.lat.randomPoint(g.rng, g.rect[grid]),
			}
			number++
			g.c.Buildings = append(g.c.Buildings, b)
			if g.rng.IntN(courtyards-k) < need {
				g.c.Households = append(g.c.Households, Household{Building: len(g.c.Buildings) - 1, Floor: 1, Room: "1",
					Kind: g.householdKind(0.05), AreaM2: float64(g.uniform(1200, 3200)) / 10})
				need--
			}
		}
		g.gridBuildings[grid] = [2]int{firstB, len(g.c.Buildings)}
		g.gridHouseholds[grid] = [2]int{firstH, len(g.c.Households)}
	}
}

// householdKind draws owner-occupied or, with probability rented, rented.
func (g *gen) householdKind(rented float64) territory.HouseholdKind {
	if g.chance(rented) {
		return territory.HouseholdRented
	}
	return territory.HouseholdOwner
}

// flatArea draws a flat's floor area by the era its height betrays: old
// walk-ups are small, towers large.
func (g *gen) flatArea(floors int) float64 {
	lo, hi := 500, 950
	switch {
	case floors >= 18:
		lo, hi = 890, 1600
	case floors > 7:
		lo, hi = 750, 1400
	}
	return float64(g.uniform(lo, hi)) / 10
}

// roomNumber writes flat k of floor f the Chinese way: floor then a
// two-digit flat number ("1201", "602").
func roomNumber(f, k int) string {
	return strconv.Itoa(f*100 + k)
}
