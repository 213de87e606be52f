package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/territory"
)

// reportPage is the data of templates/report.html: the three-step report
// form (what, where, photo), for a signed-in resident (/r/report) or an
// anonymous one (/report, with a phone number).
type reportPage struct {
	Page
	Anonymous bool
	Fresh     bool   // first shown (not after an error): app.js may restore a saved draft
	Action    string // where the form posts
	Key       string // the idempotency key, made when the form is first shown
	Photos    string // photos already uploaded for this report, comma-separated ids
	Picker    *picker
	Places    []placeGroup // buildings and their units to choose from
	Map       *mapView     // the community to tap on; nil when it has no boundaries
	Community *territory.Region
	// Anonymous reporters first find their community.
	Query       string
	Communities []*territory.Region
}

// placeGroup is a building and its units in the place select.
type placeGroup struct {
	Name    string
	Options []placeOption
}

// placeOption is one choice of the place select: "b<id>" for a building,
// "u<id>" for a unit.
type placeOption struct{ Value, Label string }

// reportAlias puts the service's location errors beside the place select,
// the title's beside the description (the title is made from it), the
// photos' beside the photo input.
var reportAlias = map[string]string{
	"location": "place", "building_id": "place", "unit_id": "place", "lon": "place", "lat": "place",
	"region_id": "place", "title": "description", "attachments": "photo",
}

// reporterRoles are the roles that report through the resident pages, and
// the channel each reports through.
var reporterRoles = []struct {
	role    auth.Role
	channel cases.Channel
}{
	{auth.RoleResident, cases.ChannelResident},
	{auth.RoleBuildingHead, cases.ChannelBuildingHead},
	{auth.RoleUnitHead, cases.ChannelBuildingHead},
	{auth.RoleCourierVolunteer, cases.ChannelCourier},
}

// reporterOf returns the channel a signed-in reporter uses and the region
// its account belongs to (its grid, usually): Forbidden for staff, who
// report from their consoles.
func reporterOf(r *http.Request) (*auth.Actor, cases.Channel, int64, error) {
	roles := make([]auth.Role, len(reporterRoles))
	for i, rr := range reporterRoles {
		roles[i] = rr.role
	}
	a, err := requireRole(r, roles...)
	if err != nil {
		return nil, "", 0, err
	}
	for _, rr := range reporterRoles {
		for _, g := range a.Grants {
			if g.Role == rr.role {
				return a, rr.channel, g.Scope.ID, nil
			}
		}
	}
	return nil, "", 0, apperr.ErrForbidden()
}

// newKey returns a fresh idempotency key.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// handleReportForm shows the signed-in reporter's form, the building of its
// last report preselected.
func (s *Server) handleReportForm(w http.ResponseWriter, r *http.Request) error {
	_, _, region, err := reporterOf(r)
	if err != nil {
		return err
	}
	p := reportPage{Page: s.newPage(w, r, "report.title"), Action: "/r/report", Key: newKey(), Fresh: true}
	p.Lean = true
	p.Nav = "report"
	if place := s.lastPlace(r.Context()); place != "" {
		p.Form.Set("place", place)
	}
	if err := s.fillReportPage(r.Context(), &p, region); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "report.html", p)
	return nil
}

// lastPlace is where the reporter's most recent report with a building
// was: the best guess of its home, as the account knows no household.
func (s *Server) lastPlace(ctx context.Context) string {
	list, _, err := s.cases.FindCases(ctx, cases.CaseFilter{ReportedByMe: true, Order: cases.OrderNewest, Limit: 50})
	if err != nil {
		return ""
	}
	var best *cases.Case
	for _, c := range list {
		if c.BuildingID != 0 {
			best = c
			break
		}
	}
	switch {
	case best == nil:
		return ""
	case best.UnitID != 0:
		return "u" + strconv.FormatInt(best.UnitID, 10)
	}
	return "b" + strconv.FormatInt(best.BuildingID, 10)
}

