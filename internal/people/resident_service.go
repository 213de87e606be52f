package people

import (
	"context"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// CreateResident registers a resident in a household (whose region path is
// copied) or, without one, in a region. It validates every field first and
// returns all the bad ones (an apperr.List, code Invalid); a duplicate ID
// number is a Conflict on "id_number". The actor needs resident.write at the
// resident's region.
func (s *Service) CreateResident(ctx context.Context, in ResidentInput) (*Resident, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActResidentWrite); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		f, errs := rawResident{
			name: in.Name, gender: string(in.Gender), idNumber: in.IDNumber, phone: in.Phone, relation: string(in.Relation),
			birthDate: in.BirthDate, tags: tagStrings(in.Tags), inHousehold: in.HouseholdID != 0,
		}.validate(tx.Now)
		path, err := s.placeOf(ctx, tx, in.HouseholdID, in.RegionID)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				return err
			}
			errs = append(apperr.List{apperr.As(err)}, errs...)
		}
		if len(errs) > 0 {
			return errs
		}
		if err := auth.Check(ctx, auth.ActResidentWrite, auth.Resource{RegionPath: path}); err != nil {
			return err
		}
		p, err := s.seal(f.idNumber, f.phone)
		if err != nil {
			return err
		}
		if taken, err := idNumberTaken(ctx, tx, p.idHash, 0); err != nil {
			return err
		} else if taken {
			return errIDNumberTaken()
		}
		id, err = tx.InsertID(ctx, insertResident, insertResidentArgs(in.HouseholdID, path, f, p, in.PartyMember, tx.Now)...)
		if err != nil {
			return residentWriteErr(err)
		}
		return setTags(ctx, tx, id, f.tags)
	})
	if err != nil {
		return nil, fmt.Errorf("people: create resident: %w", err)
	}
	return s.FindResidentByID(ctx, id)
}

// placeOf returns the region path a resident is registered at: its
// household's, or else its region's. Errors are Invalid on "household_id"
// or "region_id".
func (s *Service) placeOf(ctx context.Context, q sqldb.Querier, householdID, regionID int64) (string, error) {
	switch {
	case householdID != 0:
		return householdPath(ctx, q, householdID)
	case regionID != 0:
		return regionPath(ctx, q, regionID)
	}
	return "", apperr.Invalidf("household_id", "请指定居民所在的户或区域", "give the resident's household or region")
}

// residentWriteErr names the field of a constraint violation that slipped
// past the checks (a concurrent insert of the same ID number).
func residentWriteErr(err error) error {
	if e := apperr.As(err); e != nil && e.Code == apperr.Conflict {
		c := errIDNumberTaken()
		c.Err = err
		return c
	}
	return err
}

// FindResidentByID returns a resident with masked personal data. The actor
// needs resident.read at the resident's region; a resident outside the
// actor's scope is NotFound.
func (s *Service) FindResidentByID(ctx context.Context, id int64) (*Resident, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActResidentRead); err != nil {
		return nil, err
	}
	r, err := loadResident(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("people: find resident %d: %w", id, err)
	}
	if err := denyUnlessVisible(ctx, auth.ActResidentRead, auth.ActResidentRead, auth.Resource{RegionPath: r.regionPath}, whatResident); err != nil {
		return nil, fmt.Errorf("people: find resident %d: %w", id, err)
	}
	tags, err := tagsOf(ctx, s.db, []int64{id})
	if err != nil {
		return nil, fmt.Errorf("people: find resident %d: %w", id, err)
	}
	return s.masked(r, tags[id])
}

