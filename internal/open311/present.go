package open311

import (
	"context"
	"strconv"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/territory"
)

// presenter turns cases into requests for one caller, remembering the
// buildings, departments and regions it looked up.
type presenter struct {
	s       *Service
	ctx     context.Context // acting as the system
	c       Caller
	dict    *dictionary
	bldgs   map[int64]*territory.Building
	depts   map[int64]string
	regions map[int64]*territory.Region
}

func (s *Service) presenter(ctx context.Context, c Caller) (*presenter, error) {
	d, err := s.loadDictionary(ctx)
	if err != nil {
		return nil, err
	}
	return &presenter{s: s, ctx: ctx, c: c, dict: d, bldgs: map[int64]*territory.Building{},
		depts: map[int64]string{}, regions: map[int64]*territory.Region{}}, nil
}

// building returns building id, nil when it is gone.
func (p *presenter) building(id int64) (*territory.Building, error) {
	if b, ok := p.bldgs[id]; ok {
		return b, nil
	}
	b, err := p.s.terr.FindBuildingByID(p.ctx, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		b, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	p.bldgs[id] = b
	return b, nil
}

// point is where a case lies: its own point, else its building's.
func (p *presenter) point(c *cases.Case) (lon, lat float64, ok bool, err error) {
	if c.Lon != nil && c.Lat != nil {
		return *c.Lon, *c.Lat, true, nil
	}
	if c.BuildingID == 0 {
		return 0, 0, false, nil
	}
	b, err := p.building(c.BuildingID)
	if err != nil || b == nil || b.Lon == nil || b.Lat == nil {
		return 0, 0, false, err
	}
	return *b.Lon, *b.Lat, true, nil
}

// department names department id ("" when it is gone).
func (p *presenter) department(id int64) (string, error) {
	if n, ok := p.depts[id]; ok {
		return n, nil
	}
	d, err := p.s.cat.FindDepartmentByID(p.ctx, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		p.depts[id] = ""
		return "", nil
	}
	if err != nil {
		return "", err
	}
	p.depts[id] = d.Name
	return d.Name, nil
}

// region returns region id.
func (p *presenter) region(id int64) (*territory.Region, error) {
	if r, ok := p.regions[id]; ok {
		return r, nil
	}
	r, err := p.s.terr.FindRegionByID(p.ctx, id)
	if err != nil {
		return nil, err
	}
	p.regions[id] = r
	return r, nil
}

// request is case c (with its extras ex, nil when it did not come over
// Open311) as the protocol shows it: no personal data (reporter, assignee
// person, e-mail) ever.
func (p *presenter) request(c *cases.Case, ex *extras) (ServiceRequest, error) {
	zone, lang := p.s.opt.Zone, p.c.Lang
	r := ServiceRequest{ServiceRequestID: strconv.FormatInt(c.ID, 10), Status: statusOf(c.State), StatusDetail: string(c.State),
		ServiceCode: c.Category, ServiceName: c.Category, RequestedDatetime: W3C(c.ReportedAt, zone)}
	cat := p.dict.byCode[c.Category]
	if cat != nil {
		r.ServiceName = name(cat, lang)
		r.ServiceNotice = opt(cat.ClosingCondition)
	}
	r.StatusNotes = opt(p.statusNotes(c))
	desc := c.Description
	if ex != nil {
		desc = presentDescription(desc)
	}
	r.Description = opt(desc)
	// For closed requests updated_datetime is when it was closed.
	updated := c.UpdatedAt
	if c.State == cases.Closed && c.ClosedAt != nil {
		updated = *c.ClosedAt
	}
	if updated.IsZero() {
		updated = c.ReportedAt
	}
	r.UpdatedDatetime = W3C(updated, zone)
	if c.State.Open() && c.Handle != nil {
		r.ExpectedDatetime = opt(W3C(c.Handle.Due, zone))
	} else if c.State.Open() && c.Due.Handle != nil {
		r.ExpectedDatetime = opt(W3C(*c.Due.Handle, zone))
	}
	// The agency: the department the case is assigned to, else the one
	// suggested for it, else the category's (a person assigned is not shown).
	agency := ""
	for _, id := range []int64{c.AssigneeDepartmentID, c.DepartmentID} {
		if id != 0 && agency == "" {
			n, err := p.department(id)
			if err != nil {
				return r, err
			}
			agency = n
		}
	}
	if agency == "" && cat != nil {
		agency = cat.DepartmentName
	}
	r.AgencyResponsible = opt(agency)
	address := ""
	if ex != nil {
		address = ex.address
	}
	if c.BuildingID != 0 {
		r.AddressID = opt(strconv.FormatInt(c.BuildingID, 10))
		b, err := p.building(c.BuildingID)
		if err != nil {
			return r, err
		}
		if b != nil && address == "" {
			address = strings.TrimSpace(strings.Join(nonEmpty(b.Compound+b.Name, b.Address), ", "))
		}
	}
	if address == "" {
		reg, err := p.region(c.RegionID)
		if err != nil {
			return r, err
		}
		address = reg.Name
	}
	r.Address = opt(address)
	lon, lat, ok, err := p.point(c)
	if err != nil {
		return r, err
	}
	if ok {
		r.Long, r.Lat = &lon, &lat
	}
	if ex != nil {
		r.MediaURL = opt(ex.mediaURL)
	}
	return r, nil
}

// statusNotes explains the status beyond open/closed: the state, and that
// it is suspended or merged into another request.
func (p *presenter) statusNotes(c *cases.Case) string {
	lang := p.c.Lang
	n := c.State.Label().In(lang)
	switch {
	case c.MergedInto != 0:
		n += apperr.Text{ZH: "：与请求 " + strconv.FormatInt(c.MergedInto, 10) + " 重复，已合并",
			EN: ": a duplicate of request " + strconv.FormatInt(c.MergedInto, 10) + ", merged into it"}.In(lang)
	case c.SuspendedAt != nil && c.State.Open():
		n += apperr.Text{ZH: "（挂账中）", EN: " (on hold)"}.In(lang)
	}
	return n
}

// nonEmpty returns the non-empty strings of ss.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
