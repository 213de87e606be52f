package people

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// partyPaths are the subtrees an actor may act on in party matters: party
// scopes cover organisations by their path, region scopes by their region.
type partyPaths struct {
	region, party []string
	all           bool
}

// partyScoped returns the actor's party and region paths for act, or
// Unauthenticated/Forbidden when it may act nowhere.
func partyScoped(ctx context.Context, act auth.Action) (partyPaths, error) {
	a, ok := auth.ActorFrom(ctx)
	if !ok {
		return partyPaths{}, apperr.ErrUnauthenticated()
	}
	var p partyPaths
	p.region, p.all = a.Paths(act, auth.ScopeRegion)
	p.party, _ = a.Paths(act, auth.ScopeParty)
	if !p.all && len(p.region) == 0 && len(p.party) == 0 {
		return partyPaths{}, apperr.ErrForbidden()
	}
	return p, nil
}

// orgScope adds to w "the organisation aliased o is in the actor's scope".
func orgScope(w *sqldb.Where, p partyPaths) {
	if p.all {
		return
	}
	var parts []string
	if len(p.party) > 0 {
		parts = append(parts, w.SubtreeCond("o.path", p.party))
	}
	if len(p.region) > 0 {
		parts = append(parts, w.SubtreeCond("o.region_path", p.region))
	}
	w.Add("(" + strings.Join(parts, " OR ") + ")")
}

func (o *Org) resource() auth.Resource {
	return auth.Resource{PartyPath: o.Path, RegionPath: o.RegionPath}
}

const orgColumns = `o.id, o.parent_id, o.kind, o.name, o.path, o.region_id, o.region_path, o.building_id, o.sector, o.sector_name, o.secretary, o.created_at`

func scanOrg(sc sqldb.Scanner) (*Org, error) {
	var o Org
	var parent, region, building sql.NullInt64
	var regionPath sql.NullString
	if err := sc.Scan(&o.ID, &parent, &o.Kind, &o.Name, &o.Path, &region, &regionPath, &building, &o.Sector,
		&o.SectorName, &o.Secretary, &o.CreatedAt); err != nil {
		return nil, sqldb.Translate(err)
	}
	o.ParentID, o.RegionID, o.BuildingID, o.RegionPath = parent.Int64, region.Int64, building.Int64, regionPath.String
	o.CreatedAt = o.CreatedAt.UTC()
	return &o, nil
}

func loadOrg(ctx context.Context, q sqldb.Querier, id int64) (*Org, error) {
	o, err := scanOrg(q.QueryRow(ctx, `SELECT `+orgColumns+` FROM party_orgs o WHERE o.id = $1`, id))
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.NotFoundf("党组织%d不存在", "party organisation %d not found", id)
	}
	return o, err
}

// CreateOrg sets up a party organisation under in.ParentID (0 for a root
// committee). The kind must fit under the parent's (Invalid on "kind"). The
// actor needs party.write over the parent and, when the organisation is
// tied to a region or building, over that place too, by either a party
// scope covering the parent or a region scope covering the place; a root
// needs a region scope over its region (or the system).
func (s *Service) CreateOrg(ctx context.Context, in OrgInput) (*Org, error) {
	if _, err := partyScoped(ctx, auth.ActPartyWrite); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		id, err = createOrg(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("people: create party organisation %q: %w", in.Name, err)
	}
	return s.FindOrgByID(ctx, id)
}

// CreateOrgTx is CreateOrg inside the caller's transaction, for loading
// many organisations at once; the organisation is read back inside tx.
// Bad input writes nothing and leaves tx usable: every check is made
// before the insert.
func (s *Service) CreateOrgTx(ctx context.Context, tx *sqldb.Tx, in OrgInput) (*Org, error) {
	if _, err := partyScoped(ctx, auth.ActPartyWrite); err != nil {
		return nil, err
	}
	id, err := createOrg(ctx, tx, in)
	if err == nil {
		var o *Org
		if o, err = loadOrg(ctx, tx, id); err == nil {
			return o, nil
		}
	}
	return nil, fmt.Errorf("people: create party organisation %q: %w", in.Name, err)
}

