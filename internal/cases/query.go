package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// FindCaseByID returns a case the actor may read (case.read over its
// location, a resident's own report, or as a participant: assignee,
// handler, member of an assigned or co-handling department, follower),
// with its light now and the reporter's phone masked. NotFound otherwise.
func (s *Service) FindCaseByID(ctx context.Context, id int64) (*Case, error) {
	c, _, err := s.readable(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("cases: find case %d: %w", id, err)
	}
	return c, nil
}

// readable loads case id for a viewer who may read it.
func (s *Service) readable(ctx context.Context, id int64) (*Case, *viewer, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := loadCase(ctx, s.db, id, false)
	if err != nil {
		return nil, nil, err
	}
	if !v.canRead(st.c) {
		return nil, nil, errCaseNotFound(id)
	}
	return s.present(st.c, st.phone), v, nil
}

// Events returns the full history of a case, in order, to whoever reads
// it as staff (see FindCaseByID; a reporter who is no more than that gets
// Forbidden and reads the Timeline).
func (s *Service) Events(ctx context.Context, id int64) ([]*Event, error) {
	c, v, err := s.readable(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("cases: events of case %d: %w", id, err)
	}
	if !v.readsAsStaff(c) {
		return nil, fmt.Errorf("cases: events of case %d: %w", id,
			forbidden("完整办理记录仅供工作人员查看，请查看办理进度", "the full history is for staff; see the timeline"))
	}
	evs, err := loadEvents(ctx, s.db, id, id)
	if err != nil {
		return nil, fmt.Errorf("cases: events of case %d: %w", id, err)
	}
	return evs, nil
}

// TimelineEntry is one step of a case as its reporter sees it (居民"我的诉求"):
// what happened and when, by which kind of worker, with the public notes
// and photos; internal steps (supervision, instructions, co-handling,
// extensions, returns) and staff names are left out.
type TimelineEntry struct {
	Seq         int64
	Action      Action
	Label       string // the action in the viewer's words, Chinese
	LabelEN     string
	State       State
	At          time.Time
	By          string // the role of who acted ("grid_worker", "party_member" …, "system")
	Note        string // the feedback, the reason of a rejection or rework, the rating's comment
	Attachments []int64
}

// timelineActions are the actions a reporter sees.
var timelineActions = map[Action]bool{
	ActReport: true, ActRegister: true, ActReject: true, ActDispatch: true, ActAccept: true, ActFeedback: true,
	ActSelfHandle: true, ActVerifyOK: true, ActVerifyFail: true, ActRate: true, ActClose: true, ActReopen: true,
	ActMerge: true, ActEscalate: true, ActSuspend: true, ActResume: true,
}

// Timeline returns the progress of a case for anyone who may read it; for
// a resident, that is its own reports and those it follows.
func (s *Service) Timeline(ctx context.Context, id int64) ([]TimelineEntry, error) {
	if _, _, err := s.readable(ctx, id); err != nil {
		return nil, fmt.Errorf("cases: timeline of case %d: %w", id, err)
	}
	evs, err := loadEvents(ctx, s.db, id, id)
	if err != nil {
		return nil, fmt.Errorf("cases: timeline of case %d: %w", id, err)
	}
	var out []TimelineEntry
	for _, e := range evs {
		if !timelineActions[e.Action] {
			continue
		}
		l := LabelOf(e.Action)
		te := TimelineEntry{Seq: e.Seq, Action: e.Action, Label: l.ZH, LabelEN: l.EN, State: e.ToState, At: e.At, By: e.ActorRole}
		switch e.Action {
		case ActFeedback, ActSelfHandle, ActRate, ActReject, ActVerifyFail, ActEscalate, ActReopen:
			te.Note = e.Note
			var d EventData
			if err := json.Unmarshal([]byte(e.Data), &d); err == nil && d.Reason != "" {
				te.Note = strings.TrimSpace(d.Reason + " " + e.Note)
			}
			if e.Action == ActRate {
				if r, ok := d.Set["rating"]; ok {
					var rt Rating
					if json.Unmarshal(r, &rt) == nil {
						te.Note = rt.Comment
					}
				}
			}
		}
		switch e.Action {
		case ActReport, ActFeedback, ActSelfHandle:
			te.Attachments = e.Attachments
		}
		out = append(out, te)
	}
	return out, nil
}

