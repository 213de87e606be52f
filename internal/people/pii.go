package people

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// PIIView is one recorded view of personal data: who saw which fields of
// whom (or of which subtree, for an export), why and when.
type PIIView struct {
	ID          int64
	ActorUserID int64 // 0 for the system
	ActorName   string
	ResidentID  int64  // 0 for an export
	RegionPath  string // the resident's region, or the exported subtree
	Fields      []string
	Reason      string
	At          time.Time
}

// PIIViewFilter selects recorded views; the zero filter selects all the
// auditor may read.
type PIIViewFilter struct {
	Subtree     string
	ResidentID  *int64
	ActorUserID *int64
	Since       *time.Time // inclusive
	Until       *time.Time // exclusive
	Offset      int
	Limit       int
}

// maxReasonRunes bounds the reason of a view.
const maxReasonRunes = 500

// piiFields are the fields a reveal or a revealing export shows.
var piiFields = []string{colIDNumber, colPhone}

func validateReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", apperr.Invalidf("reason", "查看完整个人信息须填写事由", "a reason is required to view full personal data")
	}
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		return "", apperr.Invalidf("reason", "事由过长，最多%d字", "the reason is too long (at most %d characters)", maxReasonRunes)
	}
	return reason, nil
}

// RevealResident returns a resident's full ID number and phone and records
// the view in pii_views in the same transaction, so that no view goes
// unrecorded. The actor needs resident.pii at the resident's region and a
// non-empty reason (Invalid on "reason"); on any failure nothing is
// revealed and nothing is recorded.
func (s *Service) RevealResident(ctx context.Context, id int64, reason string) (*ResidentPII, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActResidentPII); err != nil {
		return nil, err
	}
	reason, err := validateReason(reason)
	if err != nil {
		return nil, err
	}
	actor, _ := auth.ActorFrom(ctx)
	var out *ResidentPII
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		r, err := loadResident(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := denyUnlessVisible(ctx, auth.ActResidentPII, auth.ActResidentRead, auth.Resource{RegionPath: r.regionPath}, whatResident); err != nil {
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
		if err := recordView(ctx, tx, actor, id, r.regionPath, reason); err != nil {
			return err
		}
		out = &ResidentPII{ResidentID: id, Name: r.name, IDNumber: idNumber, Phone: phone}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("people: reveal resident %d: %w", id, err)
	}
	return out, nil
}

// recordView appends one row to pii_views.
func recordView(ctx context.Context, tx *sqldb.Tx, actor *auth.Actor, residentID int64, path, reason string) error {
	_, err := tx.Exec(ctx, `INSERT INTO pii_views (actor_user_id, actor_name, resident_id, region_path, fields, reason, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		nullID(actor.UserID), actor.Name, nullID(residentID), path, strings.Join(piiFields, ","), reason, tx.Now)
	return err
}

// FindPIIViews returns one page of recorded views for auditors
// (audit.read), newest first, scoped to the regions the auditor holds, and
// the total count.
func (s *Service) FindPIIViews(ctx context.Context, f PIIViewFilter) ([]*PIIView, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActAuditRead)
	if err != nil {
		return nil, 0, err
	}
	var w sqldb.Where
	w.Scope("region_path", paths, all)
	if f.Subtree != "" {
		w.Subtree("region_path", []string{f.Subtree})
	}
	if f.ResidentID != nil {
		w.Add("resident_id = " + w.Arg(*f.ResidentID))
	}
	if f.ActorUserID != nil {
		w.Add("actor_user_id = " + w.Arg(*f.ActorUserID))
	}
	if f.Since != nil {
		w.Add("at >= " + w.Arg(f.Since.UTC()))
	}
	if f.Until != nil {
		w.Add("at < " + w.Arg(f.Until.UTC()))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM pii_views`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("people: count pii views: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT id, actor_user_id, actor_name, resident_id, region_path, fields, reason, at FROM pii_views`+
		w.String()+` ORDER BY at DESC, id DESC LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("people: find pii views: %w", err)
	}
	defer rows.Close()
	var out []*PIIView
	for rows.Next() {
		var v PIIView
		var actorID, residentID sql.NullInt64
		var fields string
		if err := rows.Scan(&v.ID, &actorID, &v.ActorName, &residentID, &v.RegionPath, &fields, &v.Reason, &v.At); err != nil {
			return nil, 0, fmt.Errorf("people: find pii views: %w", err)
		}
		v.ActorUserID, v.ResidentID, v.Fields, v.At = actorID.Int64, residentID.Int64, strings.Split(fields, ","), v.At.UTC()
		out = append(out, &v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("people: find pii views: %w", err)
	}
	return out, total, nil
}
