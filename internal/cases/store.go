package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// rowColumns are the columns of cases that the events derive (plus
// updated_at), in the order caseValues gives them.
var rowColumns = []string{
	"number", "channel", "hotline_ticket", "category_code", "nature", "urgency", "title", "description",
	"lon", "lat", "building_id", "unit_id", "attachments",
	"region_id", "region_path", "grid_id", "queue_region_id", "queue_path", "queue_parent_id", "tier",
	"state", "suspended_at", "merged_into", "supervision", "public", "allow_location",
	"anonymous", "reporter_user_id", "reporter_name",
	"department_id", "assignee_user_id", "assignee_department_id", "assignee_name", "handler_user_id",
	"rating_satisfaction", "rating_stars", "rating_comment", "rated_at",
	"extension_limit", "extension_reason", "extension_by", "extension_at",
	"step", "step_started_at", "step_limit", "step_extra", "step_suspended", "due_at", "yellow_at", "red_at",
	"handle_started_at", "handle_limit", "handle_extra", "handle_suspended", "handle_due_at", "handle_yellow_at", "handle_red_at",
	"register_due_at", "dispatch_due_at", "accept_due_at", "handling_due_at", "verify_due_at",
	"next_check_at", "reported_at", "registered_at", "dispatched_at", "accepted_at", "handled_at", "verified_at", "closed_at",
	"reopened", "escalated", "handle_late", "updated_at",
}

// selectColumns are what loadCase reads: the id, the derived columns, the
// phone and the concurrency columns.
var selectColumns = "id, " + strings.Join(rowColumns, ", ") + ", reporter_phone, version, last_hash"

// selectColumnsOf is selectColumns qualified by alias.
func selectColumnsOf(alias string) string {
	parts := strings.Split(selectColumns, ", ")
	for i := range parts {
		parts[i] = alias + "." + parts[i]
	}
	return strings.Join(parts, ", ")
}

func nInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func nTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func nTimeV(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// jsonIDs encodes ids as a JSON array ("[]" when empty).
func jsonIDs(ids []int64) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// parseIDs decodes a JSON array of ids (nil when empty).
func parseIDs(s string) ([]int64, error) {
	var ids []int64
	if err := json.Unmarshal([]byte(s), &ids); err != nil {
		return nil, fmt.Errorf("cases: stored ids %q: %w", s, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return ids, nil
}

// timerValues are a timer's columns (started, limit, extra, suspended, due,
// yellow, red), all NULL for no timer.
func timerValues(t *Timer) []any {
	if t == nil {
		return []any{nil, nil, nil, nil, nil, nil, nil}
	}
	return []any{t.Start.UTC(), t.Limit.String(), int64(t.Extra), int64(t.Suspended), t.Due.UTC(), t.YellowAt.UTC(), t.RedAt.UTC()}
}

// caseValues returns c's values for rowColumns.
func caseValues(c *Case) []any {
	v := []any{
		c.Number, string(c.Channel), c.HotlineTicket, c.Category, c.Nature, string(c.Urgency), c.Title, c.Description,
		nFloat(c.Lon), nFloat(c.Lat), nInt(c.BuildingID), nInt(c.UnitID), jsonIDs(c.Attachments),
		c.RegionID, c.RegionPath, nInt(c.GridID), c.QueueRegionID, c.QueuePath, nInt(c.QueueParentID), string(c.Tier),
		string(c.State), nTime(c.SuspendedAt), nInt(c.MergedInto), string(c.Supervision), c.Public, c.AllowLocation,
		c.Anonymous, nInt(c.ReporterUserID), c.ReporterName,
		nInt(c.DepartmentID), nInt(c.AssigneeUserID), nInt(c.AssigneeDepartmentID), c.AssigneeName, nInt(c.HandlerUserID),
	}
	if r := c.Rating; r != nil {
		v = append(v, string(r.Satisfaction), r.Stars, r.Comment, r.At.UTC())
	} else {
		v = append(v, nil, nil, nil, nil)
	}
	if e := c.Extension; e != nil {
		v = append(v, e.By.String(), e.Reason, nInt(e.UserID), e.At.UTC())
	} else {
		v = append(v, nil, nil, nil, nil)
	}
	if c.Step != nil {
		v = append(v, string(c.Step.Step))
	} else {
		v = append(v, nil)
	}
	v = append(v, timerValues(c.Step)...)
	v = append(v, timerValues(c.Handle)...)
	v = append(v, nTime(c.Due.Register), nTime(c.Due.Dispatch), nTime(c.Due.Accept), nTime(c.Due.Handle), nTime(c.Due.Verify),
		nTime(c.NextCheck), c.ReportedAt.UTC(), nTime(c.RegisteredAt), nTime(c.DispatchedAt), nTime(c.AcceptedAt),
		nTime(c.HandledAt), nTime(c.VerifiedAt), nTime(c.ClosedAt),
		c.Reopened, c.Escalated, c.HandleLate, c.UpdatedAt.UTC())
	return v
}

// nullTimer collects a timer's columns when scanning.
type nullTimer struct {
	start, due, yellow, red sql.NullTime
	limit                   sql.NullString
	extra, suspended        sql.NullInt64
}

func (n *nullTimer) dest() []any {
	return []any{&n.start, &n.limit, &n.extra, &n.suspended, &n.due, &n.yellow, &n.red}
}

func (n *nullTimer) timer(step category.Step) (*Timer, error) {
	if !n.start.Valid {
		return nil, nil
	}
	l, err := calendar.ParseLimit(n.limit.String)
	if err != nil {
		return nil, fmt.Errorf("cases: stored limit %q: %w", n.limit.String, err)
	}
	return &Timer{Step: step, Start: n.start.Time.UTC(), Limit: l, Extra: time.Duration(n.extra.Int64),
		Suspended: time.Duration(n.suspended.Int64), Due: n.due.Time.UTC(), YellowAt: n.yellow.Time.UTC(), RedAt: n.red.Time.UTC()}, nil
}

func ptrTime(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

func ptrFloat(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	f := n.Float64
	return &f
}

// stored is a case row as read: the case, its encrypted phone and the
// hash of its last event.
type stored struct {
	c        *Case
	phone    []byte
	lastHash string
}

// scanCase reads one row of selectColumns.
func scanCase(sc sqldb.Scanner) (*stored, error) {
	var (
		c                                                    Case
		attachments                                          string
		lon, lat                                             sql.NullFloat64
		building, unit, grid, queueParent, merged, dept      sql.NullInt64
		reporter, assigneeUser, assigneeDept, handler, extBy sql.NullInt64
		suspendedAt, ratedAt, extAt, nextCheck               sql.NullTime
		ratingSat, ratingComment, extLimit, extReason, stepN sql.NullString
		ratingStars                                          sql.NullInt64
		dueReg, dueDisp, dueAcc, dueHandle, dueVerify        sql.NullTime
		regAt, dispAt, accAt, handledAt, verAt, closedAt     sql.NullTime
		stepT, handleT                                       nullTimer
		phone                                                []byte
		lastHash                                             string
	)
	dest := []any{&c.ID,
		&c.Number, &c.Channel, &c.HotlineTicket, &c.Category, &c.Nature, &c.Urgency, &c.Title, &c.Description,
		&lon, &lat, &building, &unit, &attachments,
		&c.RegionID, &c.RegionPath, &grid, &c.QueueRegionID, &c.QueuePath, &queueParent, &c.Tier,
		&c.State, &suspendedAt, &merged, &c.Supervision, &c.Public, &c.AllowLocation,
		&c.Anonymous, &reporter, &c.ReporterName,
		&dept, &assigneeUser, &assigneeDept, &c.AssigneeName, &handler,
		&ratingSat, &ratingStars, &ratingComment, &ratedAt,
		&extLimit, &extReason, &extBy, &extAt,
		&stepN}
	dest = append(dest, stepT.dest()...)
	dest = append(dest, handleT.dest()...)
	dest = append(dest, &dueReg, &dueDisp, &dueAcc, &dueHandle, &dueVerify,
		&nextCheck, &c.ReportedAt, &regAt, &dispAt, &accAt, &handledAt, &verAt, &closedAt,
		&c.Reopened, &c.Escalated, &c.HandleLate, &c.UpdatedAt, &phone, &c.Version, &lastHash)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	var err error
	if c.Attachments, err = parseIDs(attachments); err != nil {
		return nil, err
	}
	c.Lon, c.Lat = ptrFloat(lon), ptrFloat(lat)
	c.BuildingID, c.UnitID, c.GridID, c.QueueParentID = building.Int64, unit.Int64, grid.Int64, queueParent.Int64
	c.SuspendedAt, c.MergedInto = ptrTime(suspendedAt), merged.Int64
	c.ReporterUserID, c.DepartmentID = reporter.Int64, dept.Int64
	c.AssigneeUserID, c.AssigneeDepartmentID, c.HandlerUserID = assigneeUser.Int64, assigneeDept.Int64, handler.Int64
	if ratingSat.Valid {
		c.Rating = &Rating{Satisfaction: Satisfaction(ratingSat.String), Stars: int(ratingStars.Int64),
			Comment: ratingComment.String, At: ratedAt.Time.UTC()}
	}
	if extLimit.Valid {
		l, err := calendar.ParseLimit(extLimit.String)
		if err != nil {
			return nil, fmt.Errorf("cases: stored extension %q: %w", extLimit.String, err)
		}
		c.Extension = &Extension{By: l, Reason: extReason.String, UserID: extBy.Int64, At: extAt.Time.UTC()}
	}
	if c.Step, err = stepT.timer(category.Step(stepN.String)); err != nil {
		return nil, err
	}
	if c.Handle, err = handleT.timer(category.StepHandle); err != nil {
		return nil, err
	}
	c.Due = Deadlines{Register: ptrTime(dueReg), Dispatch: ptrTime(dueDisp), Accept: ptrTime(dueAcc), Handle: ptrTime(dueHandle), Verify: ptrTime(dueVerify)}
	c.NextCheck = ptrTime(nextCheck)
	c.ReportedAt, c.UpdatedAt = c.ReportedAt.UTC(), c.UpdatedAt.UTC()
	c.RegisteredAt, c.DispatchedAt, c.AcceptedAt = ptrTime(regAt), ptrTime(dispAt), ptrTime(accAt)
	c.HandledAt, c.VerifiedAt, c.ClosedAt = ptrTime(handledAt), ptrTime(verAt), ptrTime(closedAt)
	return &stored{c: &c, phone: phone, lastHash: lastHash}, nil
}

// errCaseNotFound is the error for a case that does not exist or that the
// actor may not see.
func errCaseNotFound(id int64) error {
	return apperr.NotFoundf("案件 %d 不存在", "case %d not found", id)
}

// loadCase reads case id with its followers and co-handling departments.
// forUpdate locks the row on PostgreSQL (inside a transaction).
func loadCase(ctx context.Context, q sqldb.Querier, id int64, forUpdate bool) (*stored, error) {
	query := `SELECT ` + selectColumns + ` FROM cases WHERE id = $1`
	if forUpdate {
		query += forUpdateClause(q)
	}
	st, err := scanCase(q.QueryRow(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errCaseNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("load case %d: %w", id, sqldb.Translate(err))
	}
	if err := loadLinks(ctx, q, []*Case{st.c}); err != nil {
		return nil, err
	}
	return st, nil
}

// forUpdateClause is " FOR UPDATE" inside a PostgreSQL transaction; SQLite
// has one writer and needs none.
func forUpdateClause(q sqldb.Querier) string {
	if tx, ok := q.(*sqldb.Tx); ok && tx.Dialect == sqldb.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// loadLinks fills the followers and co-handling departments of cs.
func loadLinks(ctx context.Context, q sqldb.Querier, cs []*Case) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[int64]*Case, len(cs))
	ids := make([]int64, 0, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	for _, l := range []struct {
		table, col string
		set        func(c *Case, id int64)
	}{
		{"case_followers", "user_id", func(c *Case, id int64) { c.Followers = append(c.Followers, id) }},
		{"case_involved", "department_id", func(c *Case, id int64) { c.Involved = append(c.Involved, id) }},
	} {
		w := &sqldb.Where{}
		rows, err := q.Query(ctx, `SELECT case_id, `+l.col+` FROM `+l.table+` WHERE case_id IN (`+sqldb.ArgList(w, ids)+`) ORDER BY case_id, `+l.col, w.Args()...)
		if err != nil {
			return fmt.Errorf("load %s: %w", l.table, err)
		}
		for rows.Next() {
			var cid, id int64
			if err := rows.Scan(&cid, &id); err != nil {
				rows.Close()
				return fmt.Errorf("load %s: %w", l.table, sqldb.Translate(err))
			}
			l.set(byID[cid], id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("load %s: %w", l.table, sqldb.Translate(err))
		}
	}
	return nil
}

// intake is what a new row carries beyond the derived columns.
type intake struct {
	phone, phoneIndex            []byte
	idemScope, idemKey, idemHash string
}

// insertCase writes a new case row and returns its id.
func insertCase(ctx context.Context, tx *sqldb.Tx, c *Case, in intake, lastHash string) (int64, error) {
	cols := append(slices.Clone(rowColumns), "reporter_phone", "reporter_phone_index",
		"idempotency_scope", "idempotency_key", "idempotency_hash", "version", "last_hash", "created_at")
	vals := append(caseValues(c), in.phone, in.phoneIndex, nStr(in.idemScope), nStr(in.idemKey), nStr(in.idemHash),
		c.Version, lastHash, c.ReportedAt.UTC())
	ph := make([]string, len(vals))
	for i := range vals {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	return tx.InsertID(ctx, `INSERT INTO cases (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(ph, ", ")+`) RETURNING id`, vals...)
}

// updateCase writes c's derived columns, version and last hash, if the
// row is still at version was; it reports whether it was.
func updateCase(ctx context.Context, tx *sqldb.Tx, c *Case, was int64, lastHash string) (bool, error) {
	vals := caseValues(c)
	sets := make([]string, len(rowColumns))
	for i, col := range rowColumns {
		sets[i] = fmt.Sprintf("%s = $%d", col, i+1)
	}
	n := len(vals)
	vals = append(vals, c.Version, lastHash, c.ID, was)
	res, err := tx.Exec(ctx, `UPDATE cases SET `+strings.Join(sets, ", ")+
		fmt.Sprintf(`, version = $%d, last_hash = $%d WHERE id = $%d AND version = $%d`, n+1, n+2, n+3, n+4), vals...)
	if err != nil {
		return false, err
	}
	k, err := res.RowsAffected()
	if err != nil {
		return false, sqldb.Translate(err)
	}
	return k == 1, nil
}

// syncLinks brings the followers and co-handling departments tables in
// line with c. Followers are only ever added; the co-handling departments
// are the current ones (a return or an escalation ends them; the history
// keeps who was involved).
func syncLinks(ctx context.Context, tx *sqldb.Tx, c *Case, old *Case, at time.Time) error {
	for _, id := range c.Followers {
		if old != nil && slices.Contains(old.Followers, id) {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_followers (case_id, user_id, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (case_id, user_id) DO NOTHING`, c.ID, id, at); err != nil {
			return fmt.Errorf("add follower: %w", err)
		}
	}
	if old != nil && slices.Equal(old.Involved, c.Involved) {
		return nil
	}
	if old != nil && len(old.Involved) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM case_involved WHERE case_id = $1`, c.ID); err != nil {
			return fmt.Errorf("clear co-handling departments: %w", err)
		}
	}
	for _, id := range c.Involved {
		if _, err := tx.Exec(ctx, `INSERT INTO case_involved (case_id, department_id, created_at) VALUES ($1, $2, $3)`,
			c.ID, id, at); err != nil {
			return fmt.Errorf("add co-handling department: %w", err)
		}
	}
	return nil
}

// insertAttachments indexes the photos of event seq.
func insertAttachments(ctx context.Context, tx *sqldb.Tx, caseID, seq int64, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.Exec(ctx, `INSERT INTO case_attachments (case_id, attachment_id, seq) VALUES ($1, $2, $3)
			ON CONFLICT (case_id, attachment_id) DO NOTHING`, caseID, id, seq); err != nil {
			return fmt.Errorf("index attachment %d: %w", id, err)
		}
	}
	return nil
}
