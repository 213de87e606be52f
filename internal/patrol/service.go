package patrol

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/territory"
)

// Reporter files a finding as a case; *cases.Service is one.
type Reporter interface {
	Report(ctx context.Context, in cases.ReportInput) (*cases.Case, error)
}

// Options tune the service. The zero value is usable.
type Options struct {
	// Now is the clock; the database's (db.Now) if nil.
	Now func() time.Time
	// Zone is where "today" is decided: Asia/Shanghai (UTC+8) if nil.
	Zone *time.Location
	// Backdate is how many days back a visit may be recorded: 30 if 0.
	Backdate int
}

// Service records and lists patrol visits. It is safe for concurrent use.
type Service struct {
	db     *sqldb.DB
	places *territory.Service
	cases  Reporter
	opt    Options
}

// NewService returns the service on db; places checks grids and households,
// cases takes the findings.
func NewService(db *sqldb.DB, places *territory.Service, cases Reporter, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = db.Now
	}
	if opt.Zone == nil {
		opt.Zone = time.FixedZone("CST", 8*3600) // China has one zone and no daylight saving
	}
	if opt.Backdate <= 0 {
		opt.Backdate = 30
	}
	return &Service{db: db, places: places, cases: cases, opt: opt}
}

// Today returns the service's current date (UTC midnight of the civil date
// in its zone).
func (s *Service) Today() time.Time {
	return civil(s.opt.Now().In(s.opt.Zone))
}

func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// RecordVisit records a patrol visit in a grid and reports its findings as
// cases (channel grid_worker). The actor needs case.report and place.read
// at the grid. Errors: Invalid naming the field ("grid_id", "visited_on",
// "note", "households", "items.<n>.kind", "items.<n>.note",
// "items.<n>.household_id", "findings.<n>.title" …; an apperr.List when
// several fields are bad), Forbidden, and whatever the case service says of
// a finding, its field prefixed with "findings.<n>.". Bad visit input writes
// nothing; see the package documentation for findings.
func (s *Service) RecordVisit(ctx context.Context, in VisitInput) (*Visit, error) {
	v, err := s.recordVisit(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("patrol: record visit: %w", err)
	}
	return v, nil
}

