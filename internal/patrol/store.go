package patrol

import (
	"context"
	"database/sql"
	"strings"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// insertVisit writes a checked visit, its households and its items.
func insertVisit(ctx context.Context, tx *sqldb.Tx, v *Visit, key string) error {
	var user, idem any
	if v.UserID != 0 {
		user = v.UserID
	}
	if key != "" {
		idem = key
	}
	id, err := tx.InsertID(ctx, `INSERT INTO patrol_visits (grid_id, region_path, user_id, user_name, visited_on, note, households, idempotency_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		v.GridID, v.RegionPath, user, v.UserName, v.VisitedOn, v.Note, len(v.Households), idem, v.CreatedAt)
	if err != nil {
		return sqldb.Translate(err)
	}
	v.ID = id
	sortHouseholds(v)
	// One multi-row insert per table: a visit holds at most a few hundred rows.
	if len(v.Households) > 0 {
		var w sqldb.Where
		rows := make([]string, len(v.Households))
		for i, h := range v.Households {
			rows[i] = "(" + w.Arg(id) + ", " + w.Arg(h) + ")"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO patrol_households (visit_id, household_id) VALUES `+strings.Join(rows, ", "), w.Args()...); err != nil {
			return sqldb.Translate(err)
		}
	}
	if len(v.Items) > 0 {
		var w sqldb.Where
		rows := make([]string, len(v.Items))
		for i, it := range v.Items {
			rows[i] = "(" + sqldb.ArgList(&w, []any{id, i + 1, string(it.Kind), it.Note, nullID(it.HouseholdID), nullID(it.CaseID)}) + ")"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO patrol_items (visit_id, seq, kind, note, household_id, case_id) VALUES `+strings.Join(rows, ", "), w.Args()...); err != nil {
			return sqldb.Translate(err)
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// find reads the visits matching w (on alias v), newest first, with their
// households and items.
func (s *Service) find(ctx context.Context, w *sqldb.Where, limit, offset int) ([]*Visit, error) {
	rows, err := s.db.Query(ctx, `SELECT v.id, v.grid_id, v.region_path, v.user_id, v.user_name, v.visited_on, v.note, v.created_at
		FROM patrol_visits v`+w.String()+` ORDER BY v.visited_on DESC, v.id DESC LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	var out []*Visit
	byID := map[int64]*Visit{}
	for rows.Next() {
		var v Visit
		var user sql.NullInt64
		if err := rows.Scan(&v.ID, &v.GridID, &v.RegionPath, &user, &v.UserName, &v.VisitedOn, &v.Note, &v.CreatedAt); err != nil {
			rows.Close()
			return nil, sqldb.Translate(err)
		}
		v.UserID = user.Int64
		v.VisitedOn, v.CreatedAt = civil(v.VisitedOn), v.CreatedAt.UTC()
		out = append(out, &v)
		byID[v.ID] = &v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, sqldb.Translate(err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(out))
	for i, v := range out {
		ids[i] = v.ID
	}
	var hw sqldb.Where
	in := sqldb.ArgList(&hw, ids)
	hr, err := s.db.Query(ctx, `SELECT visit_id, household_id FROM patrol_households WHERE visit_id IN (`+in+`) ORDER BY visit_id, household_id`, hw.Args()...)
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	for hr.Next() {
		var vid, hid int64
		if err := hr.Scan(&vid, &hid); err != nil {
			hr.Close()
			return nil, sqldb.Translate(err)
		}
		byID[vid].Households = append(byID[vid].Households, hid)
	}
	hr.Close()
	if err := hr.Err(); err != nil {
		return nil, sqldb.Translate(err)
	}
	ir, err := s.db.Query(ctx, `SELECT visit_id, kind, note, household_id, case_id FROM patrol_items WHERE visit_id IN (`+in+`) ORDER BY visit_id, seq`, hw.Args()...)
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	defer ir.Close()
	for ir.Next() {
		var vid int64
		var it Item
		var kind string
		var hh, cs sql.NullInt64
		if err := ir.Scan(&vid, &kind, &it.Note, &hh, &cs); err != nil {
			return nil, sqldb.Translate(err)
		}
		it.Kind, it.HouseholdID, it.CaseID = ItemKind(kind), hh.Int64, cs.Int64
		byID[vid].Items = append(byID[vid].Items, it)
	}
	if err := ir.Err(); err != nil {
		return nil, sqldb.Translate(err)
	}
	return out, nil
}
