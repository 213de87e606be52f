package people

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// memberRefs is what the database holds of the rows that new members name:
// their organisations, which residents exist and which of those are
// members already, which users and regions exist. CreateMember loads it
// for one member, ImportMembers for a batch, with the same queries.
type memberRefs struct {
	orgs      map[int64]*Org
	residents map[int64]bool
	enrolled  map[int64]bool // residents who are party members already
	users     map[int64]bool
	regions   map[int64]bool
}

func loadMemberRefs(ctx context.Context, q sqldb.Querier, ins []MemberInput) (memberRefs, error) {
	var orgIDs, residentIDs, userIDs, regionIDs []int64
	for _, in := range ins {
		orgIDs = append(orgIDs, in.OrgID)
		if in.ResidentID != 0 {
			residentIDs = append(residentIDs, in.ResidentID)
		}
		if in.UserID != 0 {
			userIDs = append(userIDs, in.UserID)
		}
		if in.ReportedRegionID != 0 {
			regionIDs = append(regionIDs, in.ReportedRegionID)
		}
	}
	r := memberRefs{orgs: map[int64]*Org{}}
	err := queryIn(ctx, q, `SELECT `+orgColumns+` FROM party_orgs o WHERE o.id IN (`, dedupe(orgIDs), func(rows *sql.Rows) error {
		o, err := scanOrg(rows)
		if err == nil {
			r.orgs[o.ID] = o
		}
		return err
	})
	if err != nil {
		return r, err
	}
	residentIDs = dedupe(residentIDs)
	if r.residents, err = idsIn(ctx, q, `SELECT id FROM residents WHERE id IN (`, residentIDs); err != nil {
		return r, err
	}
	if r.enrolled, err = idsIn(ctx, q, `SELECT resident_id FROM party_members WHERE resident_id IN (`, residentIDs); err != nil {
		return r, err
	}
	if r.users, err = idsIn(ctx, q, `SELECT id FROM users WHERE id IN (`, dedupe(userIDs)); err != nil {
		return r, err
	}
	r.regions, err = idsIn(ctx, q, `SELECT id FROM regions WHERE id IN (`, dedupe(regionIDs))
	return r, err
}

