package people

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// ResidentRow is one resident of an Excel ledger. On import, Row is the
// 1-based sheet row (for error reports) and the place columns (GridCode …
// Room) have been resolved by the importer into a HouseholdRef; Gender,
// Relation and Tags may be codes ("male", "head", "low_income") or Chinese
// labels ("男", "户主", "低保"). On export they are codes, Row counts from 1,
// and IDNumber and Phone are masked unless the export reveals them.
type ResidentRow struct {
	Row                                int
	GridCode, Compound, Building, Unit string
	Room                               string
	Name, Gender, IDNumber, Phone      string
	Relation                           string
	Tags                               []string
}

// HouseholdRef is a household the importer resolved a row's place to.
type HouseholdRef struct {
	ID         int64
	RegionPath string
}

// ImportResidents validates every row (name, gender, ID number, phone,
// relation, tags, household, and duplicate ID numbers inside the batch and
// against the database through the blind index), encrypts the personal
// data and inserts the valid rows inside tx. It returns one RowError per
// bad row, in row order, with Err.Field one of "name", "gender",
// "id_number", "phone", "relation", "tags", "household"; households maps a
// row number to its resolved household, and a row without one (or whose
// household does not exist) is bad on "household", as is a row whose
// household lies outside the actor's scope. The region path of a household
// is read from the database; the ref's RegionPath is not trusted.
//
// The valid rows are inserted in the order given, so their ids ascend in
// row order. Nothing it does makes tx fail on a constraint: every
// constraint is checked first, so the caller may still commit the good rows
// or roll everything back. err is only for failures of the database itself.
//
// The actor needs ledger.import and resident.write at each row's region.
func (s *Service) ImportResidents(ctx context.Context, tx *sqldb.Tx, rows []ResidentRow, households map[int]HouseholdRef) (created int, bad []apperr.RowError, err error) {
	if _, _, err := auth.Scoped(ctx, auth.ActLedgerImport); err != nil {
		return 0, nil, err
	}
	actor, _ := auth.ActorFrom(ctx)
	type candidate struct {
		row  *ResidentRow
		ref  HouseholdRef
		f    residentFields
		pii  sealedPII
		dupe bool
	}
	// The households' region paths come from the database, not the refs, so
	// that a wrong ref can neither escape the actor's scope nor break a
	// foreign key.
	hhIDs := make([]int64, 0, len(households))
	seen := make(map[int64]bool, len(households))
	for _, r := range rows {
		if ref, ok := households[r.Row]; ok && ref.ID != 0 && !seen[ref.ID] {
			seen[ref.ID] = true
			hhIDs = append(hhIDs, ref.ID)
		}
	}
	hhPaths, err := householdPaths(ctx, tx, hhIDs)
	if err != nil {
		return 0, nil, fmt.Errorf("people: import residents: %w", err)
	}
	cands := make([]candidate, 0, len(rows))
	firstRow := make(map[string]int, len(rows)) // blind index → first row holding it
	for i := range rows {
		r := &rows[i]
		ref := households[r.Row]
		path, ok := hhPaths[ref.ID]
		ref.RegionPath = path
		if !ok {
			bad = append(bad, rowErr(r.Row, apperr.Invalidf("household", "找不到该行所在的户（网格、小区、楼栋、单元、房号）", "the row's household (grid, compound, building, unit, room) was not found")))
			continue
		}
		res := auth.Resource{RegionPath: ref.RegionPath}
		if !auth.Can(actor, auth.ActLedgerImport, res) || !auth.Can(actor, auth.ActResidentWrite, res) {
			bad = append(bad, rowErr(r.Row, apperr.Newf(apperr.Forbidden, "household", "该户不在您的管辖范围内", "the household is outside your scope")))
			continue
		}
		f, errs := rawResident{name: r.Name, gender: r.Gender, idNumber: r.IDNumber, phone: r.Phone, relation: r.Relation,
			tags: r.Tags, inHousehold: true}.validate(tx.Now)
		if len(errs) > 0 {
			bad = append(bad, rowErr(r.Row, errs[0]))
			continue
		}
		p, err := s.seal(f.idNumber, f.phone)
		if err != nil {
			return 0, nil, fmt.Errorf("people: import residents: %w", err)
		}
		if p.idHash != nil {
			if first, seen := firstRow[string(p.idHash)]; seen {
				bad = append(bad, rowErr(r.Row, apperr.Conflictf("id_number", "身份证号码与第%d行重复", "the ID number repeats row %d", first)))
				continue
			}
			firstRow[string(p.idHash)] = r.Row
		}
		cands = append(cands, candidate{row: r, ref: ref, f: f, pii: p})
	}

	// One blind-index query per chunk finds the ID numbers already registered.
	hashes := make([][]byte, 0, len(cands))
	for _, c := range cands {
		if c.pii.idHash != nil {
			hashes = append(hashes, c.pii.idHash)
		}
	}
	taken, err := registeredHashes(ctx, tx, hashes)
	if err != nil {
		return 0, nil, fmt.Errorf("people: import residents: %w", err)
	}
	for i := range cands {
		if c := &cands[i]; c.pii.idHash != nil && taken[string(c.pii.idHash)] {
			c.dupe = true
			bad = append(bad, rowErr(c.row.Row, apperr.Conflictf("id_number", "该身份证号码已登记", "a resident with this ID number is already registered")))
		}
	}

	good := make([]importedResident, 0, len(cands))
	for _, c := range cands {
		if !c.dupe {
			good = append(good, importedResident{ref: c.ref, f: c.f, pii: c.pii})
		}
	}
	if err := insertResidents(ctx, tx, good); err != nil {
		return 0, nil, fmt.Errorf("people: import residents: %w", err)
	}
	created = len(good)
	slices.SortStableFunc(bad, func(a, b apperr.RowError) int { return a.Row - b.Row })
	return created, bad, nil
}