// fillReportPage adds the picker, the places and the map of the region's
// community to the form. Places and boundaries are read as the system:
// they are public geography, which a resident holds no permission to list.
func (s *Server) fillReportPage(ctx context.Context, p *reportPage, region int64) error {
	var err error
	if p.Picker, err = s.buildPicker(ctx, p.Lang, region, formCategory(p.Form)); err != nil {
		return err
	}
	if region == 0 {
		return nil
	}
	sys := auth.WithActor(ctx, auth.SystemActor())
	comm, err := s.communityOf(ctx, region)
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return err
	}
	p.Community = comm
	// The places of the reporter's own grid, or of the whole community for
	// an anonymous reporter.
	scope := region
	if p.Anonymous && comm != nil {
		scope = comm.ID
	}
	bs, _, err := s.territory.FindBuildings(sys, territory.BuildingFilter{SubtreeOf: &scope, Limit: 300})
	if err != nil {
		return err
	}
	for _, b := range bs {
		name := strings.TrimSpace(b.Compound + " " + b.Name)
		g := placeGroup{Name: name, Options: []placeOption{{Value: "b" + strconv.FormatInt(b.ID, 10), Label: p.T("report.whole_building", name)}}}
		us, _, err := s.territory.FindUnits(sys, territory.UnitFilter{BuildingID: &b.ID, Limit: 100})
		if err != nil {
			return err
		}
		for _, u := range us {
			if u.Name != "" {
				g.Options = append(g.Options, placeOption{Value: "u" + strconv.FormatInt(u.ID, 10), Label: name + " " + u.Name})
			}
		}
		p.Places = append(p.Places, g)
	}
	if comm != nil {
		mine := int64(0)
		if !p.Anonymous {
			mine = region
		}
		m, err := s.communityMap(ctx, comm.ID, mine, p.T("report.map_label", comm.Name))
		switch {
		case apperr.CodeOf(err) == apperr.NotFound:
		case err != nil:
			return err
		default:
			for _, b := range bs {
				if b.Lon != nil && b.Lat != nil && m.inside(*b.Lon, *b.Lat) {
					m.Buildings = append(m.Buildings, m.point(*b.Lon, *b.Lat, b.Name))
				}
			}
			if lon, lat, ok := formPoint(p.Form); ok && m.inside(lon, lat) {
				pt := m.point(lon, lat, "")
				m.Pin = &pt
			}
			p.Map = m
		}
	}
	return nil
}

// formPoint reads the tapped point of a form.
func formPoint(f map[string][]string) (float64, float64, bool) {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	if get("lon") == "" || get("lat") == "" {
		return 0, 0, false
	}
	lon, err1 := strconv.ParseFloat(get("lon"), 64)
	lat, err2 := strconv.ParseFloat(get("lat"), 64)
	return lon, lat, err1 == nil && err2 == nil
}

// reportInput reads the form into a report, collecting every problem the
// page can see before the service is asked (what, where, the key), so that
// they are all shown at once and nothing is written.
func (s *Server) reportInput(r *http.Request, lang string) (cases.ReportInput, apperr.List) {
	f := r.PostForm
	in := cases.ReportInput{
		IdempotencyKey: strings.TrimSpace(f.Get("idempotency_key")),
		Category:       formCategory(f),
		Description:    strings.TrimSpace(f.Get("description")),
		Public:         f.Get("public") == "on",
		ReporterName:   strings.TrimSpace(f.Get("reporter_name")),
		ReporterPhone:  strings.TrimSpace(f.Get("reporter_phone")),
	}
	var errs apperr.List
	if in.Category == "" {
		errs = append(errs, apperr.Invalidf("category", "请选择问题类型", "choose what the problem is"))
	}
	place := strings.TrimSpace(f.Get("place"))
	if len(place) > 1 {
		id, err := strconv.ParseInt(place[1:], 10, 64)
		switch {
		case err != nil || id <= 0:
			errs = append(errs, apperr.Invalidf("place", "所选位置无效", "the place chosen is not valid"))
		case place[0] == 'b':
			in.BuildingID = id
		case place[0] == 'u':
			in.UnitID = id
		default:
			errs = append(errs, apperr.Invalidf("place", "所选位置无效", "the place chosen is not valid"))
		}
	}
	if lon, lat, ok := formPoint(f); ok {
		in.Lon, in.Lat = &lon, &lat
	} else if f.Get("lon") != "" || f.Get("lat") != "" {
		errs = append(errs, apperr.Invalidf("place", "地图位置无效，请重新点选", "the point on the map is not valid; tap it again"))
	}
	if in.BuildingID == 0 && in.UnitID == 0 && in.Lon == nil && !hasField(errs, "place") {
		errs = append(errs, apperr.Invalidf("place", "请选择楼栋或在地图上点选位置", "choose a building or tap the place on the map"))
	}
	for _, id := range strings.Split(f.Get("attachments"), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, apperr.Invalidf("photo", "照片编号无效，请重新选择照片", "the photo reference is not valid; choose the photo again"))
			break
		}
		in.Attachments = append(in.Attachments, n)
	}
	// The title is the description's first line, or the category's name.
	title := in.Description
	if i := strings.IndexAny(title, "\r\n"); i >= 0 {
		title = title[:i]
	}
	if utf8.RuneCountInString(title) > 40 {
		title = string([]rune(title)[:40]) + "…"
	}
	if title == "" && in.Category != "" {
		if c, err := s.category.FindCategoryByCode(r.Context(), in.Category); err == nil {
			title = c.NameZH
			if lang == "en" && c.NameEN != "" {
				title = c.NameEN
			}
		}
	}
	if title == "" {
		title = s.views.cat.text(lang, "report.default_title")
	}
	in.Title = title
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = newKey()
	}
	return in, errs
}