// createOrg checks in and the actor's right to it and inserts the
// organisation, returning its id.
func createOrg(ctx context.Context, tx *sqldb.Tx, in OrgInput) (int64, error) {
	var errs apperr.List
	name, err := validateOrgName(in.Name)
	if err != nil {
		errs = append(errs, apperr.As(err))
	}
	if !in.Kind.Valid() {
		errs = append(errs, apperr.Invalidf("kind", "党组织类型“%s”无效，应为党委、党总支、党支部或党小组", "organisation kind %q is not valid: use committee, general_branch, branch or group", in.Kind))
	}
	if in.Sector == "" {
		in.Sector = SectorRegion
	}
	if !in.Sector.Valid() {
		errs = append(errs, apperr.Invalidf("sector", "领域“%s”无效，应为区域、非公企业、社会组织或行业", "sector %q is not valid: use region, enterprise, social_org or industry", in.Sector))
	}
	in.SectorName, in.Secretary = strings.TrimSpace(in.SectorName), strings.TrimSpace(in.Secretary)
	var parent *Org
	if in.ParentID != 0 {
		p, err := loadOrg(ctx, tx, in.ParentID)
		switch {
		case apperr.CodeOf(err) == apperr.NotFound:
			errs = append(errs, apperr.Invalidf("parent_id", "上级党组织%d不存在", "parent organisation %d does not exist", in.ParentID))
		case err != nil:
			return 0, err
		default:
			parent = p
		}
	}
	if in.Kind.Valid() && (in.ParentID == 0 || parent != nil) {
		var pk OrgKind
		if parent != nil {
			pk = parent.Kind
		}
		if !in.Kind.CanBeUnder(pk) {
			errs = append(errs, errKindNesting(in.Kind, pk))
		}
	}
	regionID, ownPath := in.RegionID, ""
	if in.RegionID != 0 {
		p, err := regionPath(ctx, tx, in.RegionID)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				return 0, err
			}
			errs = append(errs, apperr.As(err))
		}
		ownPath = p
	}
	if in.BuildingID != 0 {
		var gridID int64
		var bpath string
		err := tx.QueryRow(ctx, `SELECT grid_id, region_path FROM buildings WHERE id = $1`, in.BuildingID).Scan(&gridID, &bpath)
		switch {
		case apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound:
			errs = append(errs, apperr.Invalidf("building_id", "楼栋%d不存在", "building %d does not exist", in.BuildingID))
		case err != nil:
			return 0, sqldb.Translate(err)
		case in.RegionID == 0:
			regionID, ownPath = gridID, bpath
		case ownPath != "" && !strings.HasPrefix(bpath, ownPath):
			errs = append(errs, apperr.Invalidf("building_id", "楼栋%d不在所选区域内", "building %d is not in the chosen region", in.BuildingID))
		}
	}
	if len(errs) > 0 {
		return 0, errs
	}
	// The organisation's region for scoping: its own, else its parent's.
	effective := ownPath
	if effective == "" && parent != nil {
		effective = parent.RegionPath
	}
	if parent != nil {
		if err := denyUnlessVisible(ctx, auth.ActPartyWrite, auth.ActPartyRead, parent.resource(), whatOrg); err != nil {
			return 0, err
		}
	}
	if ownPath != "" || parent == nil {
		res := auth.Resource{RegionPath: ownPath}
		if parent != nil {
			res.PartyPath = parent.Path
		}
		if err := auth.Check(ctx, auth.ActPartyWrite, res); err != nil {
			return 0, err
		}
	}
	id, err := tx.InsertID(ctx, `INSERT INTO party_orgs (parent_id, kind, name, path, region_id, region_path, building_id,
		sector, sector_name, secretary, created_at) VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		nullID(in.ParentID), string(in.Kind), name, nullID(regionID), sql.NullString{String: effective, Valid: effective != ""},
		nullID(in.BuildingID), string(in.Sector), in.SectorName, in.Secretary, tx.Now)
	if err != nil {
		return 0, err
	}
	path := "/" + strconv.FormatInt(id, 10) + "/"
	if parent != nil {
		path = parent.Path + path[1:]
	}
	if _, err := tx.Exec(ctx, `UPDATE party_orgs SET path = $1 WHERE id = $2`, path, id); err != nil {
		return 0, err
	}
	return id, nil
}

func errKindNesting(k, parent OrgKind) *apperr.Error {
	if parent == "" {
		return apperr.New(apperr.Invalid, "kind", k.Label().ZH+"必须设在上级党组织之下", "a "+k.Label().EN+" needs a parent organisation")
	}
	var zh, en []string
	for _, p := range allowedParents[k] {
		if p != "" {
			zh, en = append(zh, p.Label().ZH), append(en, p.Label().EN)
		}
	}
	return apperr.New(apperr.Invalid, "kind",
		fmt.Sprintf("%s不能设在%s之下，只能设在%s之下", k.Label().ZH, parent.Label().ZH, strings.Join(zh, "或")),
		fmt.Sprintf("a %s cannot sit under a %s, only under a %s", k.Label().EN, parent.Label().EN, strings.Join(en, " or ")))
}

// FindOrgByID returns a party organisation the actor may read (party.read
// by a party scope over it or a region scope over its region); any other is
// NotFound.
func (s *Service) FindOrgByID(ctx context.Context, id int64) (*Org, error) {
	if _, err := partyScoped(ctx, auth.ActPartyRead); err != nil {
		return nil, err
	}
	o, err := loadOrg(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("people: find party organisation %d: %w", id, err)
	}
	if err := denyUnlessVisible(ctx, auth.ActPartyRead, auth.ActPartyRead, o.resource(), whatOrg); err != nil {
		return nil, fmt.Errorf("people: find party organisation %d: %w", id, err)
	}
	return o, nil
}

// FindOrgs returns one page of the organisations matching f that the actor
// may read, in tree order (by path), and the total count.
func (s *Service) FindOrgs(ctx context.Context, f OrgFilter) ([]*Org, int, error) {
	p, err := partyScoped(ctx, auth.ActPartyRead)
	if err != nil {
		return nil, 0, err
	}
	var w sqldb.Where
	orgScope(&w, p)
	if f.UnderID != nil {
		path, err := orgPath(ctx, s.db, *f.UnderID)
		if err != nil {
			return nil, 0, fmt.Errorf("people: find party organisations: %w", err)
		}
		w.Subtree("o.path", []string{path})
	}
	if f.ParentID != nil {
		w.Add("o.parent_id = " + w.Arg(*f.ParentID))
	}
	if f.Kind != nil {
		w.Add("o.kind = " + w.Arg(string(*f.Kind)))
	}
	if f.RegionID != nil {
		path, err := regionPath(ctx, s.db, *f.RegionID)
		if err != nil {
			return nil, 0, fmt.Errorf("people: find party organisations: %w", err)
		}
		w.Subtree("o.region_path", []string{path})
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM party_orgs o`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("people: count party organisations: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT `+orgColumns+` FROM party_orgs o`+w.String()+` ORDER BY o.path LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("people: find party organisations: %w", err)
	}
	defer rows.Close()
	var out []*Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("people: find party organisations: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("people: find party organisations: %w", err)
	}
	return out, total, nil
}