func (s *Service) recordVisit(ctx context.Context, in VisitInput) (*Visit, error) {
	a, ok := auth.ActorFrom(ctx)
	if !ok {
		return nil, apperr.ErrUnauthenticated()
	}
	if in.GridID <= 0 {
		return nil, apperr.Invalidf("grid_id", "请选择网格", "choose a grid")
	}
	grid, err := s.places.FindRegionByID(ctx, in.GridID)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		return nil, apperr.Invalidf("grid_id", "网格 %d 不存在", "grid %d does not exist", in.GridID)
	case err != nil:
		return nil, err
	case grid.Level != territory.LevelGrid:
		return nil, apperr.Invalidf("grid_id", "“%s”不是网格", "%q is not a grid", grid.Name)
	}
	res := auth.Resource{RegionPath: grid.Path}
	if err := auth.Check(ctx, auth.ActCaseReport, res); err != nil {
		return nil, err
	}
	if err := auth.Check(ctx, auth.ActPlaceRead, res); err != nil {
		return nil, err
	}
	v, err := s.check(ctx, grid, in)
	if err != nil {
		return nil, err
	}
	v.UserID, v.UserName = a.UserID, a.Name
	if a.System {
		v.UserID, v.UserName = 0, "system"
	}
	key := strings.TrimSpace(in.IdempotencyKey)
	if len(key) > 100 {
		return nil, apperr.Invalidf("idempotency_key", "幂等键不能超过100个字符", "the idempotency key must be at most 100 characters")
	}
	if key != "" {
		if old, err := s.byKey(ctx, v.UserID, key); err == nil || apperr.CodeOf(err) != apperr.NotFound {
			return old, err
		}
	}
	for i, f := range in.Findings {
		ri := cases.ReportInput{
			Channel: cases.ChannelGridWorker, Category: f.Category, Urgency: f.Urgency, Title: f.Title, Description: f.Description,
			BuildingID: f.BuildingID, UnitID: f.UnitID, Lon: f.Lon, Lat: f.Lat, Attachments: f.Attachments,
		}
		if ri.BuildingID == 0 && ri.Lon == nil {
			ri.RegionID = grid.ID // a finding without a place lies in the grid walked
		}
		if key != "" {
			ri.IdempotencyKey = "patrol:" + key + ":" + strconv.Itoa(i+1)
		}
		c, err := s.cases.Report(ctx, ri)
		if err != nil {
			return nil, prefixField(err, "findings."+strconv.Itoa(i+1)+".")
		}
		v.Items = append(v.Items, Item{Kind: Finding, Note: f.Title, CaseID: c.ID})
	}
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		v.CreatedAt = tx.Now
		return insertVisit(ctx, tx, v, key)
	})
	if key != "" && apperr.CodeOf(err) == apperr.Conflict {
		// The same visit sent twice at once: the other one won.
		return s.byKey(ctx, v.UserID, key)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// check validates the visit's own input (not its findings' case fields,
// which the case service checks) and returns the visit to write.
func (s *Service) check(ctx context.Context, grid *territory.Region, in VisitInput) (*Visit, error) {
	var errs apperr.List
	v := &Visit{GridID: grid.ID, RegionPath: grid.Path, Note: strings.TrimSpace(in.Note)}
	today := s.Today()
	v.VisitedOn = today
	if !in.VisitedOn.IsZero() {
		v.VisitedOn = civil(in.VisitedOn)
		switch {
		case v.VisitedOn.After(today):
			errs = append(errs, apperr.Invalidf("visited_on", "走访日期不能晚于今天", "the visit date cannot be after today"))
		case v.VisitedOn.Before(today.AddDate(0, 0, -s.opt.Backdate)):
			errs = append(errs, apperr.Invalidf("visited_on", "只能补记%d天内的走访", "visits can be recorded up to %d days back", s.opt.Backdate))
		}
	}
	if utf8.RuneCountInString(v.Note) > maxNote {
		errs = append(errs, apperr.Invalidf("note", "备注不能超过%d个字", "the note must be at most %d characters", maxNote))
	}
	seen := map[int64]bool{}
	for _, h := range in.Households {
		if !seen[h] {
			seen[h] = true
			v.Households = append(v.Households, h)
		}
	}
	if len(v.Households) > maxHouseholds {
		errs = append(errs, apperr.Invalidf("households", "一次走访最多记录%d户", "a visit can hold at most %d households", maxHouseholds))
	} else if err := s.checkHouseholds(ctx, grid, "households", v.Households); err != nil {
		errs = append(errs, asList(err)...)
	}
	if len(in.Items) > maxItems {
		errs = append(errs, apperr.Invalidf("items", "一次走访最多记录%d项", "a visit can hold at most %d items", maxItems))
	}
	for i, it := range in.Items {
		if i >= maxItems {
			break
		}
		f := "items." + strconv.Itoa(i+1) + "."
		note := strings.TrimSpace(it.Note)
		switch {
		case !it.Kind.Valid() || it.Kind == Finding:
			errs = append(errs, apperr.Invalidf(f+"kind", "请选择政策宣传、矛盾调解或代办服务", "choose a policy talk, a mediation or an errand"))
		case note == "":
			errs = append(errs, apperr.Invalidf(f+"note", "请填写%[1]s的内容", "say what the %[2]s was about", it.Kind.Label().ZH, it.Kind.Label().EN))
		case utf8.RuneCountInString(note) > maxNote:
			errs = append(errs, apperr.Invalidf(f+"note", "内容不能超过%d个字", "the text must be at most %d characters", maxNote))
		}
		if it.HouseholdID != 0 {
			if err := s.checkHouseholds(ctx, grid, f+"household_id", []int64{it.HouseholdID}); err != nil {
				errs = append(errs, asList(err)...)
			}
		}
		v.Items = append(v.Items, Item{Kind: it.Kind, Note: note, HouseholdID: it.HouseholdID})
	}
	if len(in.Findings) > maxFindings {
		errs = append(errs, apperr.Invalidf("findings", "一次走访最多上报%d个问题", "a visit can report at most %d findings", maxFindings))
	}
	for i, fd := range in.Findings {
		f := "findings." + strconv.Itoa(i+1) + "."
		if strings.TrimSpace(fd.Title) == "" {
			errs = append(errs, apperr.Invalidf(f+"title", "请简述发现的问题", "describe the problem found"))
		}
		if strings.TrimSpace(fd.Category) == "" {
			errs = append(errs, apperr.Invalidf(f+"category", "请选择问题类别", "choose the problem's category"))
		}
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return v, nil
}

// checkHouseholds checks that every household exists and lies in the grid.
func (s *Service) checkHouseholds(ctx context.Context, grid *territory.Region, field string, ids []int64) error {
	for _, id := range ids {
		h, err := s.places.FindHouseholdByID(ctx, id)
		if apperr.CodeOf(err) == apperr.NotFound || apperr.CodeOf(err) == apperr.Forbidden || err == nil && h.RegionPath != grid.Path {
			return apperr.Invalidf(field, "户 %d 不在网格“%s”内", "household %d is not in grid %q", id, grid.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// asList returns err's field errors.
func asList(err error) apperr.List {
	if l, ok := err.(apperr.List); ok {
		return l
	}
	if e := apperr.As(err); e != nil {
		return apperr.List{e}
	}
	return apperr.List{apperr.Wrap(err, apperr.Internal, "", "内部错误", "internal error")}
}

// prefixField returns err with its field (each field of a List) prefixed,
// so that a form can show a finding's error beside that finding.
func prefixField(err error, prefix string) error {
	if l, ok := err.(apperr.List); ok {
		out := make(apperr.List, len(l))
		for i, e := range l {
			c := *e
			if c.Field != "" {
				c.Field = prefix + c.Field
			}
			out[i] = &c
		}
		return out
	}
	e := apperr.As(err)
	if e == nil || e.Field == "" {
		return err
	}
	c := *e
	c.Field = prefix + e.Field
	c.Err = err
	return &c
}

// FindVisitByID returns a visit the actor may read (place.read at its
// grid). NotFound otherwise.
func (s *Service) FindVisitByID(ctx context.Context, id int64) (*Visit, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActPlaceRead)
	if err != nil {
		return nil, err
	}
	var w sqldb.Where
	w.Add("v.id = " + w.Arg(id))
	w.Scope("v.region_path", paths, all)
	vs, err := s.find(ctx, &w, 1, 0)
	if err != nil {
		return nil, fmt.Errorf("patrol: find visit %d: %w", id, err)
	}
	if len(vs) == 0 {
		return nil, apperr.NotFoundf("走访记录 %d 不存在", "patrol visit %d does not exist", id)
	}
	return vs[0], nil
}

// FindVisits lists the visits matching f that the actor may read, newest
// first, with the total count before paging.
func (s *Service) FindVisits(ctx context.Context, f VisitFilter) ([]*Visit, int, error) {
	w, err := s.where(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("patrol: find visits: %w", err)
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM patrol_visits v`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("patrol: count visits: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, 50, 500)
	vs, err := s.find(ctx, w, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("patrol: find visits: %w", err)
	}
	return vs, total, nil
}

// Tally counts the visits matching f that the actor may read and what they
// did (paging is ignored).
func (s *Service) Tally(ctx context.Context, f VisitFilter) (Tally, error) {
	w, err := s.where(ctx, f)
	if err != nil {
		return Tally{}, fmt.Errorf("patrol: tally: %w", err)
	}
	var t Tally
	err = s.db.QueryRow(ctx, `SELECT count(*), COALESCE(sum(v.households), 0),
		COALESCE(sum((SELECT count(*) FROM patrol_items i WHERE i.visit_id = v.id AND i.kind = 'policy_talk')), 0),
		COALESCE(sum((SELECT count(*) FROM patrol_items i WHERE i.visit_id = v.id AND i.kind = 'mediation')), 0),
		COALESCE(sum((SELECT count(*) FROM patrol_items i WHERE i.visit_id = v.id AND i.kind = 'errand')), 0),
		COALESCE(sum((SELECT count(*) FROM patrol_items i WHERE i.visit_id = v.id AND i.kind = 'finding')), 0)
		FROM patrol_visits v`+w.String(), w.Args()...).Scan(&t.Visits, &t.Households, &t.PolicyTalks, &t.Mediations, &t.Errands, &t.Findings)
	if err != nil {
		return Tally{}, fmt.Errorf("patrol: tally: %w", sqldb.Translate(err))
	}
	return t, nil
}

// where builds the scoped condition of a filter.
func (s *Service) where(ctx context.Context, f VisitFilter) (*sqldb.Where, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActPlaceRead)
	if err != nil {
		return nil, err
	}
	a, _ := auth.ActorFrom(ctx)
	var w sqldb.Where
	w.Scope("v.region_path", paths, all)
	if f.GridID != nil {
		w.Add("v.grid_id = " + w.Arg(*f.GridID))
	}
	if f.RegionOf != nil {
		path, err := s.places.PathOf(ctx, *f.RegionOf)
		if err != nil {
			return nil, err
		}
		w.Subtree("v.region_path", []string{path})
	}
	if f.UserID != nil {
		w.Add("v.user_id = " + w.Arg(*f.UserID))
	}
	if f.Mine {
		w.Add("v.user_id = " + w.Arg(a.UserID))
	}
	if f.From != nil {
		w.Add("v.visited_on >= " + w.Arg(civil(*f.From)))
	}
	if f.To != nil {
		w.Add("v.visited_on < " + w.Arg(civil(*f.To)))
	}
	return &w, nil
}

// byKey returns the visit a user recorded with an idempotency key.
func (s *Service) byKey(ctx context.Context, userID int64, key string) (*Visit, error) {
	var w sqldb.Where
	w.Add("v.idempotency_key = " + w.Arg(key))
	if userID == 0 {
		w.Add("v.user_id IS NULL")
	} else {
		w.Add("v.user_id = " + w.Arg(userID))
	}
	vs, err := s.find(ctx, &w, 1, 0)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, apperr.NotFoundf("没有该走访记录", "no such visit")
	}
	return vs[0], nil
}

// sortHouseholds keeps a visit's households in id order, as they are read
// back.
func sortHouseholds(v *Visit) { slices.Sort(v.Households) }
