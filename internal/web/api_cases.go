package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
)

// reportRequest is a new case. The Idempotency-Key header may stand in for
// idempotency_key.
type reportRequest struct {
	IdempotencyKey string           `json:"idempotency_key,omitempty"`
	Channel        cases.Channel    `json:"channel"`
	HotlineTicket  string           `json:"hotline_ticket,omitempty"`
	Category       string           `json:"category"`
	Nature         string           `json:"nature,omitempty"`
	Urgency        category.Urgency `json:"urgency,omitempty"`
	Title          string           `json:"title"`
	Description    string           `json:"description,omitempty"`
	Lon            *float64         `json:"lon,omitempty"`
	Lat            *float64         `json:"lat,omitempty"`
	BuildingID     int64            `json:"building_id,omitempty"`
	UnitID         int64            `json:"unit_id,omitempty"`
	RegionID       int64            `json:"region_id,omitempty"`
	Attachments    []int64          `json:"attachments,omitempty"`
	Public         bool             `json:"public,omitempty"`
	AllowLocation  bool             `json:"allow_location,omitempty"`
	ReporterName   string           `json:"reporter_name,omitempty"`
	ReporterPhone  string           `json:"reporter_phone,omitempty"`
}

func (in reportRequest) input(r *http.Request) cases.ReportInput {
	key := in.IdempotencyKey
	if key == "" {
		key = r.Header.Get("Idempotency-Key")
	}
	return cases.ReportInput{
		IdempotencyKey: key, Channel: in.Channel, HotlineTicket: in.HotlineTicket, Category: in.Category, Nature: in.Nature,
		Urgency: in.Urgency, Title: in.Title, Description: in.Description, Lon: in.Lon, Lat: in.Lat,
		BuildingID: in.BuildingID, UnitID: in.UnitID, RegionID: in.RegionID, Attachments: in.Attachments,
		Public: in.Public, AllowLocation: in.AllowLocation, ReporterName: in.ReporterName, ReporterPhone: in.ReporterPhone,
	}
}

// handleReport takes a case from a signed-in actor. Anonymous residents
// report through handleReportPublic.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	var in reportRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.cases.Report(r.Context(), in.input(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// handleReportPublic takes an anonymous resident's report: a phone number
// is required, the channel is the resident page, and each address may
// report only so often. The case service acts as the system for it.
func (s *Server) handleReportPublic(w http.ResponseWriter, r *http.Request) error {
	if !s.intakeLimit.Allow(clientIP(r), s.now()) {
		return apperr.New(apperr.TooMany, "", "提交过于频繁，请稍后再试", "too many reports from this address; try again later")
	}
	var in reportRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.ReporterPhone) == "" {
		return apperr.Invalidf("reporter_phone", "匿名反映请留下手机号码", "an anonymous report needs a phone number")
	}
	in.Channel = cases.ChannelResident
	ctx := auth.WithActor(r.Context(), auth.SystemActor())
	c, err := s.cases.Report(ctx, in.input(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, publicCaseOf(c))
	return nil
}

// publicCaseJSON is what an anonymous reporter, or anyone, may see of a
// case: no personal data.
type publicCaseJSON struct {
	Number     string      `json:"number"`
	Category   string      `json:"category"`
	Title      string      `json:"title"`
	State      cases.State `json:"state"`
	ReportedAt time.Time   `json:"reported_at"`
	ClosedAt   *time.Time  `json:"closed_at,omitempty"`
}

func publicCaseOf(c *cases.Case) publicCaseJSON {
	return publicCaseJSON{Number: c.Number, Category: c.Category, Title: c.Title, State: c.State, ReportedAt: c.ReportedAt, ClosedAt: c.ClosedAt}
}

