package demo

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The default district at full scale is generated once and shared.
var (
	districtOnce sync.Once
	districtCity *City
)

func district(t testing.TB) *City {
	t.Helper()
	districtOnce.Do(func() { districtCity = Generate(Options{Seed: 1}) })
	return districtCity
}

func TestGenerateIsDeterministic(t *testing.T) {
	for _, opt := range []Options{
		{Seed: 7, Size: SizeVillage},
		{Seed: 7, Size: SizeDistrict, HouseholdScale: 0.2},
		{Seed: 7, Size: SizeCity, HouseholdScale: 0.02},
	} {
		a, b := Generate(opt).Digest(), Generate(opt).Digest()
		if a != b {
			t.Errorf("%v: two runs with seed %d differ: %s vs %s", opt.Size, opt.Seed, a, b)
		}
		opt.Seed++
		if c := Generate(opt).Digest(); c == a {
			t.Errorf("%v: seeds %d and %d give the same city %s", opt.Size, opt.Seed-1, opt.Seed, a)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]Size{"": SizeDistrict, "district": SizeDistrict, "village": SizeVillage, " City ": SizeCity} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", in, got, err, want)
		}
		if got.String() != strings.ToLower(strings.TrimSpace(in)) && in != "" {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	_, err := ParseSize("province")
	if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "size" {
		t.Errorf("ParseSize(province) error = %v; want invalid on field size", err)
	}
}

// checkCodes verifies the division codes and names of every region: DESIGN
// §2's lengths and ranges, children prefixed by their parent.
func checkCodes(t *testing.T, c *City) {
	t.Helper()
	seen := map[string]bool{}
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	lastGrid := map[int]int{}
	for i, r := range c.Regions {
		if seen[r.Code] {
			t.Errorf("region %s %s: duplicate code", r.Code, r.Name)
		}
		seen[r.Code] = true
		if strings.Trim(r.Code, "0123456789") != "" {
			t.Errorf("region %s: code has non-digits", r.Code)
		}
		var parent Region
		if r.Parent >= 0 {
			if r.Parent >= i {
				t.Errorf("region %s: parent listed after child", r.Code)
			}
			parent = c.Regions[r.Parent]
		}
		switch r.Level {
		case territory.LevelCity:
			if r.Code != "330100" || r.Parent != -1 || i != 0 {
				t.Errorf("city %s %s: want 330100, first and no parent", r.Code, r.Name)
			}
		case territory.LevelCounty:
			n := num(r.Code[4:6])
			if len(r.Code) != 6 || !strings.HasPrefix(r.Code, "3301") || n < 1 || n > 20 || r.Parent >= 0 && parent.Level != territory.LevelCity {
				t.Errorf("county %s %s: want 3301xx, a district number 01–20, under the city if any", r.Code, r.Name)
			}
		case territory.LevelTownship:
			n := num(r.Code[6:9])
			ok := len(r.Code) == 12 && r.Code[:6] == parent.Code && r.Code[9:] == "000" && parent.Level == territory.LevelCounty
			if strings.HasSuffix(r.Name, "街道") {
				ok = ok && n >= 1 && n <= 99 && !r.Rural
			} else {
				ok = ok && strings.HasSuffix(r.Name, "镇") && n >= 100 && n <= 199 && r.Rural
			}
			if !ok {
				t.Errorf("township %s %s (rural %v) under %s: bad code, range or name", r.Code, r.Name, r.Rural, parent.Code)
			}
		case territory.LevelVillage:
			n := num(r.Code[9:12])
			ok := len(r.Code) == 12 && r.Code[:9] == parent.Code[:9] && parent.Level == territory.LevelTownship
			if strings.HasSuffix(r.Name, "社区") {
				ok = ok && n >= 1 && n <= 199 && !r.Rural
			} else {
				ok = ok && strings.HasSuffix(r.Name, "村") && n >= 200 && n <= 399 && r.Rural && parent.Rural
			}
			if !ok {
				t.Errorf("village %s %s under %s: bad code, range or name", r.Code, r.Name, parent.Code)
			}
		case territory.LevelGrid:
			n := num(r.Code[12:])
			if len(r.Code) != 15 || r.Code[:12] != parent.Code || parent.Level != territory.LevelVillage || n != lastGrid[r.Parent]+1 ||
				r.Name != parent.Name+"第"+strconv.Itoa(n)+"网格" || r.Rural != parent.Rural {
				t.Errorf("grid %s %s under %s %s: bad code, number or name", r.Code, r.Name, parent.Code, parent.Name)
			}
			lastGrid[r.Parent] = n
		default:
			t.Errorf("region %s: unknown level %q", r.Code, r.Level)
		}
	}
}

func TestRegionCodes(t *testing.T) {
	t.Run("district", func(t *testing.T) { checkCodes(t, district(t)) })
	t.Run("village", func(t *testing.T) { checkCodes(t, Generate(Options{Seed: 3, Size: SizeVillage})) })
	t.Run("city", func(t *testing.T) { checkCodes(t, Generate(Options{Seed: 3, Size: SizeCity, HouseholdScale: 0.01})) })
}

// checkTiling verifies that the children of every region tile it exactly:
// every polygon is a closed, counter-clockwise, simple ring; every edge of
// a child is either an edge of a sibling run the other way (a shared edge,
// vertex for vertex) or an edge of the parent; the children's areas sum to
// the parent's; and sample points inside the parent fall in exactly one
// child, those outside in none.
func checkTiling(t *testing.T, c *City) {
	t.Helper()
	children := make([][]int, len(c.Regions))
	for i, r := range c.Regions {
		ring := r.Boundary[0]
		if len(r.Boundary) != 1 || len(ring) < 4 || ring[0] != ring[len(ring)-1] {
			t.Fatalf("region %s: boundary is not one closed ring", r.Code)
		}
		if ring.Orientation() != orb.CCW {
			t.Errorf("region %s: exterior ring is not counter-clockwise", r.Code)
		}
		if !simple(ring) {
			t.Errorf("region %s: ring intersects itself", r.Code)
		}
		if !planar.PolygonContains(r.Boundary, r.Center) {
			t.Errorf("region %s: centre %v outside", r.Code, r.Center)
		}
		if b := r.Boundary.Bound(); b.Min[0] < 119.9 || b.Max[0] > 120.8 || b.Min[1] < 29.9 || b.Max[1] > 30.6 {
			t.Errorf("region %s: bound %v is not near 120.2E 30.2N", r.Code, b)
		}
		if r.Parent >= 0 {
			children[r.Parent] = append(children[r.Parent], i)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	type edge struct{ a, b orb.Point }
	for p, kids := range children {
		if len(kids) == 0 {
			continue
		}
		parent := c.Regions[p]
		edges := map[edge]int{}
		for _, k := range kids {
			ring := c.Regions[k].Boundary[0]
			for i := 0; i+1 < len(ring); i++ {
				edges[edge{ring[i], ring[i+1]}]++
			}
		}
		outer := map[edge]bool{}
		pr := parent.Boundary[0]
		for i := 0; i+1 < len(pr); i++ {
			outer[edge{pr[i], pr[i+1]}] = true
		}
		for e, n := range edges {
			back := edges[edge{e.b, e.a}]
			if n != 1 || (back == 1) == outer[e] {
				t.Errorf("%s %s: child edge %v→%v is neither shared exactly once nor on the parent's boundary", parent.Code, parent.Name, e.a, e.b)
			}
		}
		for e := range outer {
			if edges[e] != 1 {
				t.Errorf("%s %s: parent edge %v→%v not covered by one child", parent.Code, parent.Name, e.a, e.b)
			}
		}
		sum := 0.0
		for _, k := range kids {
			sum += planar.Area(c.Regions[k].Boundary)
		}
		if area := planar.Area(parent.Boundary); math.Abs(sum-area) > 1e-9*area {
			t.Errorf("%s %s: children's areas sum to %.15g, the parent's is %.15g", parent.Code, parent.Name, sum, area)
		}
		b := parent.Boundary.Bound()
		for s := 0; s < 200; s++ {
			pt := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
			in := 0
			for _, k := range kids {
				if planar.PolygonContains(c.Regions[k].Boundary, pt) {
					in++
				}
			}
			want := 0
			if planar.PolygonContains(parent.Boundary, pt) {
				want = 1
			}
			if in != want {
				t.Errorf("%s %s: point %v lies in %d children, want %d", parent.Code, parent.Name, pt, in, want)
				break
			}
		}
	}
}

// simple reports whether no two non-adjacent edges of a closed ring meet.
func simple(r orb.Ring) bool {
	n := len(r) - 1
	for i := 0; i < n; i++ {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // the closing edge meets the first
			}
			if segmentsMeet(r[i], r[i+1], r[j], r[j+1]) {
				return false
			}
		}
	}
	return true
}

func segmentsMeet(p1, p2, q1, q2 orb.Point) bool {
	cross := func(o, a, b orb.Point) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	d1, d2 := cross(q1, q2, p1), cross(q1, q2, p2)
	d3, d4 := cross(p1, p2, q1), cross(p1, p2, q2)
	return (d1 > 0) != (d2 > 0) && (d3 > 0) != (d4 > 0) || d1 == 0 && d2 == 0 && d3 == 0 && d4 == 0
}

func TestBoundariesTile(t *testing.T) {
	t.Run("district", func(t *testing.T) { checkTiling(t, district(t)) })
	t.Run("village", func(t *testing.T) { checkTiling(t, Generate(Options{Seed: 3, Size: SizeVillage})) })
	t.Run("city", func(t *testing.T) { checkTiling(t, Generate(Options{Seed: 3, Size: SizeCity, HouseholdScale: 0.01})) })
}

func TestPlacesLieInTheirRegions(t *testing.T) {
	c := district(t)
	for _, b := range c.Buildings {
		if !planar.PolygonContains(c.Regions[b.Grid].Boundary, b.Location) {
			t.Fatalf("building %s at %v lies outside its grid %s", b.Name, b.Location, c.Regions[b.Grid].Code)
		}
	}
	for _, p := range c.ServicePoints {
		if !planar.PolygonContains(c.Regions[p.Region].Boundary, p.Location) {
			t.Errorf("service point %s lies outside %s", p.Name, c.Regions[p.Region].Name)
		}
	}
}

// idCheckIndependent computes the GB 11643 check character the way the
// standard states it: weights 2^(17-i) mod 11, check (12 - sum mod 11) mod 11.
func idCheckIndependent(body string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		sum += int(body[i]-'0') * w
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return 'X'
	}
	return byte('0' + v)
}

