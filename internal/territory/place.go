package territory

import (
	"math"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
)

// BuildingKind says whether a place is a building (楼栋) or a village
// courtyard (院落); both hold units and households the same way.
type BuildingKind string

// The building kinds.
const (
	BuildingKindBuilding  BuildingKind = "building"
	BuildingKindCourtyard BuildingKind = "courtyard"
)

// Label returns the kind's name for users.
func (k BuildingKind) Label() apperr.Text {
	switch k {
	case BuildingKindBuilding:
		return apperr.Text{ZH: "楼栋", EN: "building"}
	case BuildingKindCourtyard:
		return apperr.Text{ZH: "院落", EN: "courtyard"}
	}
	return apperr.Text{ZH: string(k), EN: string(k)}
}

// ParseBuildingKind accepts a kind's code or its Chinese label.
func ParseBuildingKind(s string) (BuildingKind, bool) {
	switch strings.TrimSpace(s) {
	case "building", "楼栋":
		return BuildingKindBuilding, true
	case "courtyard", "院落":
		return BuildingKindCourtyard, true
	}
	return "", false
}

// HouseholdKind is how a household's room is used.
type HouseholdKind string

// The household kinds.
const (
	HouseholdOwner  HouseholdKind = "owner"  // 自住
	HouseholdRented HouseholdKind = "rented" // 出租
	HouseholdVacant HouseholdKind = "vacant" // 空置
	HouseholdOther  HouseholdKind = "other"  // 其他
)

// Label returns the kind's name for users.
func (k HouseholdKind) Label() apperr.Text {
	switch k {
	case HouseholdOwner:
		return apperr.Text{ZH: "自住", EN: "owner-occupied"}
	case HouseholdRented:
		return apperr.Text{ZH: "出租", EN: "rented"}
	case HouseholdVacant:
		return apperr.Text{ZH: "空置", EN: "vacant"}
	case HouseholdOther:
		return apperr.Text{ZH: "其他", EN: "other"}
	}
	return apperr.Text{ZH: string(k), EN: string(k)}
}

// ParseHouseholdKind accepts a kind's code or its Chinese label.
func ParseHouseholdKind(s string) (HouseholdKind, bool) {
	switch strings.TrimSpace(s) {
	case "owner", "自住":
		return HouseholdOwner, true
	case "rented", "出租":
		return HouseholdRented, true
	case "vacant", "空置":
		return HouseholdVacant, true
	case "other", "其他":
		return HouseholdOther, true
	}
	return "", false
}