// hasField reports whether errs has an error on field.
func hasField(errs apperr.List, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// submitReport uploads the form's photo, if any, and reports the case as
// the actor in ctx. Problems the page found (errs) come back first, with
// nothing uploaded or written. A photo uploaded with a form the service
// then refuses stays in in.Attachments, so that the corrected form reuses
// it rather than asking for it again.
func (s *Server) submitReport(ctx context.Context, r *http.Request, in *cases.ReportInput, errs apperr.List) (*cases.Case, error) {
	if len(errs) > 0 {
		return nil, errs
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["photo"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue // the empty file input
			}
			f, err := fh.Open()
			if err != nil {
				return nil, apperr.Invalidf("photo", "照片上传失败，请重试", "the photo upload failed; try again")
			}
			a, err := s.media.Upload(r.Context(), f, in.AllowLocation)
			f.Close()
			if err != nil {
				return nil, err
			}
			in.Attachments = append(in.Attachments, a.ID)
		}
	}
	return s.cases.Report(ctx, *in)
}

// isKeyConflict reports a retried form whose key already made a case with
// other content: most often the same report sent again with its photo
// uploaded a second time. The first one stands; nothing is duplicated.
func isKeyConflict(err error) bool {
	e := apperr.As(err)
	return e != nil && e.Code == apperr.Conflict && e.Field == "idempotency_key"
}

// joinIDs writes ids comma-separated.
func joinIDs(ids []int64) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(out, ",")
}

// handleReportSubmit takes the signed-in reporter's form: the case's page
// on success; the form again, with every error beside its field and what
// was typed, on bad input.
func (s *Server) handleReportSubmit(w http.ResponseWriter, r *http.Request) error {
	_, channel, region, err := reporterOf(r)
	if err != nil {
		return err
	}
	p := reportPage{Page: s.newPage(w, r, "report.title"), Action: "/r/report"}
	p.Lean = true
	p.Nav = "report"
	in, errs := s.reportInput(r, p.Lang)
	in.Channel, in.ReporterName, in.ReporterPhone = channel, "", ""
	c, err := s.submitReport(r.Context(), r, &in, errs)
	switch {
	case err == nil:
		s.redirect(w, r, "/r/cases/"+strconv.FormatInt(c.ID, 10), "flash.report_received")
		return nil
	case isKeyConflict(err):
		s.redirect(w, r, "/r", "flash.report_duplicate")
		return nil
	case !formError(err):
		return err
	}
	p.Key, p.Photos = in.IdempotencyKey, joinIDs(in.Attachments)
	p.FailAs(err, reportAlias)
	if err := s.fillReportPage(r.Context(), &p, region); err != nil {
		return err
	}
	s.render(w, r, statusOf[apperr.CodeOf(err)], "report.html", p)
	return nil
}