func TestResidentNumbers(t *testing.T) {
	c := district(t)
	ids := make(map[string]bool, len(c.Residents))
	phones := map[string]bool{}
	county := c.Regions[0].Code
	for _, r := range c.Residents {
		id := r.IDNumber
		if len(id) != 18 || strings.Trim(id[:17], "0123456789") != "" {
			t.Fatalf("%s: ID %q is not 17 digits and a check character", r.Name, id)
		}
		if got := idCheckIndependent(id); id[17] != got {
			t.Fatalf("%s: ID %s has check character %c, want %c", r.Name, id, id[17], got)
		}
		if id[:6] != county || id[6:14] != r.Birth.Format("20060102") || ((id[16]-'0')%2 == 1) != (r.Gender == people.Male) {
			t.Fatalf("%s: ID %s does not match county %s, birth %s, gender %s", r.Name, id, county, r.Birth.Format("2006-01-02"), r.Gender)
		}
		if ids[id] {
			t.Fatalf("ID %s given twice", id)
		}
		ids[id] = true
		if r.Phone != "" {
			if len(r.Phone) != 11 || r.Phone[0] != '1' || r.Phone[1] < '3' || strings.Trim(r.Phone, "0123456789") != "" || phones[r.Phone] {
				t.Fatalf("%s: phone %q is not a fresh 11-digit mobile number", r.Name, r.Phone)
			}
			phones[r.Phone] = true
		}
		if n := len([]rune(r.Name)); n < 2 || n > 4 {
			t.Fatalf("name %q has %d characters", r.Name, n)
		}
	}
}

