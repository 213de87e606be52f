package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
)

// registerResidentPages adds the resident's pages under /r and the
// anonymous report at /report.
func (s *Server) registerResidentPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /r", s.htmlPage(s.handleResidentHome))
	mux.HandleFunc("GET /r/report", s.htmlPage(s.handleReportForm))
	mux.HandleFunc("POST /r/report", s.htmlPage(s.handleReportSubmit))
	mux.HandleFunc("GET /r/cases/{id}", s.htmlPage(s.handleResidentCase))
	mux.HandleFunc("POST /r/cases/{id}/rate", s.htmlPage(s.handleRate))
	mux.HandleFunc("POST /r/cases/{id}/reopen", s.htmlPage(s.handleReopen))
	mux.HandleFunc("GET /report", s.htmlPage(s.handleAnonReportForm))
	mux.HandleFunc("POST /report", s.htmlPage(s.handleAnonReportSubmit))
}

// caseRow is a case in a list.
type caseRow struct {
	ID         int64
	Number     string
	Title      string
	Category   string
	State      cases.State
	ReportedAt time.Time
	URL        string
}

// residentHomePage is the data of templates/r_home.html: the report button
// and the reporter's cases, newest first.
type residentHomePage struct {
	Page
	Cases []caseRow
	Total int
}

// residentCaseLimit bounds the cases on the resident's home page.
const residentCaseLimit = 100

// handleResidentHome shows the reporter's cases.
func (s *Server) handleResidentHome(w http.ResponseWriter, r *http.Request) error {
	if _, _, _, err := reporterOf(r); err != nil {
		return err
	}
	p := residentHomePage{Page: s.newPage(w, r, "r.home_title")}
	p.Lean = true
	p.Nav = "home"
	list, total, err := s.cases.FindCases(r.Context(), cases.CaseFilter{ReportedByMe: true, Order: cases.OrderNewest, Limit: residentCaseLimit})
	if err != nil {
		return err
	}
	names := s.categoryNames(r.Context(), p.Lang)
	for _, c := range list {
		p.Cases = append(p.Cases, caseRow{ID: c.ID, Number: c.Number, Title: c.Title, Category: names(c.Category),
			State: c.State, ReportedAt: c.ReportedAt, URL: "/r/cases/" + strconv.FormatInt(c.ID, 10)})
	}
	p.Total = total
	s.render(w, r, http.StatusOK, "r_home.html", p)
	return nil
}

// categoryNames returns a lookup of category names in lang (the code for
// an unknown one), reading each code once.
func (s *Server) categoryNames(ctx context.Context, lang string) func(code string) string {
	seen := map[string]string{}
	return func(code string) string {
		if n, ok := seen[code]; ok {
			return n
		}
		n := code
		if c, err := s.category.FindCategoryByCode(ctx, code); err == nil {
			n = c.NameZH
			if lang == "en" && c.NameEN != "" {
				n = c.NameEN
			}
		}
		seen[code] = n
		return n
	}
}

// residentCasePage is the data of templates/r_case.html: one of the
// reporter's cases, its timeline, and the rating or reopening form when
// the case is at that step.
type residentCasePage struct {
	Page
	Case     *cases.Case
	Category string
	Place    string
	Photos   []string
	Steps    []cases.TimelineEntry
	CanRate  bool
	CanOpen  bool // may ask to reopen
}

// Satisfactions are the rating's choices, in the form's order.
func (residentCasePage) Satisfactions() []string {
	return []string{string(cases.Satisfied), string(cases.Basic), string(cases.Unsatisfied)}
}

// rateAlias puts the rating's errors beside the form's fields.
var rateAlias = map[string]string{
	"rating": "satisfaction", "rating.satisfaction": "satisfaction", "rating.stars": "stars", "rating.comment": "comment",
	"version": "", "state": "",
}

// handleResidentCase shows one of the reporter's cases.
func (s *Server) handleResidentCase(w http.ResponseWriter, r *http.Request) error {
	p, err := s.residentCase(w, r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "r_case.html", p)
	return nil
}