// Building is a building or courtyard in a grid.
type Building struct {
	ID         int64
	GridID     int64
	RegionPath string // the grid's path
	Compound   string // 小区 or 自然村; "" when none
	Name       string // "27号楼", "张家院"; unique within grid and compound
	Kind       BuildingKind
	Address    string
	Lon, Lat   *float64 // WGS84, nil when unknown
	Floors     int      // 0 when unknown
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// BuildingInput creates a building.
type BuildingInput struct {
	GridID   int64
	Compound string
	Name     string
	Kind     BuildingKind
	Address  string
	Lon, Lat *float64
	Floors   int
}

// BuildingUpdate changes a building; nil fields stay as they are.
type BuildingUpdate struct {
	Compound *string
	Name     *string
	Kind     *BuildingKind
	Address  *string
	Lon, Lat *float64 // set both to move the building
	// ClearLocation removes the coordinates.
	ClearLocation bool
	Floors        *int
}

// BuildingFilter selects buildings; nil fields do not filter.
type BuildingFilter struct {
	GridID       *int64
	SubtreeOf    *int64
	Compound     *string
	Kind         *BuildingKind
	NameContains *string
	Offset       int
	Limit        int
}

// Unit is an entrance (单元) of a building. A courtyard or bungalow has one
// unit named "".
type Unit struct {
	ID         int64
	BuildingID int64
	RegionPath string // the building's grid path
	Name       string // "1单元"
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// UnitInput creates a unit.
type UnitInput struct {
	BuildingID int64
	Name       string
}

// UnitUpdate changes a unit; nil fields stay as they are.
type UnitUpdate struct {
	Name *string
}

// UnitFilter selects units; nil fields do not filter.
type UnitFilter struct {
	BuildingID *int64
	Offset     int
	Limit      int
}

// Household is a room (户) of a unit.
type Household struct {
	ID         int64
	UnitID     int64
	BuildingID int64
	RegionPath string // the grid's path
	Room       string // "101"
	Kind       HouseholdKind
	AreaM2     *float64 // floor area, nil when unknown
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// HouseholdInput creates a household.
type HouseholdInput struct {
	UnitID int64
	Room   string
	Kind   HouseholdKind
	AreaM2 *float64
}

// HouseholdUpdate changes a household; nil fields stay as they are.
type HouseholdUpdate struct {
	Room      *string
	Kind      *HouseholdKind
	AreaM2    *float64
	ClearArea bool // removes the area
}

// HouseholdFilter selects households; nil fields do not filter.
type HouseholdFilter struct {
	UnitID     *int64
	BuildingID *int64
	SubtreeOf  *int64
	Kind       *HouseholdKind
	Offset     int
	Limit      int
}

// Field labels for messages.
var (
	labelCompound = apperr.Text{ZH: "小区/村名称", EN: "the compound"}
	labelBuilding = apperr.Text{ZH: "楼栋名称", EN: "the building name"}
	labelAddress  = apperr.Text{ZH: "地址", EN: "the address"}
	labelUnit     = apperr.Text{ZH: "单元", EN: "the unit"}
	labelRoom     = apperr.Text{ZH: "房号", EN: "the room"}
)

// buildingFields are a building's checked fields.
type buildingFields struct {
	compound, name, address string
	kind                    BuildingKind
	lon, lat                *float64
	floors                  int
}

// checkBuildingFields checks and normalises a building's fields; errors
// name the field with the ledger's column keys ("compound", "name",
// "kind", "address", "lon", "lat", "floors").
func checkBuildingFields(compound, name, kind, address string, lon, lat *float64, floors int) (buildingFields, error) {
	var f buildingFields
	var err error
	if f.compound, err = checkText("compound", labelCompound, compound, false, 50); err != nil {
		return f, err
	}
	if f.name, err = checkText("name", labelBuilding, name, true, 50); err != nil {
		return f, err
	}
	k, ok := ParseBuildingKind(kind)
	if !ok {
		if strings.TrimSpace(kind) == "" {
			return f, apperr.Invalidf("kind", "请填写类型（楼栋或院落）", "the kind is required (building or courtyard)")
		}
		return f, apperr.Invalidf("kind", "类型“%s”无效，应为楼栋或院落", "kind %q is not valid: use building or courtyard", kind)
	}
	f.kind = k
	if f.address, err = checkText("address", labelAddress, address, false, 200); err != nil {
		return f, err
	}
	if f.lon, f.lat, err = checkLocation(lon, lat); err != nil {
		return f, err
	}
	if floors < 0 || floors > 200 {
		return f, apperr.Invalidf("floors", "层数 %d 无效，应为0–200（0表示未知）", "floors %d is not valid: use 0–200 (0 for unknown)", floors)
	}
	f.floors = floors
	return f, nil
}

// checkLocation checks optional coordinates: both or neither, in range.
func checkLocation(lon, lat *float64) (*float64, *float64, error) {
	switch {
	case lon == nil && lat == nil:
		return nil, nil, nil
	case lon == nil:
		return nil, nil, apperr.Invalidf("lon", "填写了纬度就须同时填写经度", "a latitude needs a longitude too")
	case lat == nil:
		return nil, nil, apperr.Invalidf("lat", "填写了经度就须同时填写纬度", "a longitude needs a latitude too")
	}
	if err := checkPoint(*lon, *lat); err != nil {
		return nil, nil, err
	}
	x, y := *lon, *lat
	return &x, &y, nil
}

// householdFields are a household's checked fields.
type householdFields struct {
	room string
	kind HouseholdKind
	area *float64
}

// checkHouseholdFields checks a household's own fields (column keys
// "room", "kind", "area_m2").
func checkHouseholdFields(room, kind string, area *float64) (householdFields, error) {
	var f householdFields
	var err error
	if f.room, err = checkText("room", labelRoom, room, true, 20); err != nil {
		return f, err
	}
	k, ok := ParseHouseholdKind(kind)
	if !ok {
		if strings.TrimSpace(kind) == "" {
			return f, apperr.Invalidf("kind", "请填写房屋类型（自住、出租、空置或其他）", "the kind is required (owner, rented, vacant or other)")
		}
		return f, apperr.Invalidf("kind", "房屋类型“%s”无效，应为自住、出租、空置或其他", "kind %q is not valid: use owner, rented, vacant or other", kind)
	}
	f.kind = k
	if area != nil {
		a := *area
		if math.IsNaN(a) || a <= 0 || a > 100000 {
			return f, apperr.Invalidf("area_m2", "面积 %g 无效，应大于0且不超过100000平方米", "area %g is not valid: it must be above 0 and at most 100000 m²", a)
		}
		f.area = &a
	}
	return f, nil
}

// checkUnitName checks a unit name; "" is the single unit of a courtyard.
func checkUnitName(s string) (string, error) {
	return checkText("unit", labelUnit, s, false, 20)
}
