package people

import (
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
)

// OrgKind is the level of a party organisation.
type OrgKind string

// The kinds, from the top of the tree down.
const (
	KindCommittee     OrgKind = "committee"      // 党委
	KindGeneralBranch OrgKind = "general_branch" // 党总支
	KindBranch        OrgKind = "branch"         // 党支部
	KindGroup         OrgKind = "group"          // 党小组
)

// OrgKinds lists the kinds from the top down.
var OrgKinds = []OrgKind{KindCommittee, KindGeneralBranch, KindBranch, KindGroup}

var orgKindLabels = map[OrgKind]apperr.Text{
	KindCommittee:     {ZH: "党委", EN: "party committee"},
	KindGeneralBranch: {ZH: "党总支", EN: "general branch"},
	KindBranch:        {ZH: "党支部", EN: "branch"},
	KindGroup:         {ZH: "党小组", EN: "party group"},
}

// allowedParents says under which kinds each kind may sit; "" is the root.
var allowedParents = map[OrgKind][]OrgKind{
	KindCommittee:     {"", KindCommittee},
	KindGeneralBranch: {KindCommittee},
	KindBranch:        {KindCommittee, KindGeneralBranch},
	KindGroup:         {KindBranch},
}

// Label returns the kind's name in Chinese and English.
func (k OrgKind) Label() apperr.Text { return orgKindLabels[k] }

// Valid reports whether k is a kind.
func (k OrgKind) Valid() bool { _, ok := orgKindLabels[k]; return ok }

// CanBeUnder reports whether an organisation of kind k may sit under one of
// kind parent ("" for the root of the tree): a committee at the root or
// under a committee, a general branch under a committee, a branch under a
// committee or general branch, a group under a branch.
func (k OrgKind) CanBeUnder(parent OrgKind) bool {
	for _, p := range allowedParents[k] {
		if p == parent {
			return true
		}
	}
	return false
}

// Sector is where an organisation is set up.
type Sector string

// The sectors.
const (
	SectorRegion     Sector = "region"     // a street, community or grid (区域党建)
	SectorEnterprise Sector = "enterprise" // a company (非公企业)
	SectorSocialOrg  Sector = "social_org" // a social organisation (社会组织)
	SectorIndustry   Sector = "industry"   // an industry, e.g. express delivery (行业党委)
)

var sectorLabels = map[Sector]apperr.Text{
	SectorRegion:     {ZH: "区域", EN: "region"},
	SectorEnterprise: {ZH: "非公企业", EN: "enterprise"},
	SectorSocialOrg:  {ZH: "社会组织", EN: "social organisation"},
	SectorIndustry:   {ZH: "行业", EN: "industry"},
}

// Label returns the sector's name in Chinese and English.
func (s Sector) Label() apperr.Text { return sectorLabels[s] }

// Valid reports whether s is a sector.
func (s Sector) Valid() bool { _, ok := sectorLabels[s]; return ok }

// Org is a party organisation.
type Org struct {
	ID         int64
	ParentID   int64 // 0 at the root
	Kind       OrgKind
	Name       string
	Path       string // materialised path of ids, "/1/5/"
	RegionID   int64  // the region it is tied to, 0 when none
	RegionPath string // its region's path, or its nearest ancestor's; "" when none
	BuildingID int64  // the building a party group is tied to, 0 when none
	Sector     Sector
	SectorName string // e.g. "快递物流行业党委", the company or organisation
	Secretary  string
	CreatedAt  time.Time
}

// OrgInput is a new party organisation. A building implies its grid as the
// region; Sector defaults to "region".
type OrgInput struct {
	ParentID   int64
	Kind       OrgKind
	Name       string
	RegionID   int64
	BuildingID int64
	Sector     Sector
	SectorName string
	Secretary  string
}

// OrgFilter selects organisations; the zero filter selects every one the
// actor may read.
type OrgFilter struct {
	UnderID  *int64 // the organisation and its subtree
	ParentID *int64 // direct children only
	Kind     *OrgKind
	RegionID *int64 // organisations whose region lies in this region's subtree
	Offset   int
	Limit    int
}

// MemberCategory is a party member's situation.
type MemberCategory string

// The categories.
const (
	MemberInService MemberCategory = "in_service" // 在职党员
	MemberRetired   MemberCategory = "retired"    // 离退休党员
	MemberMobile    MemberCategory = "mobile"     // 流动党员
)

var memberCategoryLabels = map[MemberCategory]apperr.Text{
	MemberInService: {ZH: "在职", EN: "in service"},
	MemberRetired:   {ZH: "离退休", EN: "retired"},
	MemberMobile:    {ZH: "流动", EN: "mobile"},
}

// Label returns the category's name in Chinese and English.
func (c MemberCategory) Label() apperr.Text { return memberCategoryLabels[c] }

// Valid reports whether c is a category.
func (c MemberCategory) Valid() bool { _, ok := memberCategoryLabels[c]; return ok }

// Member is a party member of an organisation.
type Member struct {
	ID               int64
	OrgID            int64
	ResidentID       int64 // 0 when not linked to a resident
	UserID           int64 // 0 when the member has no account
	Name             string
	Category         MemberCategory
	JoinedOn         time.Time // zero when unknown
	ReportedRegionID int64     // the community an in-service member reported to, 0 when none
	CreatedAt        time.Time
}

// MemberInput is a new party member.
type MemberInput struct {
	OrgID            int64
	ResidentID       int64
	UserID           int64
	Name             string
	Category         MemberCategory
	JoinedOn         time.Time
	ReportedRegionID int64
}

// MemberFilter selects members; the zero filter selects every member of the
// organisations the actor may read.
type MemberFilter struct {
	OrgID            *int64 // members of exactly this organisation
	UnderOrgID       *int64 // members of this organisation and its subtree
	Category         *MemberCategory
	ReportedRegionID *int64
	NameContains     string
	Offset           int
	Limit            int

	memberID int64 // one member, for reading back a created one
}

// Coverage is the party-organisation coverage of a region (党组织覆盖率):
// how many of the grids in its subtree have a branch tied to them.
type Coverage struct {
	RegionID int64
	Grids    int
	Covered  int
	Rate     float64 // Covered / Grids, 0 when there are no grids
}

func validateOrgName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.Invalidf("name", "请填写党组织名称", "the organisation's name is missing")
	}
	if len([]rune(s)) > 100 {
		return "", apperr.Invalidf("name", "党组织名称过长，最多100字", "the organisation's name is too long (at most 100 characters)")
	}
	return s, nil
}