// residentCase loads the page of case {id} for its reporter.
func (s *Server) residentCase(w http.ResponseWriter, r *http.Request) (*residentCasePage, error) {
	a, _, _, err := reporterOf(r)
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, apperr.NotFoundf("案件不存在", "case not found")
	}
	c, err := s.cases.FindCaseByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	tl, err := s.cases.Timeline(r.Context(), id)
	if err != nil {
		return nil, err
	}
	p := &residentCasePage{Page: s.newPage(w, r, "r.case_title"), Case: c, Steps: tl}
	p.Lean = true
	p.Title = p.T("r.case_title_n", c.Number)
	p.Category = s.categoryNames(r.Context(), p.Lang)(c.Category)
	p.Place = s.placeName(r.Context(), c)
	for _, at := range c.Attachments {
		p.Photos = append(p.Photos, "/api/v1/photos/"+strconv.FormatInt(at, 10))
	}
	mine := c.ReporterUserID == a.UserID
	p.CanRate = mine && c.State == cases.Verified
	p.CanOpen = mine && c.State == cases.Closed && c.MergedInto == 0 && (c.Rating == nil || c.Rating.Satisfaction == cases.Unsatisfied)
	return p, nil
}

// placeName names a case's building and unit (read as the system: the
// reporter chose them), or "" when it has none.
func (s *Server) placeName(ctx context.Context, c *cases.Case) string {
	if c.BuildingID == 0 {
		return ""
	}
	sys := auth.WithActor(ctx, auth.SystemActor())
	b, err := s.territory.FindBuildingByID(sys, c.BuildingID)
	if err != nil {
		return ""
	}
	name := strings.TrimSpace(b.Compound + " " + b.Name)
	if c.UnitID != 0 {
		if u, err := s.territory.FindUnitByID(sys, c.UnitID); err == nil {
			name += " " + u.Name
		}
	}
	return name
}

// handleRate takes the reporter's rating of a verified case (群众评单).
func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) error {
	return s.residentAct(w, r, func(p *residentCasePage) (cases.ActInput, apperr.List) {
		f := r.PostForm
		in := cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{
			Satisfaction: cases.Satisfaction(f.Get("satisfaction")), Comment: strings.TrimSpace(f.Get("comment"))}}
		var errs apperr.List
		if !in.Rating.Satisfaction.Valid() {
			errs = append(errs, apperr.Invalidf("satisfaction", "请选择是否满意", "say whether you are satisfied"))
		}
		stars, err := strconv.Atoi(f.Get("stars"))
		if err != nil || stars < 1 || stars > 5 {
			errs = append(errs, apperr.Invalidf("stars", "请选择1到5颗星", "choose 1 to 5 stars"))
		}
		in.Rating.Stars = stars
		return in, errs
	}, "flash.rated")
}

// handleReopen asks for a closed, unsatisfactory case to be handled again.
func (s *Server) handleReopen(w http.ResponseWriter, r *http.Request) error {
	return s.residentAct(w, r, func(p *residentCasePage) (cases.ActInput, apperr.List) {
		in := cases.ActInput{Action: cases.ActReopen, Reason: strings.TrimSpace(r.PostFormValue("reason"))}
		var errs apperr.List
		if in.Reason == "" {
			errs = append(errs, apperr.Invalidf("reason", "请说明为什么需要重新办理", "say why the case needs handling again"))
		}
		return in, errs
	}, "flash.reopened")
}

// residentAct runs one of the reporter's transitions from a form on the
// case's page: back to the page with a notice on success, or the page with
// the errors beside the fields and nothing written.
func (s *Server) residentAct(w http.ResponseWriter, r *http.Request, read func(p *residentCasePage) (cases.ActInput, apperr.List), flash string) error {
	p, err := s.residentCase(w, r)
	if err != nil {
		return err
	}
	in, errs := read(p)
	if v, perr := strconv.ParseInt(r.PostFormValue("version"), 10, 64); perr == nil {
		in.Version = v
	}
	err = errs.Err()
	if err == nil {
		_, err = s.cases.Act(r.Context(), p.Case.ID, in)
	}
	switch {
	case err == nil:
		s.redirect(w, r, "/r/cases/"+strconv.FormatInt(p.Case.ID, 10), flash)
		return nil
	case !formError(err) && apperr.CodeOf(err) != apperr.Forbidden:
		return err
	}
	p.FailAs(err, rateAlias)
	s.render(w, r, statusOf[apperr.CodeOf(err)], "r_case.html", p)
	return nil
}