// CheckAttachment returns nil when the actor may see photo id: it belongs
// to a case the actor may read. The web layer calls it before serving a
// photo. NotFound otherwise.
func (s *Service) CheckAttachment(ctx context.Context, id int64) error {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT case_id FROM case_attachments WHERE attachment_id = $1 ORDER BY case_id`, id)
	if err != nil {
		return fmt.Errorf("cases: cases of attachment %d: %w", id, err)
	}
	var ids []int64
	for rows.Next() {
		var cid int64
		if err := rows.Scan(&cid); err != nil {
			rows.Close()
			return fmt.Errorf("cases: cases of attachment %d: %w", id, sqldb.Translate(err))
		}
		ids = append(ids, cid)
	}
	rows.Close()
	for _, cid := range ids {
		st, err := loadCase(ctx, s.db, cid, false)
		if err != nil {
			return fmt.Errorf("cases: attachment %d: %w", id, err)
		}
		if v.canRead(st.c) {
			return nil
		}
	}
	return apperr.NotFoundf("照片不存在", "photo not found")
}

// CaseOrder is the order of a case list.
type CaseOrder int

const (
	// OrderUrgent is the most urgent first: red, yellow, green, then by
	// due time (the default, a queue's order).
	OrderUrgent CaseOrder = iota
	// OrderNewest is the latest reported first, ties by id, highest first:
	// an order that does not move as cases change, for walking a list page
	// by page (Open311).
	OrderNewest
)

// Cond is a condition on the cases row that another package writes over
// a table of its own beside cases: it adds its arguments to w and returns
// the text, such as "id IN (SELECT case_id FROM open311_requests WHERE
// key_id = $7)" for the cases one Open311 client filed. It keeps such a
// selection in the one paged query, where a list of ids would grow with
// the client's history (and the engines' limits on arguments).
type Cond func(w *sqldb.Where) string

// lightSQL is the light of a case at $now as SQL (see Case.lightAt).
func lightSQL(now string) string {
	at := `COALESCE(suspended_at, ` + now + `)`
	return `CASE WHEN step IS NULL OR state IN ('verified', 'closed', 'rejected') THEN ''
		WHEN red_at < ` + at + ` THEN 'red' WHEN yellow_at < ` + at + ` THEN 'yellow' ELSE 'green' END`
}

// FindCases lists the cases matching f that the actor may read, the most
// urgent first (red, yellow, green, then by due time) unless f.Order says
// otherwise, with the total
// count before paging. Scoping is in SQL: case.read over the location, a
// resident's own reports, and the cases the actor takes part in.
func (s *Service) FindCases(ctx context.Context, f CaseFilter) ([]*Case, int, error) {
	cs, n, err := s.findCases(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("cases: find cases: %w", err)
	}
	return cs, n, nil
}

func (s *Service) findCases(ctx context.Context, f CaseFilter) ([]*Case, int, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	a := v.a
	w := &sqldb.Where{}
	// Arguments that PostgreSQL must see used, so added when first used.
	var nowPH, mePH string
	now := func() string {
		if nowPH == "" {
			nowPH = w.Arg(s.now())
		}
		return nowPH
	}
	me := func() string {
		if mePH == "" {
			mePH = w.Arg(a.UserID)
		}
		return mePH
	}
	// Only a case row's departments matter: $dept lists the actor's.
	mine := func() string {
		conds := []string{"assignee_user_id = " + me()}
		if len(v.depts) > 0 {
			in := sqldb.ArgList(w, v.depts)
			conds = append(conds, "assignee_department_id IN ("+in+")",
				"id IN (SELECT case_id FROM case_involved WHERE department_id IN ("+in+"))")
		}
		return "(" + strings.Join(conds, " OR ") + ")"
	}
	if !a.System {
		paths, _ := a.Paths(auth.ActCaseRead, auth.ScopeRegion)
		var scope []string
		if len(paths) > 0 {
			scope = append(scope, w.SubtreeCond("region_path", paths))
		}
		if a.UserID != 0 {
			// Each term can use an index, so that SQLite and PostgreSQL
			// combine index scans rather than read every case.
			scope = append(scope, "reporter_user_id = "+me(), "handler_user_id = "+me(),
				"id IN (SELECT case_id FROM case_followers WHERE user_id = "+me()+")", mine())
		}
		if len(scope) == 0 {
			return nil, 0, apperr.ErrForbidden()
		}
		w.Add("(" + strings.Join(scope, " OR ") + ")")
	}
	if f.QueueOf != nil || f.RegionOf != nil {
		for _, x := range []struct {
			id  *int64
			col string
		}{{f.QueueOf, "queue_path"}, {f.RegionOf, "region_path"}} {
			if x.id == nil {
				continue
			}
			r, err := s.terr.FindRegionByID(system(ctx), *x.id)
			if apperr.CodeOf(err) == apperr.NotFound {
				return []*Case{}, 0, nil
			}
			if err != nil {
				return nil, 0, err
			}
			w.Subtree(x.col, []string{r.Path})
		}
	}
	if f.GridID != nil {
		w.Add("grid_id = " + w.Arg(*f.GridID))
	}
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, st := range f.States {
			ph[i] = w.Arg(string(st))
		}
		w.Add("state IN (" + strings.Join(ph, ", ") + ")")
	}
	if f.Open != nil {
		if *f.Open {
			w.Add("state NOT IN ('closed', 'rejected')")
		} else {
			w.Add("state IN ('closed', 'rejected')")
		}
	}
	if f.AssignedToMe {
		w.Add(mine())
	}
	if f.ReportedByMe {
		w.Add("(reporter_user_id = " + me() + " OR id IN (SELECT case_id FROM case_followers WHERE user_id = " + me() + "))")
	}
	if f.Light != nil {
		w.Add("(" + lightSQL(now()) + ") = " + w.Arg(string(*f.Light)))
	}
	if f.Supervision != nil {
		w.Add("supervision = " + w.Arg(string(*f.Supervision)))
	}
	if f.Category != nil && *f.Category != "" {
		// A class selects its sub-categories: codes extend their parent's.
		code := strings.ToUpper(strings.TrimSpace(*f.Category))
		w.Add("category_code >= " + w.Arg(code) + " AND category_code < " + w.Arg(code+"\x7f"))
	}
	if f.Channel != nil {
		w.Add("channel = " + w.Arg(string(*f.Channel)))
	}
	if f.Text != nil && strings.TrimSpace(*f.Text) != "" {
		p := w.Arg(sqldb.LikeContains(strings.TrimSpace(*f.Text)))
		w.Add("(number LIKE " + p + " ESCAPE '\\' OR title LIKE " + p + " ESCAPE '\\' OR description LIKE " + p + " ESCAPE '\\')")
	}
	if f.From != nil {
		w.Add("reported_at >= " + w.Arg(f.From.UTC()))
	}
	if f.To != nil {
		w.Add("reported_at < " + w.Arg(f.To.UTC()))
	}
	if len(f.IDs) > 0 {
		w.Add("id IN (" + sqldb.ArgList(w, f.IDs) + ")")
	}
	if len(f.Categories) > 0 {
		codes := make([]string, len(f.Categories))
		for i, c := range f.Categories {
			codes[i] = strings.ToUpper(strings.TrimSpace(c))
		}
		w.Add("category_code IN (" + sqldb.ArgList(w, codes) + ")")
	}
	if f.Public != nil || f.PublicOr != nil {
		var either []string
		if f.Public != nil {
			either = append(either, "public = "+w.Arg(*f.Public))
		}
		if f.PublicOr != nil {
			either = append(either, "("+f.PublicOr(w)+")")
		}
		w.Add("(" + strings.Join(either, " OR ") + ")")
	}
	if f.UpdatedFrom != nil {
		w.Add("updated_at >= " + w.Arg(f.UpdatedFrom.UTC()))
	}
	if f.UpdatedTo != nil {
		w.Add("updated_at < " + w.Arg(f.UpdatedTo.UTC()))
	}
	if b := f.BBox; b != nil {
		// A case placed by its building alone has no point of its own; the
		// building's stands for it (as Open311 shows it).
		lon := "COALESCE(lon, (SELECT b.lon FROM buildings b WHERE b.id = cases.building_id))"
		lat := "COALESCE(lat, (SELECT b.lat FROM buildings b WHERE b.id = cases.building_id))"
		w.Add(lon + " BETWEEN " + w.Arg(b[0]) + " AND " + w.Arg(b[2]) + " AND " + lat + " BETWEEN " + w.Arg(b[1]) + " AND " + w.Arg(b[3]))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM cases`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, sqldb.Translate(err)
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	order := `reported_at DESC, id DESC`
	if f.Order != OrderNewest {
		order = `CASE (` + lightSQL(now()) + `) WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 WHEN 'green' THEN 2 ELSE 3 END,
		CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id`
	}
	q := `SELECT ` + selectColumns + ` FROM cases` + w.String() + ` ORDER BY ` + order + ` LIMIT ` + w.Arg(limit) + ` OFFSET ` + w.Arg(offset)
	rows, err := s.db.Query(ctx, q, w.Args()...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*Case{}
	var phones [][]byte
	for rows.Next() {
		st, err := scanCase(rows)
		if err != nil {
			return nil, 0, sqldb.Translate(err)
		}
		out = append(out, st.c)
		phones = append(phones, st.phone)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, sqldb.Translate(err)
	}
	if err := loadLinks(ctx, s.db, out); err != nil {
		return nil, 0, err
	}
	for i, c := range out {
		s.present(c, phones[i])
	}
	return out, total, nil
}