// dedupe returns ids without repeats, in first-seen order.
func dedupe(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// checkMember validates a new member against refs and returns its
// normalised name, or every bad field: org_id first, then name, category,
// joined_on, resident_id (Conflict when the resident is a member already),
// user_id and reported_region_id. When the organisation exists but the
// actor may not write to it, denied is the error to report instead
// (Forbidden, or NotFound when the actor may not even read it).
func checkMember(ctx context.Context, in MemberInput, refs memberRefs, today time.Time) (name string, errs apperr.List, denied error) {
	if o, ok := refs.orgs[in.OrgID]; !ok {
		errs = append(errs, apperr.Invalidf("org_id", "党组织%d不存在", "party organisation %d does not exist", in.OrgID))
	} else if err := denyUnlessVisible(ctx, auth.ActPartyWrite, auth.ActPartyRead, o.resource(), whatOrg); err != nil {
		return "", nil, err
	}
	name, err := validateName(in.Name)
	if err != nil {
		errs = append(errs, apperr.As(err))
	}
	if !in.Category.Valid() {
		errs = append(errs, apperr.Invalidf("category", "党员类别“%s”无效，应为在职、离退休或流动", "member category %q is not valid: use in_service, retired or mobile", in.Category))
	}
	if !in.JoinedOn.IsZero() {
		if d := dateOnly(in.JoinedOn); d.After(dateOnly(today)) || d.Year() < 1921 {
			errs = append(errs, apperr.Invalidf("joined_on", "入党日期%s不合理", "joining date %s is not plausible", d.Format(time.DateOnly)))
		}
	}
	switch {
	case in.ResidentID == 0:
	case !refs.residents[in.ResidentID]:
		errs = append(errs, apperr.Invalidf("resident_id", "居民%d不存在", "resident %d does not exist", in.ResidentID))
	case refs.enrolled[in.ResidentID]:
		errs = append(errs, apperr.Conflictf("resident_id", "该居民已是党员，组织关系在其他党组织", "this resident is already a member of a party organisation"))
	}
	if in.UserID != 0 && !refs.users[in.UserID] {
		errs = append(errs, apperr.Invalidf("user_id", "用户%d不存在", "user %d does not exist", in.UserID))
	}
	if in.ReportedRegionID != 0 && !refs.regions[in.ReportedRegionID] {
		errs = append(errs, apperr.Invalidf("reported_region_id", "区域%d不存在", "region %d does not exist", in.ReportedRegionID))
	}
	return name, errs, nil
}

// newMember is a checked member ready to insert.
type newMember struct {
	in   MemberInput
	name string
}

// membersInsert writes party members, 7 arguments a row.
var membersInsert = multiInsert{
	head: `INSERT INTO party_members (org_id, resident_id, user_id, name, category, joined_on,
		reported_region_id, created_at) VALUES `,
	width: 7, nowCols: 1,
}

// insertMembers inserts ms, marks their residents party members and
// returns the members' ids in the order of ms.
func insertMembers(ctx context.Context, tx *sqldb.Tx, ms []newMember) ([]int64, error) {
	ids, err := membersInsert.run(ctx, tx, len(ms), func(args []any, i int) []any {
		in := &ms[i].in
		return append(args, in.OrgID, nullID(in.ResidentID), nullID(in.UserID), ms[i].name, string(in.Category),
			nullDate(dateOnlyOrZero(in.JoinedOn)), nullID(in.ReportedRegionID))
	})
	if err != nil {
		return nil, err
	}
	var residents []int64
	for _, m := range ms {
		if m.in.ResidentID != 0 {
			residents = append(residents, m.in.ResidentID)
		}
	}
	for start := 0; start < len(residents); start += inChunk {
		var w sqldb.Where
		now := w.Arg(tx.Now)
		list := sqldb.ArgList(&w, residents[start:min(start+inChunk, len(residents))])
		if _, err := tx.Exec(ctx, `UPDATE residents SET party_member = TRUE, updated_at = `+now+` WHERE id IN (`+list+`)`, w.Args()...); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// ImportMembers enrols a batch of party members inside tx, for loaders and
// imports: it checks every member as CreateMember does (the organisation,
// name, category, joining date, the linked resident — who may also appear
// only once in the batch —, user and reported region), then inserts the
// good ones in a few multi-row statements and marks their residents party
// members. It returns one RowError per bad member, in order, with Row the
// member's 1-based position in ins and Sheet "party_members"; a member of
// an organisation the actor may not write to is bad on "org_id"
// (Forbidden, or NotFound when the actor may not read it either).
//
// Nothing it does makes tx fail on a constraint: every constraint is
// checked first, so the caller may commit the good members or roll
// everything back. err is only for failures of the database itself.
//
// The actor needs party.write over each member's organisation.
func (s *Service) ImportMembers(ctx context.Context, tx *sqldb.Tx, ins []MemberInput) (created int, bad []apperr.RowError, err error) {
	if _, err := partyScoped(ctx, auth.ActPartyWrite); err != nil {
		return 0, nil, err
	}
	refs, err := loadMemberRefs(ctx, tx, ins)
	if err != nil {
		return 0, nil, fmt.Errorf("people: import party members: %w", err)
	}
	rowErr := func(i int, e *apperr.Error) {
		bad = append(bad, apperr.RowError{Sheet: "party_members", Row: i + 1, Err: e})
	}
	good := make([]newMember, 0, len(ins))
	firstRow := make(map[int64]int) // resident id → first row enrolling them
	for i, in := range ins {
		name, errs, denied := checkMember(ctx, in, refs, tx.Now)
		if denied != nil {
			e := *apperr.As(denied)
			e.Field = "org_id"
			rowErr(i, &e)
			continue
		}
		if len(errs) > 0 {
			rowErr(i, errs[0])
			continue
		}
		if in.ResidentID != 0 {
			if first, ok := firstRow[in.ResidentID]; ok {
				rowErr(i, apperr.Conflictf("resident_id", "该居民与第%d行重复", "the resident repeats row %d", first))
				continue
			}
			firstRow[in.ResidentID] = i + 1
		}
		good = append(good, newMember{in: in, name: name})
	}
	if _, err := insertMembers(ctx, tx, good); err != nil {
		return 0, nil, fmt.Errorf("people: import party members: %w", err)
	}
	return len(good), bad, nil
}
