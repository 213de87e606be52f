package demo

import (
	"strconv"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/paulmach/orb"
)

// City is a generated demo city: plain data mirroring the domain, linked by
// indexes into its own slices. Every slice lists parents before children.
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
}

// Level is a region's place in the tree.
type Level string

// The levels of the region tree (DESIGN §2).
const (
	LevelCity     Level = "city"     // 地级市: the root of the city size only
	LevelCounty   Level = "county"   // 区县
	LevelTownship Level = "township" // 街道/乡镇
	LevelVillage  Level = "village"  // 社区/村
	LevelGrid     Level = "grid"     // 网格
)

// Region is a node of the region tree.
type Region struct {
	// Code is the national division code as territory stores it: 6
	// digits for a city or county, 12 for a township or village (county +
	// township + village number), 15 for a grid.
	Code   string
	Name   string
	Level  Level
	Parent int // index into City.Regions; -1 for the root
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

// BuildingKind tells an apartment building from a village courtyard.
type BuildingKind string

// The building kinds.
const (
	KindBuilding  BuildingKind = "building"  // 楼栋
	KindCourtyard BuildingKind = "courtyard" // 院落
)

// Building is an apartment building (楼栋) or a village courtyard (院落).
type Building struct {
	Grid     int // index into City.Regions
	Compound int // index into City.Compounds
	Kind     BuildingKind
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
	Building int           // index into City.Buildings
	Unit     int           // 1-based unit number ("1单元"); 0 for a courtyard, which has no units
	Floor    int           // 1 for a courtyard
	Room     string        // "1201" (floor 12, flat 01); "1" for a courtyard
	Kind     HouseholdKind // owner-occupied or rented
	AreaM2   float64       // floor area in square metres
}

// UnitName returns the unit's name as territory stores it: "1单元", or ""
// for a courtyard.
func (h Household) UnitName() string {
	if h.Unit == 0 {
		return ""
	}
	return strconv.Itoa(h.Unit) + "单元"
}

// HouseholdKind is how a household's room is used; the values are
// territory.HouseholdKind's.
type HouseholdKind string

// The household kinds the demo uses.
const (
	HouseholdOwner  HouseholdKind = "owner"  // 自住
	HouseholdRented HouseholdKind = "rented" // 出租
)

// Gender is a resident's sex; the values are people.Gender's.
type Gender string

// The genders.
const (
	Male   Gender = "male"
	Female Gender = "female"
)

// Relation is a resident's relation to the head of the household.
type Relation string

// The relations to the head of household.
const (
	RelHead   Relation = "head"   // 户主
	RelSpouse Relation = "spouse" // 配偶
	RelChild  Relation = "child"  // 子女
	RelParent Relation = "parent" // 父母
	RelOther  Relation = "other"  // 其他: in the demo, grandchildren (孙子女)
)

// Tag marks a resident for care or attention.
type Tag string

// The resident tags.
const (
	TagElderly         Tag = "elderly"           // 老年人 (60+)
	TagElderlyAlone    Tag = "elderly_alone"     // 独居老人
	TagDisabled        Tag = "disabled"          // 残疾人
	TagLowIncome       Tag = "low_income"        // 低保
	TagVeteran         Tag = "veteran"           // 退役军人
	TagReturnee        Tag = "returnee"          // 返乡人员
	TagLeftBehindChild Tag = "left_behind_child" // 留守儿童
)

// Resident is a person registered in a household.
type Resident struct {
	Household int // index into City.Households
	Name      string
	Gender    Gender
	Birth     time.Time // UTC midnight
	IDNumber  string    // 18 characters, GB 11643, prefixed by the county code
	Phone     string    // 11-digit mobile; "" for young children and some elderly
	Relation  Relation
	Tags      []Tag
}

// OrgKind is the kind of a party organisation.
type OrgKind string

// The kinds of party organisation, from the top.
const (
	OrgCommittee     OrgKind = "committee"      // 党委/党工委
	OrgGeneralBranch OrgKind = "general_branch" // 党总支
	OrgBranch        OrgKind = "branch"         // 党支部
	OrgGroup         OrgKind = "group"          // 党小组
)

// PartyOrg is a party organisation, tied to a region, a building or an
// industry.
type PartyOrg struct {
	Name     string
	Kind     OrgKind
	Parent   int    // index into City.PartyOrgs; -1 for the root
	Region   int    // index into City.Regions; -1 when not tied to a region
	Building int    // index into City.Buildings for a building's group; -1 otherwise
	Industry string // e.g. "快递物流" for an industry organisation; "" otherwise
}

// MemberKind says how a party member takes part in the branch's life.
type MemberKind string

// The member kinds.
const (
	MemberInService MemberKind = "in_service" // 在职党员
	MemberRetired   MemberKind = "retired"    // 离退休党员
	MemberMobile    MemberKind = "mobile"     // 流动党员
)

// PartyMember is a resident who is a member of a party organisation.
type PartyMember struct {
	Resident int // index into City.Residents
	Org      int // index into City.PartyOrgs: the branch, or the building's group
	Kind     MemberKind
	Joined   time.Time
}

// PointKind is the kind of a service point on the map.
type PointKind string

// The service point kinds.
const (
	PointPartyCenter PointKind = "party_service_center" // 党群服务中心
	PointMediation   PointKind = "mediation_room"       // 调解室
	PointPolice      PointKind = "police_post"          // 警务室
	PointWarmStation PointKind = "warm_station"         // 暖心驿站
)

// ServicePoint is a point of service on the map.
type ServicePoint struct {
	Kind     PointKind
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
}

// DemoPassword is the password of every demo account.
const DemoPassword = "Gridwork2025"
