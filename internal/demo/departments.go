package demo

import (
	"fmt"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/territory"
)

// Department is a body that handles cases, registered at a region. The
// category dictionary routes a case to the department whose Name its
// category names (department_zh), registered nearest above the case's
// place, so Name is that routing name ("供热公司", "物业公司"), not the
// company's own ("临江热力有限公司"), which its accounts carry in
// User.Department.
type Department struct {
	Name   string // the name the dictionary routes by
	Kind   string // one of category.DepartmentKinds
	Region int    // index into City.Regions
	Phone  string // the office's landline
}

// deptSpec is a department every district (and the city) registers.
type deptSpec struct{ name, kind string }

// districtDepartments are the bodies registered at every district and at
// the city: one of each name the category dictionary routes to above the
// street (data/local.csv and the GB dictionary's single bodies). Left out
// are the GB rows that name no single body: "井盖设施维护管理责任人（产权
// 单位）", the "（济源）" lists of several bureaus, and "公安机关" (the
// demo's police is 公安局 and each street's 公安派出所).
var districtDepartments = []deptSpec{
	// Utilities.
	{"供热公司", category.DeptUtility},
	{"供水公司", category.DeptUtility},
	{"燃气公司", category.DeptUtility},
	{"供电公司", category.DeptUtility},
	// Emergencies and municipal works (local.csv LE01…).
	{"应急管理局", category.DeptGovernment},
	{"市政设施管理处", category.DeptUrbanManagement},
	{"排水管理处", category.DeptUrbanManagement},
	{"园林绿化管理处", category.DeptUrbanManagement},
	{"消防救援站", category.DeptGovernment},
	// The 12345 hotline and the district bureaus its rows name (LH…).
	{"12345热线工作机构", category.DeptGovernment},
	{"住房和城乡建设局", category.DeptGovernment},
	{"交通运输局", category.DeptGovernment},
	{"市场监督管理局", category.DeptGovernment},
	{"教育局", category.DeptGovernment},
	{"卫生健康委员会", category.DeptGovernment},
	{"医疗保障局", category.DeptGovernment},
	{"人力资源和社会保障局", category.DeptGovernment},
	{"住房保障服务中心", category.DeptGovernment},
	{"住房公积金管理中心", category.DeptGovernment},
	{"生态环境局", category.DeptGovernment},
	{"城市管理综合执法局", category.DeptUrbanManagement},
	{"公安局", category.DeptPolice},
	{"民政局", category.DeptGovernment},
	{"公用事业服务中心", category.DeptGovernment},
	// Named by the GB dictionary (categories.csv).
	{"区市容环境卫生管理处", category.DeptUrbanManagement},
	{"区风景园林局", category.DeptUrbanManagement},
}

// The routing names below the district.
const (
	deptHeating   = "供热公司"
	deptWater     = "供水公司"
	deptPower     = "供电公司"
	deptMunicipal = "市政设施管理处"
	deptPolice    = "公安派出所" // per street or town
	deptJustice   = "司法所"   // per street or town
	deptCommittee = "社区居委会" // per community, and per village: the dictionary routes community matters by this name
	deptProperty  = "物业公司"  // per community with compounds
)

// deptKey names a department by its region and routing name.
type deptKey struct {
	region int
	name   string
}

// pendingMember is a department account waiting for its department to be
// generated (users come first so that adding departments leaves the rest
// of the city as it was).
type pendingMember struct {
	user int // index into City.Users
	dept deptKey
}

// addDeptStaff adds an account of a department: role department at region,
// acting for the department named route registered there.
func (g *gen) addDeptStaff(username, company, route string, region int) {
	g.addStaff(username, auth.RoleDepartment, company, regionGrant(auth.RoleDepartment, region))
	g.pendingMembers = append(g.pendingMembers, pendingMember{user: len(g.c.Users) - 1, dept: deptKey{region, route}})
}

// departments registers the bodies that handle cases: the district set at
// every district and the city, a police station and a judicial office per
// street or town, a residents' committee per community and village, and a
// property company per community with compounds. Then it makes every
// department account a member of its department.
func (g *gen) departments() {
	at := map[deptKey]int{}
	add := func(region int, name, kind string) {
		at[deptKey{region, name}] = len(g.c.Departments)
		g.c.Departments = append(g.c.Departments, Department{Name: name, Kind: kind, Region: region, Phone: g.landline()})
	}
	housed := make([]bool, len(g.c.Regions)) // communities with compounds
	for _, cp := range g.c.Compounds {
		housed[cp.Community] = true
	}
	for i, r := range g.c.Regions {
		switch r.Level {
		case territory.LevelCity, territory.LevelCounty:
			for _, d := range districtDepartments {
				add(i, d.name, d.kind)
			}
		case territory.LevelTownship:
			add(i, deptPolice, category.DeptPolice)
			add(i, deptJustice, category.DeptGovernment)
		case territory.LevelVillage:
			add(i, deptCommittee, category.DeptGovernment)
			if housed[i] && !isVillageCode(r.Code) {
				add(i, deptProperty, category.DeptProperty)
			}
		}
	}
	for _, p := range g.pendingMembers {
		d, ok := at[p.dept]
		if !ok {
			panic(fmt.Sprintf("demo: account %s acts for %s at %s, which is not registered",
				g.c.Users[p.user].Username, p.dept.name, g.c.Regions[p.dept.region].Name))
		}
		g.c.Users[p.user].Dept = d
	}
}