// importedResident is a valid row ready to insert.
type importedResident struct {
	ref HouseholdRef
	f   residentFields
	pii sealedPII
}

// chunkSize is how many residents one INSERT writes. Multi-row inserts
// save round trips on PostgreSQL and, on SQLite, the per-statement costs
// (the statement journal above all); but SQLite looks up "$n" parameters by
// a linear search, so its statements stay small.
func chunkSize(d sqldb.Dialect) int {
	if d == sqldb.Postgres {
		return 250
	}
	return 16
}

// insertResidents inserts rs and their tags, a chunk per statement; the
// statement for a full chunk is prepared once.
func insertResidents(ctx context.Context, tx *sqldb.Tx, rs []importedResident) error {
	type tagRow struct {
		id  int64
		tag Tag
	}
	var tags []tagRow
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	size := chunkSize(tx.Dialect)
	args := make([]any, 0, 1+11*size)
	for start := 0; start < len(rs); start += size {
		chunk := rs[start:min(start+size, len(rs))]
		args = append(args[:0], tx.Now)
		for _, r := range chunk {
			args = append(args, nullID(r.ref.ID), r.ref.RegionPath, r.f.name, string(r.f.gender), nullDate(r.f.birthDate),
				r.pii.idEnc, r.pii.idHash, r.pii.phoneEnc, r.pii.phoneHash, string(r.f.relation), false)
		}
		var rows *sql.Rows
		var err error
		if len(chunk) == size {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insertResidentsSQL(size)); err != nil {
					return sqldb.Translate(err)
				}
			}
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = tx.Tx.QueryContext(ctx, insertResidentsSQL(len(chunk)), args...)
		}
		if err != nil {
			return sqldb.Translate(err)
		}
		ids := make([]int64, 0, len(chunk))
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sqldb.Translate(err)
		}
		if len(ids) != len(chunk) {
			return fmt.Errorf("inserted %d residents, got %d ids back", len(chunk), len(ids))
		}
		// RETURNING promises no order, but the ids of one statement are
		// assigned in the order of its VALUES on both engines.
		slices.Sort(ids)
		for i, r := range chunk {
			for _, t := range r.f.tags {
				tags = append(tags, tagRow{ids[i], t})
			}
		}
	}
	for start := 0; start < len(tags); start += 4 * size {
		chunk := tags[start:min(start+4*size, len(tags))]
		var w where
		values := make([]string, len(chunk))
		for i, t := range chunk {
			values[i] = "(" + w.arg(t.id) + ", " + w.arg(string(t.tag)) + ")"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO resident_tags (resident_id, tag) VALUES `+strings.Join(values, ", "), w.args...); err != nil {
			return err
		}
	}
	return nil
}

// insertResidentsSQL is an INSERT of n residents; $1 is the time, then 11
// arguments per resident.
func insertResidentsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO residents (household_id, region_path, name, gender, birth_date, id_number_enc, id_number_hash,
		phone_enc, phone_hash, relation, party_member, created_at, updated_at) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j := 0; j < 11; j++ {
			fmt.Fprintf(&b, "$%d, ", 2+11*i+j)
		}
		b.WriteString("$1, $1)")
	}
	b.WriteString(" RETURNING id")
	return b.String()
}

func rowErr(row int, e *apperr.Error) apperr.RowError {
	return apperr.RowError{Sheet: "residents", Row: row, Err: e}
}

// householdPaths returns the region paths of the households that exist
// among ids, querying inChunk of them at a time.
func householdPaths(ctx context.Context, q querier, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for start := 0; start < len(ids); start += inChunk {
		chunk := ids[start:min(start+inChunk, len(ids))]
		var w where
		ph := make([]string, len(chunk))
		for i, id := range chunk {
			ph[i] = w.arg(id)
		}
		rows, err := q.Query(ctx, `SELECT id, region_path FROM households WHERE id IN (`+strings.Join(ph, ", ")+`)`, w.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var path string
			if err := rows.Scan(&id, &path); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = path
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// registeredHashes returns which of the ID-number blind indexes are
// already in residents, querying inChunk of them at a time.
func registeredHashes(ctx context.Context, q querier, hashes [][]byte) (map[string]bool, error) {
	out := make(map[string]bool)
	for start := 0; start < len(hashes); start += inChunk {
		chunk := hashes[start:min(start+inChunk, len(hashes))]
		var w where
		ph := make([]string, len(chunk))
		for i, h := range chunk {
			ph[i] = w.arg(h)
		}
		rows, err := q.Query(ctx, `SELECT id_number_hash FROM residents WHERE id_number_hash IN (`+strings.Join(ph, ", ")+`)`, w.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var h []byte
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return nil, err
			}
			out[string(h)] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EachResident streams the residents of a region subtree ("" for all the
// actor may read) to fn in id order, for export; it needs resident.read.
// ID numbers and phones are masked unless reveal is true: then the actor
// needs resident.pii over the whole subtree and a reason, and one pii_views
// record for the export is committed before the first row is read, so that
// no revealing export goes unrecorded. An error from fn stops the stream
// and is returned.
func (s *Service) EachResident(ctx context.Context, subtreePath string, reveal bool, reason string, fn func(ResidentRow) error) error {
	paths, all, err := auth.Scoped(ctx, auth.ActResidentRead)
	if err != nil {
		return err
	}
	if reveal {
		if subtreePath == "" {
			return apperr.Invalidf("subtree", "导出完整个人信息须指定区域", "choose a region to export full personal data")
		}
		if err := auth.Check(ctx, auth.ActResidentPII, auth.Resource{RegionPath: subtreePath}); err != nil {
			return err
		}
		if reason, err = validateReason(reason); err != nil {
			return err
		}
		actor, _ := auth.ActorFrom(ctx)
		err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
			return recordView(ctx, tx, actor, 0, subtreePath, reason)
		})
		if err != nil {
			return fmt.Errorf("people: export residents: %w", err)
		}
	}
	var w where
	w.scope("r.region_path", paths, all)
	if subtreePath != "" {
		w.subtree("r.region_path", []string{subtreePath})
	}
	rows, err := s.db.Query(ctx, `SELECT r.id, r.name, r.gender, r.id_number_enc, r.phone_enc, r.relation,
			COALESCE(g.code, ''), COALESCE(b.compound, ''), COALESCE(b.name, ''), COALESCE(u.name, ''), COALESCE(h.room, ''),
			(SELECT string_agg(t.tag, ',') FROM resident_tags t WHERE t.resident_id = r.id)
		FROM residents r
		LEFT JOIN households h ON h.id = r.household_id
		LEFT JOIN units u ON u.id = h.unit_id
		LEFT JOIN buildings b ON b.id = h.building_id
		LEFT JOIN regions g ON g.path = r.region_path`+w.sql()+` ORDER BY r.id`, w.args...)
	if err != nil {
		return fmt.Errorf("people: export residents: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var out ResidentRow
		var idEnc, phoneEnc []byte
		var tags sql.NullString
		if err := rows.Scan(&id, &out.Name, &out.Gender, &idEnc, &phoneEnc, &out.Relation,
			&out.GridCode, &out.Compound, &out.Building, &out.Unit, &out.Room, &tags); err != nil {
			return fmt.Errorf("people: export residents: %w", err)
		}
		if out.IDNumber, err = s.keys.Decrypt(colIDNumber, idEnc); err != nil {
			return fmt.Errorf("people: export resident %d: %w", id, err)
		}
		if out.Phone, err = s.keys.Decrypt(colPhone, phoneEnc); err != nil {
			return fmt.Errorf("people: export resident %d: %w", id, err)
		}
		if !reveal {
			out.IDNumber, out.Phone = MaskIDNumber(out.IDNumber), MaskPhone(out.Phone)
		}
		if tags.String != "" {
			ts := make([]Tag, 0, 2)
			for _, t := range strings.Split(tags.String, ",") {
				ts = append(ts, Tag(t))
			}
			sortTags(ts)
			out.Tags = tagStrings(ts)
		}
		n++
		out.Row = n
		if err := fn(out); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("people: export residents: %w", err)
	}
	return nil
}
