// Package territory holds the land of Gridwork (人、房、地 of DESIGN §2): the
// region tree from county (or city) down to grids with the national division
// codes, versioned GeoJSON boundaries, the point → grid lookup behind an
// in-memory spatial index, the places in a grid (buildings or courtyards,
// units, households) and the service points on the map, plus the batch API
// the Excel ledger importer and the demo generator use.
//
// Every exported Service method takes the acting user from the context and
// checks it with the auth package; lists are scoped in SQL to the actor's
// region paths.
package territory

import (
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Level is a tier of the region tree.
type Level string

// The levels, from the top. A city is an optional root above counties.
const (
	LevelCity     Level = "city"     // 地级市 (optional root)
	LevelCounty   Level = "county"   // 区县
	LevelTownship Level = "township" // 街道/乡镇
	LevelVillage  Level = "village"  // 社区/村
	LevelGrid     Level = "grid"     // 网格
)

// Levels lists the levels from the top of the tree down.
var Levels = []Level{LevelCity, LevelCounty, LevelTownship, LevelVillage, LevelGrid}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l.depth() >= 0 }

// depth is the level's position in Levels, -1 if unknown.
func (l Level) depth() int {
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// Label returns the level's name for users.
func (l Level) Label() apperr.Text {
	switch l {
	case LevelCity:
		return apperr.Text{ZH: "市", EN: "city"}
	case LevelCounty:
		return apperr.Text{ZH: "区县", EN: "county"}
	case LevelTownship:
		return apperr.Text{ZH: "街道/乡镇", EN: "street/town"}
	case LevelVillage:
		return apperr.Text{ZH: "社区/村", EN: "community/village"}
	case LevelGrid:
		return apperr.Text{ZH: "网格", EN: "grid"}
	}
	return apperr.Text{ZH: string(l), EN: string(l)}
}

// Kind is what a region is within its level; the division code's ranges
// decide it (DESIGN §2), except at county level where it may be given.
type Kind string

// The kinds.
const (
	KindCity      Kind = "city"      // 地级市
	KindDistrict  Kind = "district"  // 市辖区
	KindCounty    Kind = "county"    // 县、县级市、旗
	KindStreet    Kind = "street"    // 街道 (township code 001–099)
	KindTown      Kind = "town"      // 镇 (100–199)
	KindTownship  Kind = "township"  // 乡 (200–399)
	KindFarm      Kind = "farm"      // 农场、林场等 (400–599)
	KindCommunity Kind = "community" // 社区居委会 (village code 001–199)
	KindVillage   Kind = "village"   // 村委会 (200–399)
	KindGrid      Kind = "grid"      // 网格
)

// Label returns the kind's name for users.
func (k Kind) Label() apperr.Text {
	switch k {
	case KindCity:
		return apperr.Text{ZH: "市", EN: "city"}
	case KindDistrict:
		return apperr.Text{ZH: "区", EN: "district"}
	case KindCounty:
		return apperr.Text{ZH: "县", EN: "county"}
	case KindStreet:
		return apperr.Text{ZH: "街道", EN: "street"}
	case KindTown:
		return apperr.Text{ZH: "镇", EN: "town"}
	case KindTownship:
		return apperr.Text{ZH: "乡", EN: "township"}
	case KindFarm:
		return apperr.Text{ZH: "农场/林场", EN: "farm"}
	case KindCommunity:
		return apperr.Text{ZH: "社区", EN: "community"}
	case KindVillage:
		return apperr.Text{ZH: "村", EN: "village"}
	case KindGrid:
		return apperr.Text{ZH: "网格", EN: "grid"}
	}
	return apperr.Text{ZH: string(k), EN: string(k)}
}

// Region is a node of the region tree.
type Region struct {
	ID       int64
	ParentID int64 // 0 for a root (a city, or a county without a city)
	Level    Level
	Kind     Kind
	Code     string // national division code: 6 digits (city, county), 12 (township, village), 15 (grid)
	Name     string
	// Path is the materialised path of ids from the root, with a trailing
	// slash: "/1/4/17/". A scope covers a region when the region's path
	// starts with the scope's path.
	Path      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RegionInput creates a region.
type RegionInput struct {
	ParentID int64 // required below county level; a county's parent, if any, is a city
	Level    Level
	// Kind is optional: derived from Code, except that a county may be given
	// as KindDistrict or KindCounty when the code's default is wrong.
	Kind Kind
	Code string
	Name string
}

// RegionFilter selects regions; nil fields do not filter.
type RegionFilter struct {
	ParentID     *int64
	Level        *Level
	SubtreeOf    *int64 // the region and everything below it
	NameContains *string
	Offset       int
	Limit        int // default 50, at most 1000
}

// RegionUpdate changes a region; nil fields stay as they are. Codes, levels
// and parents do not change: a new division code is a new region.
type RegionUpdate struct {
	Name *string
}