func TestFocusBuilding(t *testing.T) {
	c := district(t)
	f := c.FocusBuilding()
	if f < 0 {
		t.Fatal("no 水韵名都 27号楼")
	}
	b := c.Buildings[f]
	if b.Name != "27号楼" || b.Units < 1 || c.Regions[c.Regions[b.Grid].Parent].Name != "水韵社区" {
		t.Fatalf("水韵名都 27号楼 = %+v in %s", b, c.Regions[b.Grid].Name)
	}
	unit1 := 0
	for _, h := range c.Households {
		if h.Building == f && h.Unit == 1 {
			unit1++
		}
	}
	if unit1 == 0 {
		t.Fatal("27号楼 1单元 has no households")
	}
	// The resident demo login lives in 27号楼 1单元.
	for _, l := range c.DemoLogins() {
		if l.Role != auth.RoleResident {
			continue
		}
		for _, u := range c.Users {
			if u.Username == l.Username {
				h := c.Households[c.Residents[u.Resident].Household]
				if h.Building != f || h.Unit != 1 {
					t.Errorf("resident login %s lives in building %d unit %d, not 27号楼 1单元", u.Username, h.Building, h.Unit)
				}
			}
		}
	}
}

func TestCounts(t *testing.T) {
	c := district(t)
	levels := map[territory.Level]int{}
	for _, r := range c.Regions {
		levels[r.Level]++
	}
	within := func(what string, n, lo, hi int) {
		t.Helper()
		if n < lo || n > hi {
			t.Errorf("%s = %d, want %d–%d", what, n, lo, hi)
		}
	}
	within("districts", levels[territory.LevelCounty], 1, 1)
	within("streets and towns", levels[territory.LevelTownship], 5, 7)
	within("communities and villages", levels[territory.LevelVillage], 33, 47)
	within("grids", levels[territory.LevelGrid], 250, 350)

	perGrid := map[int]int{}
	for _, h := range c.Households {
		perGrid[c.Buildings[h.Building].Grid]++
	}
	for i, r := range c.Regions {
		if r.Level == territory.LevelGrid {
			within(r.Name+" households", perGrid[i], MinHouseholdsPerGrid, MaxHouseholdsPerGrid)
		}
	}
	for _, b := range c.Buildings {
		if b.Kind == territory.BuildingKindBuilding && (b.Floors < 6 || b.Floors > 33 || b.Units < 1 || b.Units > 4 || b.RoomsPerFloor < 2 || b.RoomsPerFloor > 4 || b.Name != strconv.Itoa(b.Number)+"号楼") {
			t.Fatalf("building %+v out of range", b)
		}
		if b.Kind == territory.BuildingKindCourtyard && !strings.HasSuffix(b.Name, strconv.Itoa(b.Number)+"号院") {
			t.Fatalf("courtyard %+v badly named", b)
		}
	}
	for _, h := range c.Households {
		b := c.Buildings[h.Building]
		courtyard := b.Kind == territory.BuildingKindCourtyard
		if h.Kind != territory.HouseholdOwner && h.Kind != territory.HouseholdRented || h.AreaM2 < 30 || h.AreaM2 > 400 ||
			courtyard != (h.Unit == 0) || courtyard && h.Room != "1" ||
			!courtyard && (h.Unit > b.Units || h.Floor > b.Floors || h.Room != strconv.Itoa(h.Floor)+h.Room[len(h.Room)-2:]) {
			t.Fatalf("household %+v of building %+v", h, b)
		}
	}
	// Each grid's building head, unit head and resident accounts are three
	// different people.
	linked := map[int]map[int]bool{}
	for _, u := range c.Users {
		switch u.Role {
		case auth.RoleBuildingHead, auth.RoleUnitHead, auth.RoleResident:
			g := u.Grants[0].Region
			if linked[g] == nil {
				linked[g] = map[int]bool{}
			}
			linked[g][u.Resident] = true
		}
	}
	for g, people := range linked {
		if len(people) != 3 {
			t.Errorf("grid %s: building head, unit head and resident are %d people", c.Regions[g].Name, len(people))
		}
	}
	perHousehold := make([]int, len(c.Households))
	adults, alone, members := 0, 0, len(c.PartyMembers)
	for _, r := range c.Residents {
		perHousehold[r.Household]++
		if ageOn(r.Birth, c.AsOf) >= 18 {
			adults++
		}
		for _, tag := range r.Tags {
			if tag == people.TagElderlyAlone {
				alone++
			}
		}
	}
	for h, n := range perHousehold {
		if n < 1 || n > 5 {
			t.Fatalf("household %d has %d residents, want 1–5", h, n)
		}
	}
	share := func(what string, n, of int, lo, hi float64) {
		t.Helper()
		if f := float64(n) / float64(of); f < lo || f > hi {
			t.Errorf("%s: %d of %d = %.3f, want %.3f–%.3f", what, n, of, f, lo, hi)
		}
	}
	share("elderly living alone among residents", alone, len(c.Residents), 0.01, 0.03)
	share("party members among adults", members, adults, 0.06, 0.08)

	kinds := map[people.OrgKind]int{}
	for _, o := range c.PartyOrgs {
		kinds[o.Kind]++
	}
	// One branch per grid (一网格一支部) plus the industry branches.
	if kinds[people.KindBranch] != levels[territory.LevelGrid]+2 || kinds[people.KindGeneralBranch] != levels[territory.LevelVillage] || kinds[people.KindCommittee] != 2+levels[territory.LevelTownship] || kinds[people.KindGroup] == 0 {
		t.Errorf("party organisations by kind = %v", kinds)
	}
	roles := map[auth.Role]int{}
	for _, u := range c.Users {
		roles[u.Role]++
	}
	want := map[auth.Role]int{
		auth.RoleAdmin: 1, auth.RoleLeader: 1 + levels[territory.LevelTownship], auth.RoleDispatcher: 1 + levels[territory.LevelTownship],
		auth.RoleGridWorker: levels[territory.LevelGrid], auth.RoleBranchSecretary: levels[territory.LevelGrid],
	}
	for role, n := range want {
		if roles[role] != n {
			t.Errorf("%d %s accounts, want %d", roles[role], role, n)
		}
	}
	for _, role := range auth.Roles {
		if roles[role] == 0 {
			t.Errorf("no %s account", role)
		}
	}
	if got := len(c.DemoLogins()); got != len(auth.Roles) {
		t.Errorf("%d demo logins, want one per role (%d)", got, len(auth.Roles))
	}
}

