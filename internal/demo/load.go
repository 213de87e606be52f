package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/paulmach/orb/geojson"
)

// Deps are the domain services Load writes through. Auth should hash with
// auth.FastArgon2: the demo creates over a thousand accounts.
type Deps struct {
	Territory *territory.Service
	People    *people.Service
	Auth      *auth.Service
	Category  *category.Service // departments and their members
}

// loader carries the ids the database gave the city's records.
type loader struct {
	db       *sqldb.DB
	c        *City
	deps     Deps
	progress func(done, total int)
	done     int
	total    int

	region     []*territory.Region // by region index
	household  []int64             // household index → id
	resident   []int64             // resident index → id
	org        []*people.Org       // by party organisation index
	userID     []int64             // by user index
	validFrom  time.Time
	userOfResi map[int]int // resident index → index of the party-member user linked to them
}

// Load writes city into db through the domain services, as the system
// actor (whatever actor ctx carries: loading a demo is a CLI operation),
// in large transactions: the region tree and its boundaries in one, the
// places and residents one street or town at a time, the party
// organisations in one, the accounts in one, the party members one street
// or town at a time; the departments and their members through
// category.Service, one transaction each (category has no batch API, and
// they are a few hundred at most).
// progress, if not nil, is called with the records written so far and the
// total. Any record the domain services reject makes Load fail with that
// error; what was committed before stays.
func Load(ctx context.Context, db *sqldb.DB, city *City, deps Deps, progress func(done, total int)) error {
	if deps.Territory == nil || deps.People == nil || deps.Auth == nil || deps.Category == nil {
		return fmt.Errorf("demo: load: missing a service in Deps")
	}
	ctx = auth.WithActor(ctx, auth.SystemActor())
	l := newLoader(db, city, deps, progress)
	l.progress(0, l.total)
	for _, s := range l.steps() {
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("demo: load %s: %w", s.name, err)
		}
	}
	return nil
}

func newLoader(db *sqldb.DB, city *City, deps Deps, progress func(done, total int)) *loader {
	if progress == nil {
		progress = func(int, int) {}
	}
	l := &loader{
		db: db, c: city, deps: deps, progress: progress,
		region:     make([]*territory.Region, len(city.Regions)),
		household:  make([]int64, len(city.Households)),
		resident:   make([]int64, len(city.Residents)),
		org:        make([]*people.Org, len(city.PartyOrgs)),
		userID:     make([]int64, len(city.Users)),
		validFrom:  time.Date(city.AsOf.Year(), 1, 1, 0, 0, 0, 0, time.UTC),
		userOfResi: map[int]int{},
	}
	l.total = len(city.Regions) + len(city.Buildings) + len(city.Households) + len(city.Residents) +
		len(city.PartyOrgs) + len(city.Users) + len(city.PartyMembers) + len(city.ServicePoints) + len(city.Departments)
	for _, u := range city.Users {
		if u.Dept >= 0 {
			l.total++
		}
	}
	return l
}

// loadStep is one stage of Load.
type loadStep struct {
	name string
	fn   func(context.Context) error
}

// steps are Load's stages in order: each needs the ids of the ones before.
func (l *loader) steps() []loadStep {
	return []loadStep{
		{"regions", l.regions},
		{"places and residents", l.places},
		{"party organisations", l.orgs},
		{"accounts", l.users},
		{"departments", l.departments},
		{"party members", l.members},
		{"service points", l.servicePoints},
	}
}

func (l *loader) step(n int) {
	l.done += n
	l.progress(l.done, l.total)
}

// regions creates the region tree with its boundaries in one transaction,
// parents first, so that every grid's boundary is checked against its
// community's.
func (l *loader) regions(ctx context.Context) error {
	return l.db.Transact(ctx, func(tx *sqldb.Tx) error {
		for i, r := range l.c.Regions {
			in := territory.RegionInput{Level: r.Level, Code: r.Code, Name: r.Name}
			if r.Parent >= 0 {
				in.ParentID = l.region[r.Parent].ID
			}
			reg, err := l.deps.Territory.CreateRegionTx(ctx, tx, in)
			if err != nil {
				return err
			}
			l.region[i] = reg
			js, err := geojson.NewGeometry(r.Boundary).MarshalJSON()
			if err != nil {
				return fmt.Errorf("boundary of %s: %w", r.Code, err)
			}
			if err := l.deps.Territory.SetBoundaryTx(ctx, tx, reg.ID, js, l.validFrom); err != nil {
				return err
			}
			if i%64 == 63 {
				l.step(64)
			}
		}
		l.step(len(l.c.Regions) % 64)
		return nil
	})
}

