package people

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// residentRow is a residents row as stored, personal data still sealed.
type residentRow struct {
	id          int64
	householdID sql.NullInt64
	regionPath  string
	name        string
	gender      Gender
	birthDate   sql.NullTime
	idEnc       []byte
	phoneEnc    []byte
	relation    Relation
	partyMember bool
	createdAt   time.Time
	updatedAt   time.Time
}

const residentColumns = `r.id, r.household_id, r.region_path, r.name, r.gender, r.birth_date, r.id_number_enc, r.phone_enc, r.relation, r.party_member, r.created_at, r.updated_at`

func scanResident(sc sqldb.Scanner) (*residentRow, error) {
	var r residentRow
	err := sc.Scan(&r.id, &r.householdID, &r.regionPath, &r.name, &r.gender, &r.birthDate, &r.idEnc, &r.phoneEnc,
		&r.relation, &r.partyMember, &r.createdAt, &r.updatedAt)
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return &r, nil
}

// loadResident reads one resident by id (NotFound if there is none).
func loadResident(ctx context.Context, q sqldb.Querier, id int64) (*residentRow, error) {
	r, err := scanResident(q.QueryRow(ctx, `SELECT `+residentColumns+` FROM residents r WHERE r.id = $1`, id))
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.NotFoundf("居民%d不存在", "resident %d not found", id)
	}
	return r, err
}

// masked decrypts the row's personal data and returns the resident as
// lists show it.
func (s *Service) masked(r *residentRow, tags []Tag) (*Resident, error) {
	id, err := s.keys.Decrypt(colIDNumber, r.idEnc)
	if err != nil {
		return nil, fmt.Errorf("resident %d: %w", r.id, err)
	}
	phone, err := s.keys.Decrypt(colPhone, r.phoneEnc)
	if err != nil {
		return nil, fmt.Errorf("resident %d: %w", r.id, err)
	}
	res := &Resident{
		ID: r.id, HouseholdID: r.householdID.Int64, RegionPath: r.regionPath, Name: r.name, Gender: r.gender,
		IDNumber: MaskIDNumber(id), Phone: MaskPhone(phone), Relation: r.relation, PartyMember: r.partyMember,
		Tags: tags, CreatedAt: r.createdAt.UTC(), UpdatedAt: r.updatedAt.UTC(),
	}
	if r.birthDate.Valid {
		res.BirthDate = dateOnly(r.birthDate.Time)
	}
	return res, nil
}

// The column names double as the additional data of their ciphertexts and
// the domain of their blind indexes.
const (
	colIDNumber = "id_number"
	colPhone    = "phone"
)

// sealedPII is a resident's encrypted personal data and blind indexes.
type sealedPII struct {
	idEnc, idHash, phoneEnc, phoneHash []byte
}

func (s *Service) seal(idNumber, phone string) (sealedPII, error) {
	var p sealedPII
	var err error
	if p.idEnc, err = s.keys.Encrypt(colIDNumber, idNumber); err != nil {
		return p, err
	}
	if p.phoneEnc, err = s.keys.Encrypt(colPhone, phone); err != nil {
		return p, err
	}
	p.idHash = s.keys.BlindIndex(colIDNumber, idNumber)
	p.phoneHash = s.keys.BlindIndex(colPhone, phone)
	return p, nil
}

// tagsOf loads the tags of the residents ids, sorted in the display order of Tags.
func tagsOf(ctx context.Context, q sqldb.Querier, ids []int64) (map[int64][]Tag, error) {
	out := make(map[int64][]Tag, len(ids))
	err := queryIn(ctx, q, `SELECT resident_id, tag FROM resident_tags WHERE resident_id IN (`, ids, func(rows *sql.Rows) error {
		var id int64
		var t Tag
		if err := rows.Scan(&id, &t); err != nil {
			return err
		}
		out[id] = append(out[id], t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, ts := range out {
		sortTags(ts)
	}
	return out, nil
}

func sortTags(ts []Tag) {
	slices.SortFunc(ts, func(a, b Tag) int { return slices.Index(Tags, a) - slices.Index(Tags, b) })
}

// setTags replaces a resident's tags.
func setTags(ctx context.Context, tx *sqldb.Tx, id int64, tags []Tag) error {
	if _, err := tx.Exec(ctx, `DELETE FROM resident_tags WHERE resident_id = $1`, id); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := tx.Exec(ctx, `INSERT INTO resident_tags (resident_id, tag) VALUES ($1, $2)`, id, string(t)); err != nil {
			return err
		}
	}
	return nil
}

// idNumberTaken reports whether another resident than except holds the ID
// number with blind index hash.
func idNumberTaken(ctx context.Context, q sqldb.Querier, hash []byte, except int64) (bool, error) {
	if hash == nil {
		return false, nil
	}
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM residents WHERE id_number_hash = $1`, hash).Scan(&id)
	switch apperr.CodeOf(sqldb.Translate(err)) {
	case "":
		return id != except, nil
	case apperr.NotFound:
		return false, nil
	}
	return false, sqldb.Translate(err)
}

func errIDNumberTaken() *apperr.Error {
	return apperr.Conflictf("id_number", "该身份证号码已登记", "a resident with this ID number is already registered")
}

// nullDate is a birth date for the database: NULL when unknown.
func nullDate(t time.Time) sql.NullTime {
	return sql.NullTime{Time: t, Valid: !t.IsZero()}
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

const insertResident = `INSERT INTO residents (household_id, region_path, name, gender, birth_date, id_number_enc, id_number_hash,
	phone_enc, phone_hash, relation, party_member, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`

func insertResidentArgs(householdID int64, path string, f residentFields, p sealedPII, party bool, now time.Time) []any {
	return []any{nullID(householdID), path, f.name, string(f.gender), nullDate(f.birthDate), p.idEnc, p.idHash,
		p.phoneEnc, p.phoneHash, string(f.relation), party, now}
}
