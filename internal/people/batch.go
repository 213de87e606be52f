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
	ids, bad, err := s.ImportResidentsWithIDs(ctx, tx, rows, households)
	for _, id := range ids {
		if id != 0 {
			created++
		}
	}
	return created, bad, err
}

// ImportResidentsWithIDs is ImportResidents for callers that go on to refer
// to the new residents (a loader enrolling party members, say): ids[i] is
// the id given to rows[i], 0 when that row is bad. ids is nil when err is
// not.
func (s *Service) ImportResidentsWithIDs(ctx context.Context, tx *sqldb.Tx, rows []ResidentRow, households map[int]HouseholdRef) (ids []int64, bad []apperr.RowError, err error) {
	if _, _, err := auth.Scoped(ctx, auth.ActLedgerImport); err != nil {
		return nil, nil, err
	}
	actor, _ := auth.ActorFrom(ctx)
	type candidate struct {
		index int // into rows
		ref   HouseholdRef
		f     residentFields
		pii   sealedPII
		dupe  bool
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
		return nil, nil, fmt.Errorf("people: import residents: %w", err)
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
			return nil, nil, fmt.Errorf("people: import residents: %w", err)
		}
		if p.idHash != nil {
			if first, seen := firstRow[string(p.idHash)]; seen {
				bad = append(bad, rowErr(r.Row, apperr.Conflictf("id_number", "身份证号码与第%d行重复", "the ID number repeats row %d", first)))
				continue
			}
			firstRow[string(p.idHash)] = r.Row
		}
		cands = append(cands, candidate{index: i, ref: ref, f: f, pii: p})
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
		return nil, nil, fmt.Errorf("people: import residents: %w", err)
	}
	for i := range cands {
		if c := &cands[i]; c.pii.idHash != nil && taken[string(c.pii.idHash)] {
			c.dupe = true
			bad = append(bad, rowErr(rows[c.index].Row, apperr.Conflictf("id_number", "该身份证号码已登记", "a resident with this ID number is already registered")))
		}
	}

	good := make([]importedResident, 0, len(cands))
	index := make([]int, 0, len(cands))
	for _, c := range cands {
		if !c.dupe {
			good = append(good, importedResident{ref: c.ref, f: c.f, pii: c.pii})
			index = append(index, c.index)
		}
	}
	newIDs, err := insertResidents(ctx, tx, good)
	if err != nil {
		return nil, nil, fmt.Errorf("people: import residents: %w", err)
	}
	ids = make([]int64, len(rows))
	for k, i := range index {
		ids[i] = newIDs[k]
	}
	slices.SortStableFunc(bad, func(a, b apperr.RowError) int { return a.Row - b.Row })
	return ids, bad, nil
}

// importedResident is a valid row ready to insert.
type importedResident struct {
	ref HouseholdRef
	f   residentFields
	pii sealedPII
}

// residentsInsert writes residents, 11 arguments a row.
var residentsInsert = multiInsert{
	head: `INSERT INTO residents (household_id, region_path, name, gender, birth_date, id_number_enc, id_number_hash,
		phone_enc, phone_hash, relation, party_member, created_at, updated_at) VALUES `,
	width: 11, nowCols: 2,
}

// insertResidents inserts rs and their tags and returns the residents'
// ids in the order of rs.
func insertResidents(ctx context.Context, tx *sqldb.Tx, rs []importedResident) ([]int64, error) {
	ids, err := residentsInsert.run(ctx, tx, len(rs), func(args []any, i int) []any {
		r := &rs[i]
		return append(args, nullID(r.ref.ID), r.ref.RegionPath, r.f.name, string(r.f.gender), nullDate(r.f.birthDate),
			r.pii.idEnc, r.pii.idHash, r.pii.phoneEnc, r.pii.phoneHash, string(r.f.relation), false)
	})
	if err != nil {
		return nil, err
	}
	type tagRow struct {
		id  int64
		tag Tag
	}
	var tags []tagRow
	for i, r := range rs {
		for _, t := range r.f.tags {
			tags = append(tags, tagRow{ids[i], t})
		}
	}
	size := 4 * chunkSize(tx.Dialect)
	for start := 0; start < len(tags); start += size {
		chunk := tags[start:min(start+size, len(tags))]
		var w sqldb.Where
		values := make([]string, len(chunk))
		for i, t := range chunk {
			values[i] = "(" + w.Arg(t.id) + ", " + w.Arg(string(t.tag)) + ")"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO resident_tags (resident_id, tag) VALUES `+strings.Join(values, ", "), w.Args()...); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func rowErr(row int, e *apperr.Error) apperr.RowError {
	return apperr.RowError{Sheet: "residents", Row: row, Err: e}
}

// householdPaths returns the region paths of the households that exist
// among ids.
func householdPaths(ctx context.Context, q sqldb.Querier, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	err := queryIn(ctx, q, `SELECT id, region_path FROM households WHERE id IN (`, ids, func(rows *sql.Rows) error {
		var id int64
		var path string
		if err := rows.Scan(&id, &path); err != nil {
			return err
		}
		out[id] = path
		return nil
	})
	return out, err
}

// registeredHashes returns which of the ID-number blind indexes are
// already in residents.
func registeredHashes(ctx context.Context, q sqldb.Querier, hashes [][]byte) (map[string]bool, error) {
	out := make(map[string]bool)
	err := queryIn(ctx, q, `SELECT id_number_hash FROM residents WHERE id_number_hash IN (`, hashes, func(rows *sql.Rows) error {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return err
		}
		out[string(h)] = true
		return nil
	})
	return out, err
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
	var w sqldb.Where
	w.Scope("r.region_path", paths, all)
	if subtreePath != "" {
		w.Subtree("r.region_path", []string{subtreePath})
	}
	rows, err := s.db.Query(ctx, `SELECT r.id, r.name, r.gender, r.id_number_enc, r.phone_enc, r.relation,
			COALESCE(g.code, ''), COALESCE(b.compound, ''), COALESCE(b.name, ''), COALESCE(u.name, ''), COALESCE(h.room, ''),
			(SELECT string_agg(t.tag, ',') FROM resident_tags t WHERE t.resident_id = r.id)
		FROM residents r
		LEFT JOIN households h ON h.id = r.household_id
		LEFT JOIN units u ON u.id = h.unit_id
		LEFT JOIN buildings b ON b.id = h.building_id
		LEFT JOIN regions g ON g.path = r.region_path`+w.String()+` ORDER BY r.id`, w.Args()...)
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