func TestVillageAndCitySizes(t *testing.T) {
	v := Generate(Options{Seed: 5, Size: SizeVillage})
	levels := map[territory.Level]int{}
	for _, r := range v.Regions {
		levels[r.Level]++
	}
	if levels[territory.LevelCounty] != 1 || levels[territory.LevelTownship] != 1 || levels[territory.LevelVillage] != 1 || levels[territory.LevelGrid] != 3 {
		t.Errorf("village size: regions by level %v, want 1 county, 1 town, 1 village, 3 grids", levels)
	}
	c := Generate(Options{Seed: 5, Size: SizeCity, HouseholdScale: 0.01})
	levels = map[territory.Level]int{}
	for _, r := range c.Regions {
		levels[r.Level]++
	}
	if levels[territory.LevelCity] != 1 || levels[territory.LevelCounty] < 4 || levels[territory.LevelCounty] > 6 {
		t.Errorf("city size: %d cities and %d districts, want 1 and 4–6", levels[territory.LevelCity], levels[territory.LevelCounty])
	}
	// Scaled households: 1 % of 300–500 is 3–5 a grid.
	perGrid := map[int]int{}
	for _, h := range c.Households {
		perGrid[c.Buildings[h.Building].Grid]++
	}
	for i, r := range c.Regions {
		if n := perGrid[i]; r.Level == territory.LevelGrid && (n < 3 || n > 5) {
			t.Errorf("city size at 1%%: grid %s has %d households, want 3–5", r.Code, n)
		}
	}
	if c.FocusBuilding() < 0 {
		t.Error("city size: no 水韵名都 27号楼")
	}
}