// rowsError turns the first bad row of a batch into an error: demo data is
// meant to be clean, so any bad row is a bug on one side or the other.
func rowsError(what string, bad []apperr.RowError) error {
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %d bad rows, the first: row %d: %w", what, len(bad), bad[0].Row, bad[0].Err)
}

// places writes buildings, households and residents, one transaction per
// street or town and one batch of each per community or village inside it.
func (l *loader) places(ctx context.Context) error {
	// Index the city's records by village-level region once.
	type span struct{ buildings, households, residents []int }
	byVillage := make(map[int]*span)
	villageOf := func(grid int) *span {
		v := l.c.Regions[grid].Parent
		s := byVillage[v]
		if s == nil {
			s = &span{}
			byVillage[v] = s
		}
		return s
	}
	for i, b := range l.c.Buildings {
		s := villageOf(b.Grid)
		s.buildings = append(s.buildings, i)
	}
	for i, h := range l.c.Households {
		s := villageOf(l.c.Buildings[h.Building].Grid)
		s.households = append(s.households, i)
	}
	for i, r := range l.c.Residents {
		s := villageOf(l.c.Buildings[l.c.Households[r.Household].Building].Grid)
		s.residents = append(s.residents, i)
	}
	for t, r := range l.c.Regions {
		if r.Level != territory.LevelTownship {
			continue
		}
		err := l.db.Transact(ctx, func(tx *sqldb.Tx) error {
			for v, vr := range l.c.Regions {
				if vr.Level != territory.LevelVillage || vr.Parent != t || byVillage[v] == nil {
					continue
				}
				s := byVillage[v]
				if err := l.buildings(ctx, tx, s.buildings); err != nil {
					return err
				}
				if err := l.households(ctx, tx, s.households); err != nil {
					return err
				}
				if err := l.residents(ctx, tx, s.residents); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: %w", r.Name, err)
		}
	}
	return nil
}

func (l *loader) gridCode(building int) string {
	return l.c.Regions[l.c.Buildings[building].Grid].Code
}

func (l *loader) buildings(ctx context.Context, tx *sqldb.Tx, idx []int) error {
	rows := make([]territory.BuildingRow, len(idx))
	for k, i := range idx {
		b := l.c.Buildings[i]
		lon, lat := b.Location[0], b.Location[1]
		rows[k] = territory.BuildingRow{
			Row: i + 1, GridCode: l.gridCode(i), Compound: l.c.Compounds[b.Compound].Name, Name: b.Name,
			Kind: string(b.Kind), Lon: &lon, Lat: &lat, Floors: b.Floors,
		}
	}
	_, bad, err := l.deps.Territory.ImportBuildings(ctx, tx, rows)
	if err != nil {
		return err
	}
	if err := rowsError("buildings", bad); err != nil {
		return err
	}
	l.step(len(idx))
	return nil
}

// householdKey locates household h for territory.
func (l *loader) householdKey(h int) territory.HouseholdKey {
	hh := l.c.Households[h]
	return territory.HouseholdKey{
		GridCode: l.gridCode(hh.Building), Compound: l.c.Compounds[l.c.Buildings[hh.Building].Compound].Name,
		Building: l.c.Buildings[hh.Building].Name, Unit: hh.UnitName(), Room: hh.Room,
	}
}

func (l *loader) households(ctx context.Context, tx *sqldb.Tx, idx []int) error {
	rows := make([]territory.HouseholdRow, len(idx))
	keys := make([]territory.HouseholdKey, len(idx))
	for k, i := range idx {
		hh := l.c.Households[i]
		key := l.householdKey(i)
		area := hh.AreaM2
		rows[k] = territory.HouseholdRow{
			Row: i + 1, GridCode: key.GridCode, Compound: key.Compound, Building: key.Building,
			Unit: key.Unit, Room: key.Room, Kind: string(hh.Kind), AreaM2: &area,
		}
		keys[k] = key
	}
	_, bad, err := l.deps.Territory.ImportHouseholds(ctx, tx, rows)
	if err != nil {
		return err
	}
	if err := rowsError("households", bad); err != nil {
		return err
	}
	refs, err := l.deps.Territory.ResolveHouseholds(ctx, tx, keys)
	if err != nil {
		return err
	}
	for k, i := range idx {
		ref, ok := refs[keys[k]]
		if !ok {
			return fmt.Errorf("household %+v not found after import", keys[k])
		}
		l.household[i] = ref.ID
	}
	l.step(len(idx))
	return nil
}

func (l *loader) residents(ctx context.Context, tx *sqldb.Tx, idx []int) error {
	rows := make([]people.ResidentRow, len(idx))
	refs := make(map[int]people.HouseholdRef, len(idx))
	for k, i := range idx {
		r := l.c.Residents[i]
		tags := make([]string, len(r.Tags))
		for j, t := range r.Tags {
			tags[j] = string(t)
		}
		rows[k] = people.ResidentRow{
			Row: i + 1, Name: r.Name, Gender: string(r.Gender), IDNumber: r.IDNumber, Phone: r.Phone,
			Relation: string(r.Relation), Tags: tags,
		}
		hh := l.c.Households[r.Household]
		refs[i+1] = people.HouseholdRef{ID: l.household[r.Household], RegionPath: l.region[l.c.Buildings[hh.Building].Grid].Path}
	}
	ids, bad, err := l.deps.People.ImportResidentsWithIDs(ctx, tx, rows, refs)
	if err != nil {
		return err
	}
	if err := rowsError("residents", bad); err != nil {
		return err
	}
	for k, i := range idx {
		l.resident[i] = ids[k]
	}
	l.step(len(idx))
	return nil
}

// orgSector maps an organisation to people's sector: industry committees
// and their branches, or the region they are tied to.
func orgSector(o PartyOrg) (people.Sector, string) {
	if o.Industry != "" {
		return people.SectorIndustry, o.Industry
	}
	return people.SectorRegion, ""
}

// orgs creates the party organisations in one transaction, parents first.
// A building's group needs the building's id, read back per grid first.
func (l *loader) orgs(ctx context.Context) error {
	buildingIDs, err := l.groupBuildingIDs(ctx)
	if err != nil {
		return err
	}
	return l.db.Transact(ctx, func(tx *sqldb.Tx) error {
		for i, o := range l.c.PartyOrgs {
			sector, sectorName := orgSector(o)
			in := people.OrgInput{Kind: o.Kind, Name: o.Name, Sector: sector, SectorName: sectorName,
				BuildingID: buildingIDs[o.Building]} // 0, no building, for all but groups
			if o.Parent >= 0 {
				in.ParentID = l.org[o.Parent].ID
			}
			if o.Region >= 0 {
				in.RegionID = l.region[o.Region].ID
			}
			org, err := l.deps.People.CreateOrgTx(ctx, tx, in)
			if err != nil {
				return err
			}
			l.org[i] = org
			if i%64 == 63 {
				l.step(64)
			}
		}
		l.step(len(l.c.PartyOrgs) % 64)
		return nil
	})
}

// groupBuildingIDs returns the ids of the buildings that have a party
// group, by building index, reading the buildings of their grids.
func (l *loader) groupBuildingIDs(ctx context.Context) (map[int]int64, error) {
	out := map[int]int64{}
	byGrid := map[int]map[string]int64{} // grid index → "compound/name" → id
	for _, o := range l.c.PartyOrgs {
		if o.Building < 0 {
			continue
		}
		bd := l.c.Buildings[o.Building]
		m, ok := byGrid[bd.Grid]
		if !ok {
			m = map[string]int64{}
			gid := l.region[bd.Grid].ID
			for offset := 0; ; offset += 1000 {
				list, total, err := l.deps.Territory.FindBuildings(ctx, territory.BuildingFilter{GridID: &gid, Offset: offset, Limit: 1000})
				if err != nil {
					return nil, err
				}
				for _, x := range list {
					m[x.Compound+"/"+x.Name] = x.ID
				}
				if offset+1000 >= total {
					break
				}
			}
			byGrid[bd.Grid] = m
		}
		id, ok := m[l.c.Compounds[bd.Compound].Name+"/"+bd.Name]
		if !ok {
			return nil, fmt.Errorf("building %s%s not found", l.c.Compounds[bd.Compound].Name, bd.Name)
		}
		out[o.Building] = id
	}
	return out, nil
}

// users creates every account with its grants in one transaction. The
// scopes' paths are known, so the system actor passes them directly.
func (l *loader) users(ctx context.Context) error {
	return l.db.Transact(ctx, func(tx *sqldb.Tx) error {
		for i, u := range l.c.Users {
			in := auth.UserInput{Username: u.Username, DisplayName: u.Name, Phone: u.Phone, Password: DemoPassword}
			for _, g := range u.Grants {
				gi := auth.GrantInput{Role: g.Role, ScopeKind: g.Kind}
				switch g.Kind {
				case auth.ScopeParty:
					gi.ScopeID, gi.ScopePath = l.org[g.Org].ID, l.org[g.Org].Path
				default:
					gi.ScopeID, gi.ScopePath = l.region[g.Region].ID, l.region[g.Region].Path
				}
				in.Grants = append(in.Grants, gi)
			}
			created, err := l.deps.Auth.CreateUserTx(ctx, tx, in)
			if err != nil {
				return err
			}
			l.userID[i] = created.ID
			if u.Role == auth.RolePartyMember && u.Resident >= 0 {
				l.userOfResi[u.Resident] = i
			}
			if i%64 == 63 {
				l.step(64)
			}
		}
		l.step(len(l.c.Users) % 64)
		return nil
	})
}

// members enrols the party members, one transaction per street or town.
func (l *loader) members(ctx context.Context) error {
	byTownship := map[int][]people.MemberInput{}
	var townships []int
	for _, m := range l.c.PartyMembers {
		r := l.c.Residents[m.Resident]
		t := l.townshipOf(l.c.Buildings[l.c.Households[r.Household].Building].Grid)
		in := people.MemberInput{
			OrgID: l.org[m.Org].ID, ResidentID: l.resident[m.Resident], Name: r.Name,
			Category: m.Kind, JoinedOn: m.Joined,
		}
		if u, ok := l.userOfResi[m.Resident]; ok {
			in.UserID = l.userID[u]
		}
		if byTownship[t] == nil {
			townships = append(townships, t)
		}
		byTownship[t] = append(byTownship[t], in)
	}
	for _, t := range townships {
		ins := byTownship[t]
		err := l.db.Transact(ctx, func(tx *sqldb.Tx) error {
			_, bad, err := l.deps.People.ImportMembers(ctx, tx, ins)
			if err != nil {
				return err
			}
			return rowsError("party members", bad)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", l.c.Regions[t].Name, err)
		}
		l.step(len(ins))
	}
	return nil
}

// townshipOf returns the street or town a grid lies in.
func (l *loader) townshipOf(grid int) int {
	return l.c.Regions[l.c.Regions[grid].Parent].Parent
}

// servicePoints adds the service points.
func (l *loader) servicePoints(ctx context.Context) error {
	for _, p := range l.c.ServicePoints {
		_, err := l.deps.Territory.CreateServicePoint(ctx, territory.ServicePointInput{
			RegionID: l.region[p.Region].ID, Kind: p.Kind, Name: p.Name,
			Lon: p.Location[0], Lat: p.Location[1], Phone: p.Phone, Hours: p.Hours,
		})
		if err != nil {
			return err
		}
		l.step(1)
	}
	return nil
}

// departments registers the departments, then makes each department
// account a member of its own.
func (l *loader) departments(ctx context.Context) error {
	ids := make([]int64, len(l.c.Departments))
	for i, d := range l.c.Departments {
		dep, err := l.deps.Category.CreateDepartment(ctx, category.DepartmentInput{
			Name: d.Name, Kind: d.Kind, RegionID: l.region[d.Region].ID, Phone: d.Phone,
		})
		if err != nil {
			return fmt.Errorf("%s: %w", l.c.Regions[d.Region].Name, err)
		}
		ids[i] = dep.ID
		l.step(1)
	}
	for i, u := range l.c.Users {
		if u.Dept < 0 {
			continue
		}
		if err := l.deps.Category.AddMember(ctx, ids[u.Dept], l.userID[i]); err != nil {
			return fmt.Errorf("%s: %w", u.Username, err)
		}
		l.step(1)
	}
	return nil
}
