package web

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
)

// categoryJSON is an entry of the category dictionary. Its field names are
// the CSV columns, which are also the fields errors name.
type categoryJSON struct {
	Code             string     `json:"code"`
	ParentCode       string     `json:"parent_code"` // "" for a top-level class
	Kind             string     `json:"kind"`
	NameZH           string     `json:"name_zh"`
	NameEN           string     `json:"name_en"`
	FilingCondition  string     `json:"filing_condition_zh"`
	ClosingCondition string     `json:"closing_condition_zh"`
	DepartmentName   string     `json:"department_zh"`
	HandleLimit      string     `json:"handle_limit"` // e.g. "4wh"; "" for none
	UrgentLimit      string     `json:"urgent_limit"`
	Source           string     `json:"source"`
	Local            bool       `json:"local"`
	Active           bool       `json:"active"`
	Icon             string     `json:"icon"`
	EditedAt         *time.Time `json:"edited_at"` // null for a row as seeded
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

func limitString(l *calendar.Limit) string {
	if l == nil {
		return ""
	}
	return l.String()
}

func toCategoryJSON(c *category.Category) categoryJSON {
	return categoryJSON{Code: c.Code, ParentCode: c.ParentCode, Kind: c.Kind, NameZH: c.NameZH, NameEN: c.NameEN,
		FilingCondition: c.FilingCondition, ClosingCondition: c.ClosingCondition, DepartmentName: c.DepartmentName,
		HandleLimit: limitString(c.HandleLimit), UrgentLimit: limitString(c.UrgentLimit), Source: c.Source,
		Local: c.Local, Active: c.Active, Icon: c.Icon, EditedAt: c.EditedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// categoryInputJSON creates a category; limits are text ("6h", "4wh", "15wd").
type categoryInputJSON struct {
	Code             string `json:"code"`
	ParentCode       string `json:"parent_code,omitempty"`
	Kind             string `json:"kind"`
	NameZH           string `json:"name_zh"`
	NameEN           string `json:"name_en,omitempty"`
	FilingCondition  string `json:"filing_condition_zh,omitempty"`
	ClosingCondition string `json:"closing_condition_zh,omitempty"`
	DepartmentName   string `json:"department_zh,omitempty"`
	HandleLimit      string `json:"handle_limit,omitempty"`
	UrgentLimit      string `json:"urgent_limit,omitempty"`
	Source           string `json:"source,omitempty"`
	Local            *bool  `json:"local"` // default: whether the code starts with L (local codes do, standard ones never)
	Icon             string `json:"icon,omitempty"`
}

// categoryUpdateJSON changes a category: absent fields stay, "" clears a
// text or a limit, active false retires it.
type categoryUpdateJSON struct {
	ParentCode       *string `json:"parent_code"`
	NameZH           *string `json:"name_zh"`
	NameEN           *string `json:"name_en"`
	FilingCondition  *string `json:"filing_condition_zh"`
	ClosingCondition *string `json:"closing_condition_zh"`
	DepartmentName   *string `json:"department_zh"`
	HandleLimit      *string `json:"handle_limit"`
	UrgentLimit      *string `json:"urgent_limit"`
	Source           *string `json:"source"`
	Active           *bool   `json:"active"`
	Icon             *string `json:"icon"`
}

// categoryRemovedJSON says what DELETE did: "deleted" (nothing used the
// category) or "retired" (it is kept, inactive, for what references it or
// because the built-in seed has it).
type categoryRemovedJSON struct {
	Code   string `json:"code"`
	Result string `json:"result"`
}

// categoryImportJSON is the outcome of a dictionary import: applied, or the
// bad cells that stopped it (nothing is written then).
type categoryImportJSON struct {
	Applied   bool            `json:"applied"`
	Rows      int             `json:"rows"`
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Errors    []importRowJSON `json:"errors"`
}

func (s *Server) handleListCategories(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging(r, 5000)
	if err != nil {
		return err
	}
	f := category.CategoryFilter{Limit: limit, Offset: offset, Search: optString(r, "q")}
	if k := q.Get("kind"); k != "" {
		if !category.ValidKind(k) {
			return apperr.Invalidf("kind", "分类类型“%s”无效（应为 %s）", "category kind %q is not valid (one of %s)", k, strings.Join(category.Kinds, ", "))
		}
		f.Kind = &k
	}
	if q.Has("parent") {
		p := q.Get("parent")
		f.ParentCode = &p
	}
	if f.Active, err = optBool(r, "active"); err != nil {
		return err
	}
	if f.Local, err = optBool(r, "local"); err != nil {
		return err
	}
	list, total, err := s.category.FindCategories(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, list, total, limit, offset, toCategoryJSON)
	return nil
}

func (s *Server) handleGetCategory(w http.ResponseWriter, r *http.Request) error {
	c, err := s.category.FindCategoryByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCategoryJSON(c))
	return nil
}

func (s *Server) handleCreateCategory(w http.ResponseWriter, r *http.Request) error {
	var in categoryInputJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	local := strings.HasPrefix(strings.ToUpper(strings.TrimSpace(in.Code)), "L")
	if in.Local != nil {
		local = *in.Local
	}
	c, err := s.category.CreateCategory(r.Context(), category.CategoryInput{
		Code: in.Code, ParentCode: in.ParentCode, Kind: in.Kind, NameZH: in.NameZH, NameEN: in.NameEN,
		FilingCondition: in.FilingCondition, ClosingCondition: in.ClosingCondition, DepartmentName: in.DepartmentName,
		HandleLimit: in.HandleLimit, UrgentLimit: in.UrgentLimit, Source: in.Source, Local: local, Icon: in.Icon,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toCategoryJSON(c))
	return nil
}

func (s *Server) handleUpdateCategory(w http.ResponseWriter, r *http.Request) error {
	var in categoryUpdateJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.category.UpdateCategory(r.Context(), r.PathValue("code"), category.CategoryUpdate{
		ParentCode: in.ParentCode, NameZH: in.NameZH, NameEN: in.NameEN, FilingCondition: in.FilingCondition,
		ClosingCondition: in.ClosingCondition, DepartmentName: in.DepartmentName, HandleLimit: in.HandleLimit,
		UrgentLimit: in.UrgentLimit, Source: in.Source, Active: in.Active, Icon: in.Icon,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCategoryJSON(c))
	return nil
}

func (s *Server) handleDeleteCategory(w http.ResponseWriter, r *http.Request) error {
	code := strings.ToUpper(strings.TrimSpace(r.PathValue("code")))
	retired, err := s.category.DeleteCategory(r.Context(), code)
	if err != nil {
		return err
	}
	out := categoryRemovedJSON{Code: code, Result: "deleted"}
	if retired {
		out.Result = "retired"
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maxCategoryCSV bounds an uploaded dictionary (the service reads at most
// 20 000 rows).
const maxCategoryCSV = 16 << 20

// handleImportCategories takes the dictionary as a CSV body: 200 with the
// counts when applied, 422 with every bad cell otherwise (nothing written).
func (s *Server) handleImportCategories(w http.ResponseWriter, r *http.Request) error {
	body, err := readCSVBody(w, r, maxCategoryCSV, "file")
	if err != nil {
		return err
	}
	rep, err := s.category.ImportCategories(r.Context(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	out := categoryImportJSON{Applied: rep.Applied, Rows: rep.Rows, Created: rep.Created, Updated: rep.Updated,
		Unchanged: rep.Unchanged, Errors: rowErrorsJSON(rep.Errors, langOf(r))}
	status := http.StatusOK
	if !rep.Applied {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, out)
	return nil
}

func (s *Server) handleExportCategories(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := s.category.ExportCategories(r.Context(), &buf); err != nil {
		return err
	}
	return writeCSVFile(w, "gridwork-categories.csv", buf.Bytes())
}

// timeLimitJSON is a time-limit policy; an empty category, urgency or tier
// means "any".
type timeLimitJSON struct {
	ID           int64            `json:"id"`
	CategoryCode string           `json:"category_code"`
	Urgency      category.Urgency `json:"urgency"`
	Tier         category.Tier    `json:"tier"`
	Step         category.Step    `json:"step"`
	Limit        string           `json:"limit"`
	Note         string           `json:"note"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
}

func toTimeLimitJSON(p *category.TimeLimit) timeLimitJSON {
	return timeLimitJSON{ID: p.ID, CategoryCode: p.CategoryCode, Urgency: p.Urgency, Tier: p.Tier, Step: p.Step,
		Limit: p.Limit.String(), Note: p.Note, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

type timeLimitInputJSON struct {
	CategoryCode string           `json:"category_code,omitempty"`
	Urgency      category.Urgency `json:"urgency,omitempty"`
	Tier         category.Tier    `json:"tier,omitempty"`
	Step         category.Step    `json:"step"`
	Limit        string           `json:"limit"`
	Note         string           `json:"note,omitempty"`
}

type timeLimitUpdateJSON struct {
	Limit *string `json:"limit"`
	Note  *string `json:"note"`
}

// limitChoiceJSON is a resolved limit and where it came from: source is
// "policy" (then policy is set), "step" (the step's fixed default),
// "category" (the handle limit of category, the code itself or its nearest
// ancestor with one) or "fallback" (5wd).
type limitChoiceJSON struct {
	Limit    string         `json:"limit"`
	Text     string         `json:"text"` // the limit in words, in the request's language
	Source   string         `json:"source"`
	Policy   *timeLimitJSON `json:"policy,omitempty"`
	Category string         `json:"category,omitempty"`
}

func (s *Server) handleListTimeLimits(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging(r, 5000)
	if err != nil {
		return err
	}
	f := category.TimeLimitFilter{Limit: limit, Offset: offset}
	if q.Has("category") {
		c := q.Get("category")
		f.CategoryCode = &c
	}
	if st := category.Step(q.Get("step")); st != "" {
		if !st.Valid() {
			return apperr.Invalidf("step", "环节“%s”无效（应为 register、dispatch、accept、handle 或 verify）", "step %q is not valid (register, dispatch, accept, handle or verify)", st)
		}
		f.Step = &st
	}
	list, total, err := s.category.FindTimeLimits(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, list, total, limit, offset, toTimeLimitJSON)
	return nil
}

func (s *Server) handleCreateTimeLimit(w http.ResponseWriter, r *http.Request) error {
	var in timeLimitInputJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.category.CreateTimeLimit(r.Context(), category.TimeLimitInput{CategoryCode: in.CategoryCode,
		Urgency: in.Urgency, Tier: in.Tier, Step: in.Step, Limit: in.Limit, Note: in.Note})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toTimeLimitJSON(p))
	return nil
}

func (s *Server) handleUpdateTimeLimit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in timeLimitUpdateJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.category.UpdateTimeLimit(r.Context(), id, category.TimeLimitUpdate{Limit: in.Limit, Note: in.Note})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTimeLimitJSON(p))
	return nil
}

func (s *Server) handleDeleteTimeLimit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.category.DeleteTimeLimit(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleExplainLimit answers the limit LimitFor would give and its source:
// ?category=LE0102&step=handle[&urgency=urgent][&tier=community].
func (s *Server) handleExplainLimit(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	q := r.URL.Query()
	u, t := category.Urgency(q.Get("urgency")), category.Tier(q.Get("tier"))
	if u == "" {
		u = category.Normal
	}
	if t == "" {
		t = category.TierGrid
	}
	ch, err := s.category.ExplainLimit(r.Context(), q.Get("category"), u, t, category.Step(q.Get("step")))
	if err != nil {
		return err
	}
	out := limitChoiceJSON{Limit: ch.Limit.String(), Text: ch.Limit.Text().In(langOf(r)), Source: ch.Default, Category: ch.Category}
	if ch.Policy != nil {
		p := toTimeLimitJSON(ch.Policy)
		out.Source, out.Policy = "policy", &p
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