// handleAnonReportForm shows the anonymous report form for a community
// (?c=its code, as printed on a QR code in the community), or a search for
// the community first.
func (s *Server) handleAnonReportForm(w http.ResponseWriter, r *http.Request) error {
	p := reportPage{Page: s.newPage(w, r, "report.anon_title"), Action: "/report", Anonymous: true, Key: newKey(), Fresh: true}
	p.Lean = true
	p.Nav = "report"
	region, err := s.anonRegion(r, r.URL.Query().Get("c"), &p)
	if err != nil {
		return err
	}
	if region == 0 {
		p.Query = strings.TrimSpace(r.URL.Query().Get("q"))
		if err := s.findCommunities(r.Context(), &p); err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, "report.html", p)
		return nil
	}
	if err := s.fillReportPage(r.Context(), &p, region); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "report.html", p)
	return nil
}

// anonRegion resolves a community code (a grid's code selects its
// community too): 0 when none is given; NotFound for an unknown one.
func (s *Server) anonRegion(r *http.Request, code string, p *reportPage) (int64, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return 0, nil
	}
	reg, err := s.territory.FindRegionByCode(auth.WithActor(r.Context(), auth.SystemActor()), code)
	if err != nil {
		return 0, err
	}
	if reg.Level != territory.LevelVillage && reg.Level != territory.LevelGrid {
		return 0, apperr.NotFoundf("社区编码“%s”不存在", "there is no community with code %s", code)
	}
	p.Form.Set("c", reg.Code)
	return reg.ID, nil
}

// findCommunities lists the communities whose names hold the query.
func (s *Server) findCommunities(ctx context.Context, p *reportPage) error {
	if p.Query == "" {
		return nil
	}
	level := territory.LevelVillage
	list, _, err := s.territory.FindRegions(auth.WithActor(ctx, auth.SystemActor()), territory.RegionFilter{Level: &level, NameContains: &p.Query, Limit: 20})
	if err != nil {
		return err
	}
	p.Communities = list
	return nil
}

// handleAnonReportSubmit takes an anonymous report through the public
// intake's rules: a phone number, the resident channel, the system acting,
// and a limit per address. On success, the case's public page.
func (s *Server) handleAnonReportSubmit(w http.ResponseWriter, r *http.Request) error {
	p := reportPage{Page: s.newPage(w, r, "report.anon_title"), Action: "/report", Anonymous: true}
	p.Lean = true
	p.Nav = "report"
	region, err := s.anonRegion(r, r.PostFormValue("c"), &p)
	if err != nil {
		return err
	}
	in, errs := s.reportInput(r, p.Lang)
	in.Channel = cases.ChannelResident
	if in.ReporterPhone == "" {
		errs = append(errs, apperr.Invalidf("reporter_phone", "请留下手机号码，方便网格员联系您", "leave a phone number so that the grid worker can reach you"))
	}
	var c *cases.Case
	if !s.intakeLimit.Allow(clientIP(r), s.now()) {
		err = apperr.New(apperr.TooMany, "", "提交过于频繁，请稍后再试", "too many reports from this address; try again later")
	} else {
		c, err = s.submitReport(auth.WithActor(r.Context(), auth.SystemActor()), r, &in, errs)
	}
	switch {
	case err == nil:
		s.redirect(w, r, "/p/cases/"+c.Number, "flash.report_received")
		return nil
	case isKeyConflict(err):
		s.redirect(w, r, "/", "flash.report_duplicate")
		return nil
	case !formError(err):
		return err
	}
	p.Key, p.Photos = in.IdempotencyKey, joinIDs(in.Attachments)
	p.FailAs(err, reportAlias)
	if err := s.fillReportPage(r.Context(), &p, region); err != nil {
		return err
	}
	s.render(w, r, statusOf[apperr.CodeOf(err)], "report.html", p)
	return nil
}

// formCategory is the category chosen: a tile, or (without JavaScript)
// the select of every category, whichever holds a value.
func formCategory(f map[string][]string) string {
	for _, v := range f["category"] {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