// actRequest is one transition; see GET /api/v1/cases/machine for the
// fields each action needs.
type actRequest struct {
	Action               cases.Action       `json:"action"`
	Version              int64              `json:"version"`
	Note                 string             `json:"note,omitempty"`
	Reason               string             `json:"reason,omitempty"`
	AssigneeUserID       int64              `json:"assignee_user_id,omitempty"`
	AssigneeDepartmentID int64              `json:"assignee_department_id,omitempty"`
	DepartmentID         int64              `json:"department_id,omitempty"`
	Rating               *cases.RatingInput `json:"rating,omitempty"`
	Attachments          []int64            `json:"attachments,omitempty"`
	DuplicateOf          int64              `json:"duplicate_of,omitempty"`
	ExtendBy             string             `json:"extend_by,omitempty"` // a limit such as "2wd"
	Level                cases.Supervision  `json:"level,omitempty"`
}

func (s *Server) handleAct(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in actRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	act := cases.ActInput{
		Action: in.Action, Version: in.Version, Note: in.Note, Reason: in.Reason,
		AssigneeUserID: in.AssigneeUserID, AssigneeDepartmentID: in.AssigneeDepartmentID, DepartmentID: in.DepartmentID,
		Rating: in.Rating, Attachments: in.Attachments, DuplicateOf: in.DuplicateOf, Level: in.Level,
	}
	if in.ExtendBy != "" {
		if act.ExtendBy, err = calendar.ParseLimit(in.ExtendBy); err != nil {
			return apperr.Invalidf("extend_by", "延期时长格式应为如 2wd、4wh、6h", "extend_by must be a limit such as 2wd, 4wh or 6h")
		}
	}
	c, err := s.cases.Act(r.Context(), id, act)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) handleGetCase(w http.ResponseWriter, r *http.Request) error {
	return writeFound(w, r, s.cases.FindCaseByID, func(c *cases.Case) *cases.Case { return c })
}

func (s *Server) handleCaseEvents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	evs, err := s.cases.Events(r.Context(), id)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []*cases.Event{}
	}
	writeJSON(w, http.StatusOK, evs)
	return nil
}

func (s *Server) handleListCases(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 500)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := cases.CaseFilter{Limit: limit, Offset: offset, AssignedToMe: q.Get("mine") == "assigned", ReportedByMe: q.Get("mine") == "reported"}
	if f.QueueOf, err = optID(r, "queue_of"); err != nil {
		return err
	}
	if f.RegionOf, err = optID(r, "region_of"); err != nil {
		return err
	}
	if f.GridID, err = optID(r, "grid_id"); err != nil {
		return err
	}
	for _, st := range strings.Split(q.Get("state"), ",") {
		if st != "" {
			f.States = append(f.States, cases.State(st))
		}
	}
	if o := q.Get("open"); o != "" {
		open := o == "true"
		f.Open = &open
	}
	if l := cases.Light(q.Get("light")); l != "" {
		f.Light = &l
	}
	if sv := cases.Supervision(q.Get("supervision")); sv != "" {
		f.Supervision = &sv
	}
	if ch := cases.Channel(q.Get("channel")); ch != "" {
		f.Channel = &ch
	}
	f.Category, f.Text = optString(r, "category"), optString(r, "q")
	list, total, err := s.cases.FindCases(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, list, total, limit, offset, func(c *cases.Case) *cases.Case { return c })
	return nil
}

// transitionJSON is one row of the state machine as the API shows it.
type transitionJSON struct {
	Action cases.Action  `json:"action"`
	From   []cases.State `json:"from"`
	To     cases.State   `json:"to"`
	Who    cases.Who     `json:"who"`
	Needs  []string      `json:"needs"`
	Label  string        `json:"label"`
}

// handleMachine publishes the state machine, for clients that show which
// actions a case allows.
func (s *Server) handleMachine(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	out := []transitionJSON{}
	for _, t := range cases.Machine() {
		out = append(out, transitionJSON{Action: t.Action, From: t.From, To: t.To, Who: t.Who, Needs: t.Needs, Label: t.Label.In(lang)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
