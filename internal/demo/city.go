package demo

import (
	"strconv"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/paulmach/orb"
)

// City is a generated demo city: plain data linked by indexes into its own
// slices, its kinds, levels and tags the domain packages' own types (so the
// loader hands them over as they are). Every slice lists parents before
// children.
type City struct {
	Seed int64
	Size Size
	Name string    // the city or district name shown on the home page
	AsOf time.Time // the reference date ages and join dates are counted from

	Regions       []Region
	Compounds     []Compound
	Buildings     []Building
	Households    []Household
	Residents     []Resident
	PartyOrgs     []PartyOrg
	PartyMembers  []PartyMember
	ServicePoints []ServicePoint
	Users         []User
	Departments   []Department
}

// Region is a node of the region tree.
type Region struct {
	// Code is the national division code as territory stores it: 6
	// digits for a city or county, 12 for a township or village (county +
	// township + village number), 15 for a grid.
	Code   string
	Name   string
	Level  territory.Level // city (the root of the city size only), county, township, village or grid
	Parent int             // index into City.Regions; -1 for the root
	// Boundary is the region's outline in WGS84 (lon, lat): one closed,
	// counter-clockwise exterior ring. Children tile their parent exactly.
	Boundary orb.Polygon
	// Center is a point inside the region, for labels and service points.
	Center orb.Point
	// Rural is set for towns, villages and their grids.
	Rural bool
}

// Compound is a residential compound (小区) of a community, or a village
// (its courtyards).
type Compound struct {
	Name      string
	Community int // index into City.Regions
	Location  orb.Point
}

// Building is an apartment building (楼栋) or a village courtyard (院落).
type Building struct {
	Grid     int // index into City.Regions
	Compound int // index into City.Compounds
	Kind     territory.BuildingKind
	Number   int    // 27 in "27号楼", 12 in "周家村12号院"
	Name     string // "27号楼" or "周家村12号院"
	Floors   int
	Units    int
	// RoomsPerFloor is the number of flats on each floor of each unit.
	RoomsPerFloor int
	Location      orb.Point
}

// Household is an occupied room (户) of a building unit, or a courtyard.
type Household struct {
	Building int                     // index into City.Buildings
	Unit     int                     // 1-based unit number ("1单元"); 0 for a courtyard, which has no units
	Floor    int                     // 1 for a courtyard
	Room     string                  // "1201" (floor 12, flat 01); "1" for a courtyard
	Kind     territory.HouseholdKind // owner-occupied or rented
	AreaM2   float64                 // floor area in square metres
}

// UnitName returns the unit's name as territory stores it: "1单元", or ""
// for a courtyard.
func (h Household) UnitName() string {
	if h.Unit == 0 {
		return ""
	}
	return strconv.Itoa(h.Unit) + "单元"
}

// Resident is a person registered in a household.
type Resident struct {
	Household int // index into City.Households
	Name      string
	Gender    people.Gender
	Birth     time.Time       // UTC midnight
	IDNumber  string          // 18 characters, GB 11643, prefixed by the county code
	Phone     string          // 11-digit mobile; "" for young children and some elderly
	Relation  people.Relation // RelationOther: in the demo, grandchildren (孙子女)
	Tags      []people.Tag
}

// PartyOrg is a party organisation, tied to a region, a building or an
// industry.
type PartyOrg struct {
	Name     string
	Kind     people.OrgKind
	Parent   int    // index into City.PartyOrgs; -1 for the root
	Region   int    // index into City.Regions; -1 when not tied to a region
	Building int    // index into City.Buildings for a building's group; -1 otherwise
	Industry string // e.g. "快递物流" for an industry organisation; "" otherwise
}

// PartyMember is a resident who is a member of a party organisation.
type PartyMember struct {
	Resident int                   // index into City.Residents
	Org      int                   // index into City.PartyOrgs: the branch, or the building's group
	Kind     people.MemberCategory // in service, retired or mobile
	Joined   time.Time
}

// ServicePoint is a point of service on the map.
type ServicePoint struct {
	Kind     territory.ServicePointKind
	Name     string
	Region   int // index into City.Regions: the community or street it serves
	Location orb.Point
	Phone    string // a landline, "0571-8xxxxxxx"
	Hours    string // opening hours, e.g. "08:30-17:30"
}

// Grant is a role held at a scope: a region (Region ≥ 0), a party
// organisation (Org ≥ 0), or the user's own records (Kind auth.ScopeSelf,
// anchored at Region).
type Grant struct {
	Role   auth.Role
	Kind   auth.ScopeKind
	Region int // index into City.Regions, or -1
	Org    int // index into City.PartyOrgs, or -1
}

// User is a demo account. Every account has the password DemoPassword.
type User struct {
	Username   string
	Name       string
	Phone      string
	Role       auth.Role // the main role (for listing)
	Grants     []Grant
	Resident   int    // index into City.Residents for residents, party members, building and unit heads; -1 otherwise
	Building   int    // the building a building or unit head looks after; -1 otherwise
	Unit       int    // the unit a unit head looks after; 0 otherwise
	Department string // the department or company of department users and couriers
	// Dept is the index into City.Departments of the department a
	// department account acts for (its member); -1 for other accounts.
	Dept int
}

// DemoPassword is the password of every demo account.
const DemoPassword = "Gridwork2025"