// FindResidents returns one page of the residents matching f that the actor
// may read (resident.read), masked, ordered by id, and the total count.
func (s *Service) FindResidents(ctx context.Context, f ResidentFilter) ([]*Resident, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActResidentRead)
	if err != nil {
		return nil, 0, err
	}
	var w sqldb.Where
	w.Scope("r.region_path", paths, all)
	if f.Subtree != "" {
		w.Subtree("r.region_path", []string{f.Subtree})
	}
	if f.RegionID != nil {
		p, err := regionPath(ctx, s.db, *f.RegionID)
		if err != nil {
			return nil, 0, fmt.Errorf("people: find residents: %w", err)
		}
		w.Subtree("r.region_path", []string{p})
	}
	if f.HouseholdID != nil {
		w.Add("r.household_id = " + w.Arg(*f.HouseholdID))
	}
	if f.Tag != nil {
		if !f.Tag.Valid() {
			return nil, 0, apperr.Invalidf("tag", "未知的人员标签“%s”", "unknown resident tag %q", *f.Tag)
		}
		w.Add("EXISTS (SELECT 1 FROM resident_tags t WHERE t.resident_id = r.id AND t.tag = " + w.Arg(string(*f.Tag)) + ")")
	}
	if f.NameContains != "" {
		w.Add(`r.name LIKE ` + w.Arg(sqldb.LikeContains(f.NameContains)) + ` ESCAPE '\'`)
	}
	if f.IDNumber != "" {
		info, err := ValidateIDNumber(f.IDNumber, s.db.Now())
		if err != nil {
			return nil, 0, err
		}
		w.Add("r.id_number_hash = " + w.Arg(s.keys.BlindIndex(colIDNumber, info.Number)))
	}
	if f.Phone != "" {
		phone, err := ValidatePhone(f.Phone)
		if err != nil {
			return nil, 0, err
		}
		w.Add("r.phone_hash = " + w.Arg(s.keys.BlindIndex(colPhone, phone)))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM residents r`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("people: count residents: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	q := `SELECT ` + residentColumns + ` FROM residents r` + w.String() + ` ORDER BY r.id LIMIT ` + w.Arg(limit) + ` OFFSET ` + w.Arg(offset)
	rows, err := s.db.Query(ctx, q, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("people: find residents: %w", err)
	}
	var found []*residentRow
	for rows.Next() {
		r, err := scanResident(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("people: find residents: %w", err)
		}
		found = append(found, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("people: find residents: %w", err)
	}
	ids := make([]int64, len(found))
	for i, r := range found {
		ids[i] = r.id
	}
	tags, err := tagsOf(ctx, s.db, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("people: find residents: %w", err)
	}
	out := make([]*Resident, 0, len(found))
	for _, r := range found {
		m, err := s.masked(r, tags[r.id])
		if err != nil {
			return nil, 0, fmt.Errorf("people: find residents: %w", err)
		}
		out = append(out, m)
	}
	return out, total, nil
}

// UpdateResident changes the fields set in u. The actor needs
// resident.write at the resident's region and, when moving it, at the new
// household's region. Bad fields are Invalid (all of them, as a List), a
// duplicate ID number a Conflict on "id_number".
func (s *Service) UpdateResident(ctx context.Context, id int64, u ResidentUpdate) (*Resident, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActResidentWrite); err != nil {
		return nil, err
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		r, err := loadResident(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := denyUnlessVisible(ctx, auth.ActResidentWrite, auth.ActResidentRead, auth.Resource{RegionPath: r.regionPath}, whatResident); err != nil {
			return err
		}
		idNumber, err := s.keys.Decrypt(colIDNumber, r.idEnc)
		if err != nil {
			return err
		}
		phone, err := s.keys.Decrypt(colPhone, r.phoneEnc)
		if err != nil {
			return err
		}
		tags, err := tagsOf(ctx, tx, []int64{id})
		if err != nil {
			return err
		}
		// Merge the update into the current values and validate the whole.
		raw := rawResident{name: r.name, gender: string(r.gender), idNumber: idNumber, phone: phone,
			relation: string(r.relation), tags: tagStrings(tags[id]), inHousehold: r.householdID.Valid}
		if r.birthDate.Valid && idNumber == "" {
			raw.birthDate = r.birthDate.Time
		}
		householdID, path := r.householdID.Int64, r.regionPath
		party := r.partyMember
		var errs apperr.List
		if u.HouseholdID != nil && *u.HouseholdID != householdID {
			p, err := householdPath(ctx, tx, *u.HouseholdID)
			if err != nil {
				if apperr.CodeOf(err) != apperr.Invalid {
					return err
				}
				errs = append(errs, apperr.As(err))
			} else if err := auth.Check(ctx, auth.ActResidentWrite, auth.Resource{RegionPath: p}); err != nil {
				return err
			}
			householdID, path = *u.HouseholdID, p
			raw.inHousehold = true
		}
		if u.Name != nil {
			raw.name = *u.Name
		}
		if u.IDNumber != nil {
			raw.idNumber = *u.IDNumber
			if raw.idNumber != idNumber {
				// A new ID number brings its own gender and birth date unless given.
				raw.gender, raw.birthDate = "", time.Time{}
			}
		}
		if u.Gender != nil {
			raw.gender = string(*u.Gender)
		}
		if u.BirthDate != nil {
			raw.birthDate = *u.BirthDate
		}
		if u.Phone != nil {
			raw.phone = *u.Phone
		}
		if u.Relation != nil {
			raw.relation = string(*u.Relation)
		}
		if u.PartyMember != nil {
			party = *u.PartyMember
		}
		if u.Tags != nil {
			raw.tags = tagStrings(*u.Tags)
		}
		f, verrs := raw.validate(tx.Now)
		if errs = append(errs, verrs...); len(errs) > 0 {
			return errs
		}
		p, err := s.seal(f.idNumber, f.phone)
		if err != nil {
			return err
		}
		if taken, err := idNumberTaken(ctx, tx, p.idHash, id); err != nil {
			return err
		} else if taken {
			return errIDNumberTaken()
		}
		_, err = tx.Exec(ctx, `UPDATE residents SET household_id = $1, region_path = $2, name = $3, gender = $4, birth_date = $5,
			id_number_enc = $6, id_number_hash = $7, phone_enc = $8, phone_hash = $9, relation = $10, party_member = $11, updated_at = $12
			WHERE id = $13`,
			nullID(householdID), path, f.name, string(f.gender), nullDate(f.birthDate), p.idEnc, p.idHash, p.phoneEnc, p.phoneHash,
			string(f.relation), party, tx.Now, id)
		if err != nil {
			return residentWriteErr(err)
		}
		if u.Tags != nil {
			return setTags(ctx, tx, id, f.tags)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("people: update resident %d: %w", id, err)
	}
	return s.FindResidentByID(ctx, id)
}

// DeleteResident removes a resident and its tags; party membership records
// keep the member's name and lose the link. The actor needs resident.write
// at the resident's region. The audit of past views is kept.
func (s *Service) DeleteResident(ctx context.Context, id int64) error {
	if _, _, err := auth.Scoped(ctx, auth.ActResidentWrite); err != nil {
		return err
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		r, err := loadResident(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := denyUnlessVisible(ctx, auth.ActResidentWrite, auth.ActResidentRead, auth.Resource{RegionPath: r.regionPath}, whatResident); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM residents WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("people: delete resident %d: %w", id, err)
	}
	return nil
}