func BenchmarkGenerateDistrict(b *testing.B) {
	for b.Loop() {
		Generate(Options{Seed: 1})
	}
}

func TestDepartments(t *testing.T) {
	for _, c := range []*City{district(t), Generate(Options{Seed: 5, Size: SizeVillage}), Generate(Options{Seed: 5, Size: SizeCity, HouseholdScale: 0.01})} {
		byRegion := map[int]map[string]int{}
		for i, d := range c.Departments {
			if byRegion[d.Region] == nil {
				byRegion[d.Region] = map[string]int{}
			}
			if _, dup := byRegion[d.Region][d.Name]; dup {
				t.Errorf("%v: two departments named %s at %s", c.Size, d.Name, c.Regions[d.Region].Name)
			}
			byRegion[d.Region][d.Name] = i
			if !category.ValidDepartmentKind(d.Kind) || !strings.HasPrefix(d.Phone, "0571-8") || len(d.Phone) != 13 {
				t.Errorf("%v: department %+v", c.Size, d)
			}
		}
		housed := map[int]bool{}
		for _, cp := range c.Compounds {
			housed[cp.Community] = true
		}
		for i, r := range c.Regions {
			var want []string
			switch r.Level {
			case territory.LevelCity, territory.LevelCounty:
				for _, d := range districtDepartments {
					want = append(want, d.name)
				}
			case territory.LevelTownship:
				want = []string{"公安派出所", "司法所"}
			case territory.LevelVillage:
				want = []string{"社区居委会"}
				if !isVillageCode(r.Code) && housed[i] {
					want = append(want, "物业公司")
				}
			}
			if len(byRegion[i]) != len(want) {
				t.Errorf("%v: %s has %d departments, want %v", c.Size, r.Name, len(byRegion[i]), want)
			}
			for _, n := range want {
				if _, ok := byRegion[i][n]; !ok {
					t.Errorf("%v: %s has no %s", c.Size, r.Name, n)
				}
			}
		}
		// Every department account acts for a department of its scope:
		// the heating logins for the heating company, the property logins
		// for their community's property company.
		for _, u := range c.Users {
			if (u.Role == auth.RoleDepartment) != (u.Dept >= 0) {
				t.Errorf("%v: %s (%s) acts for department %d", c.Size, u.Username, u.Role, u.Dept)
				continue
			}
			if u.Dept < 0 {
				continue
			}
			d := c.Departments[u.Dept]
			wantName := map[string]string{"heating": "供热公司", "water": "供水公司", "power": "供电公司", "municipal": "市政设施管理处",
				"police": "公安派出所", "property": "物业公司"}[strings.Split(u.Username, "-")[0]]
			if d.Region != u.Grants[0].Region || d.Name != wantName {
				t.Errorf("%v: %s acts for %s at %s, want %s at %s", c.Size, u.Username, d.Name, c.Regions[d.Region].Name,
					wantName, c.Regions[u.Grants[0].Region].Name)
			}
		}
	}
}