// OrgPathOf returns the materialised path of a party organisation, for
// resolving a party scope when a role is granted or a session loaded. It
// does no authorisation: auth calls it before any actor exists, and a path
// of ids tells nothing about the organisation. NotFound if there is none.
func (s *Service) OrgPathOf(ctx context.Context, id int64) (string, error) {
	p, err := orgPath(ctx, s.db, id)
	if err != nil {
		return "", fmt.Errorf("people: path of party organisation %d: %w", id, err)
	}
	return p, nil
}

func orgPath(ctx context.Context, q sqldb.Querier, id int64) (string, error) {
	var p string
	err := q.QueryRow(ctx, `SELECT path FROM party_orgs WHERE id = $1`, id).Scan(&p)
	if err != nil {
		if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
			return "", apperr.NotFoundf("党组织%d不存在", "party organisation %d not found", id)
		}
		return "", sqldb.Translate(err)
	}
	return p, nil
}

// CreateMember adds a party member to an organisation; the actor needs
// party.write over the organisation. A linked resident may belong to one
// organisation only (Conflict on "resident_id") and is marked a party
// member. Bad fields come back together as an apperr.List (org_id first);
// a lone conflict comes back alone.
func (s *Service) CreateMember(ctx context.Context, in MemberInput) (*Member, error) {
	if _, err := partyScoped(ctx, auth.ActPartyWrite); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		refs, err := loadMemberRefs(ctx, tx, []MemberInput{in})
		if err != nil {
			return err
		}
		name, errs, denied := checkMember(ctx, in, refs, tx.Now)
		switch {
		case denied != nil:
			return denied
		case len(errs) == 1 && errs[0].Code == apperr.Conflict:
			return errs[0]
		case len(errs) > 0:
			return errs
		}
		ids, err := insertMembers(ctx, tx, []newMember{{in: in, name: name}})
		if err != nil {
			return err
		}
		id = ids[0]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("people: create party member %q: %w", in.Name, err)
	}
	ms, _, err := s.FindMembers(ctx, MemberFilter{OrgID: &in.OrgID, memberID: id})
	if err != nil {
		return nil, err
	}
	if len(ms) != 1 {
		return nil, fmt.Errorf("people: create party member %q: not readable after insert", in.Name)
	}
	return ms[0], nil
}

func dateOnlyOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return dateOnly(t)
}

// FindMembers returns one page of the members matching f of the
// organisations the actor may read (party.read), by id, and the total count.
func (s *Service) FindMembers(ctx context.Context, f MemberFilter) ([]*Member, int, error) {
	p, err := partyScoped(ctx, auth.ActPartyRead)
	if err != nil {
		return nil, 0, err
	}
	var w sqldb.Where
	orgScope(&w, p)
	if f.memberID != 0 {
		w.Add("m.id = " + w.Arg(f.memberID))
	}
	if f.OrgID != nil {
		w.Add("m.org_id = " + w.Arg(*f.OrgID))
	}
	if f.UnderOrgID != nil {
		path, err := orgPath(ctx, s.db, *f.UnderOrgID)
		if err != nil {
			return nil, 0, fmt.Errorf("people: find party members: %w", err)
		}
		w.Subtree("o.path", []string{path})
	}
	if f.Category != nil {
		w.Add("m.category = " + w.Arg(string(*f.Category)))
	}
	if f.ReportedRegionID != nil {
		w.Add("m.reported_region_id = " + w.Arg(*f.ReportedRegionID))
	}
	if f.NameContains != "" {
		w.Add(`m.name LIKE ` + w.Arg(sqldb.LikeContains(f.NameContains)) + ` ESCAPE '\'`)
	}
	from := ` FROM party_members m JOIN party_orgs o ON o.id = m.org_id`
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*)`+from+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("people: count party members: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT m.id, m.org_id, m.resident_id, m.user_id, m.name, m.category, m.joined_on,
		m.reported_region_id, m.created_at`+from+w.String()+` ORDER BY m.id LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("people: find party members: %w", err)
	}
	defer rows.Close()
	var out []*Member
	for rows.Next() {
		var m Member
		var resident, user, reported sql.NullInt64
		var joined sql.NullTime
		if err := rows.Scan(&m.ID, &m.OrgID, &resident, &user, &m.Name, &m.Category, &joined, &reported, &m.CreatedAt); err != nil {
			return nil, 0, fmt.Errorf("people: find party members: %w", err)
		}
		m.ResidentID, m.UserID, m.ReportedRegionID, m.CreatedAt = resident.Int64, user.Int64, reported.Int64, m.CreatedAt.UTC()
		if joined.Valid {
			m.JoinedOn = dateOnly(joined.Time)
		}
		out = append(out, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("people: find party members: %w", err)
	}
	return out, total, nil
}

// Coverage counts the grids in a region's subtree and those with a branch
// (党支部) tied to them: the party-organisation coverage rate. The actor
// needs party.read at the region.
func (s *Service) Coverage(ctx context.Context, regionID int64) (Coverage, error) {
	if _, err := partyScoped(ctx, auth.ActPartyRead); err != nil {
		return Coverage{}, err
	}
	path, err := regionPath(ctx, s.db, regionID)
	if err != nil {
		return Coverage{}, fmt.Errorf("people: coverage of region %d: %w", regionID, err)
	}
	if err := denyUnlessVisible(ctx, auth.ActPartyRead, auth.ActRegionRead, auth.Resource{RegionPath: path}, whatRegion); err != nil {
		return Coverage{}, fmt.Errorf("people: coverage of region %d: %w", regionID, err)
	}
	c := Coverage{RegionID: regionID}
	err = s.db.QueryRow(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN EXISTS (
			SELECT 1 FROM party_orgs o WHERE o.region_id = g.id AND o.kind = 'branch') THEN 1 ELSE 0 END), 0)
		FROM regions g WHERE g.level = 'grid' AND g.path >= $1 AND g.path < $2`, path, sqldb.PathUpperBound(path)).Scan(&c.Grids, &c.Covered)
	if err != nil {
		return Coverage{}, fmt.Errorf("people: coverage of region %d: %w", regionID, sqldb.Translate(err))
	}
	if c.Grids > 0 {
		c.Rate = float64(c.Covered) / float64(c.Grids)
	}
	return c, nil
}
