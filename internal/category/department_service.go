package category

import (
	"context"
	"fmt"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// visible adds to w the condition that a department is one the actor may
// see with region.read at paths: registered inside one of its scopes, or
// above one (a district's heating company serves every grid of the
// district, so the grid's staff see it).
func visible(w *sqldb.Where, paths []string, all bool) {
	if all {
		return
	}
	cond := w.SubtreeCond("region_path", paths)
	var above []string
	for _, p := range paths {
		for _, a := range ancestorsOf(p) {
			above = append(above, w.Arg(a))
		}
	}
	if len(above) > 0 {
		cond = "(" + cond + " OR region_path IN (" + strings.Join(above, ", ") + "))"
	}
	w.Add(cond)
}

// canSee reports whether a department at path is visible with paths (see visible).
func canSee(path string, paths []string) bool {
	for _, p := range paths {
		if strings.HasPrefix(path, p) || strings.HasPrefix(p, path) {
			return true
		}
	}
	return false
}

// regionPath returns a region's materialised path; Invalid on field when
// there is no such region.
func regionPath(ctx context.Context, q sqldb.Querier, field string, id int64) (string, error) {
	var p string
	err := q.QueryRow(ctx, `SELECT path FROM regions WHERE id = $1`, id).Scan(&p)
	if err != nil {
		if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
			return "", apperr.Invalidf(field, "区域 %d 不存在", "region %d does not exist", id)
		}
		return "", sqldb.Translate(err)
	}
	return p, nil
}

// CreateDepartment registers a department at a region. Invalid on "name",
// "kind", "phone" or "region_id"; Conflict on "name" when the region has a
// department of that name. Needs region.write at the region.
func (s *Service) CreateDepartment(ctx context.Context, in DepartmentInput) (*Department, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionWrite); err != nil {
		return nil, fmt.Errorf("category: create department: %w", err)
	}
	var d *Department
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		path, err := regionPath(ctx, tx, "region_id", in.RegionID)
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActRegionWrite, auth.Resource{RegionPath: path}); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		name, kind, phone, err := checkDepartment(in.Name, in.Kind, in.Phone)
		if err != nil {
			return err
		}
		if err := nameFree(ctx, tx, in.RegionID, name, 0); err != nil {
			return err
		}
		d = &Department{Name: name, Kind: kind, RegionID: in.RegionID, RegionPath: path, Phone: phone, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		d.ID, err = tx.InsertID(ctx, `INSERT INTO departments (name, kind, region_id, region_path, phone, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, name, kind, in.RegionID, path, phone, tx.Now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("category: create department %q: %w", strings.TrimSpace(in.Name), err)
	}
	return d, nil
}

// nameFree returns a Conflict when another department (not id) of the
// region has the name.
func nameFree(ctx context.Context, q sqldb.Querier, regionID int64, name string, id int64) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM departments WHERE region_id = $1 AND name = $2 AND id <> $3`, regionID, name, id).Scan(&n); err != nil {
		return sqldb.Translate(err)
	}
	if n > 0 {
		return apperr.Conflictf("name", "该区域已有名为“%s”的部门", "the region already has a department named %q", name)
	}
	return nil
}

// UpdateDepartment changes a department's name, kind or phone. Needs
// region.write at its region.
func (s *Service) UpdateDepartment(ctx context.Context, id int64, upd DepartmentUpdate) (*Department, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionWrite); err != nil {
		return nil, fmt.Errorf("category: update department %d: %w", id, err)
	}
	var d *Department
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		if d, err = departmentByID(ctx, tx, id); err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActRegionWrite, auth.Resource{RegionPath: d.RegionPath}); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		name, kind, phone := d.Name, d.Kind, d.Phone
		if upd.Name != nil {
			name = *upd.Name
		}
		if upd.Kind != nil {
			kind = *upd.Kind
		}
		if upd.Phone != nil {
			phone = *upd.Phone
		}
		if name, kind, phone, err = checkDepartment(name, kind, phone); err != nil {
			return err
		}
		if err := nameFree(ctx, tx, d.RegionID, name, d.ID); err != nil {
			return err
		}
		d.Name, d.Kind, d.Phone, d.UpdatedAt = name, kind, phone, tx.Now
		_, err = tx.Exec(ctx, `UPDATE departments SET name = $1, kind = $2, phone = $3, updated_at = $4 WHERE id = $5`,
			name, kind, phone, tx.Now, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("category: update department %d: %w", id, err)
	}
	return d, nil
}

// DeleteDepartment removes a department and its memberships; Conflict
// while cases (or anything else) still reference it. Needs region.write at
// its region.
func (s *Service) DeleteDepartment(ctx context.Context, id int64) error {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionWrite); err != nil {
		return fmt.Errorf("category: delete department %d: %w", id, err)
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		d, err := departmentByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActRegionWrite, auth.Resource{RegionPath: d.RegionPath}); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		_, err = tx.Exec(ctx, `DELETE FROM departments WHERE id = $1`, id)
		if apperr.CodeOf(err) == apperr.Invalid {
			return apperr.Wrap(err, apperr.Conflict, "", "该部门仍被案件等记录引用，不能删除", "the department is still referenced (by cases or other records) and cannot be deleted")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("category: delete department %d: %w", id, err)
	}
	return nil
}

// FindDepartmentByID returns a department the actor may see: with
// region.read inside or below its region (see visible), or as a member.
func (s *Service) FindDepartmentByID(ctx context.Context, id int64) (*Department, error) {
	a, ok := auth.ActorFrom(ctx)
	if !ok {
		return nil, apperr.ErrUnauthenticated()
	}
	d, err := departmentByID(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("category: find department %d: %w", id, err)
	}
	paths, all := a.Paths(auth.ActRegionRead, auth.ScopeRegion)
	if all || canSee(d.RegionPath, paths) {
		return d, nil
	}
	member, err := isMember(ctx, s.db, id, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("category: find department %d: %w", id, err)
	}
	if !member {
		return nil, apperr.ErrForbidden()
	}
	return d, nil
}

func isMember(ctx context.Context, q sqldb.Querier, deptID, userID int64) (bool, error) {
	if userID == 0 {
		return false, nil
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM department_members WHERE department_id = $1 AND user_id = $2`, deptID, userID).Scan(&n); err != nil {
		return false, sqldb.Translate(err)
	}
	return n > 0, nil
}

// FindDepartments lists the departments the actor may see with
// region.read (see visible) matching f, ordered by region path and name,
// with the total count before paging.
func (s *Service) FindDepartments(ctx context.Context, f DepartmentFilter) ([]*Department, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActRegionRead)
	if err != nil {
		return nil, 0, err
	}
	w := &sqldb.Where{}
	visible(w, paths, all)
	if f.RegionID != nil {
		w.Add("region_id = " + w.Arg(*f.RegionID))
	}
	if f.Kind != nil {
		w.Add("kind = " + w.Arg(*f.Kind))
	}
	if f.NameContains != nil && strings.TrimSpace(*f.NameContains) != "" {
		w.Add(`name LIKE ` + w.Arg(sqldb.LikeContains(strings.TrimSpace(*f.NameContains))) + ` ESCAPE '\'`)
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM departments`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("category: count departments: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	ds, err := queryDepartments(ctx, s.db, `SELECT `+departmentCols+` FROM departments`+w.String()+
		` ORDER BY region_path, name, id LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("category: find departments: %w", err)
	}
	return ds, total, nil
}

// userGrants reads the grants of an account, for the check that an
// administrator adds only accounts it may see.
func userGrants(ctx context.Context, q sqldb.Querier, userID int64) ([]auth.Grant, bool, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1`, userID).Scan(&n); err != nil {
		return nil, false, sqldb.Translate(err)
	}
	if n == 0 {
		return nil, false, nil
	}
	rows, err := q.Query(ctx, `SELECT role, scope_kind, scope_id, scope_path FROM user_grants WHERE user_id = $1`, userID)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var gs []auth.Grant
	for rows.Next() {
		var g auth.Grant
		if err := rows.Scan(&g.Role, &g.Scope.Kind, &g.Scope.ID, &g.Scope.Path); err != nil {
			return nil, false, sqldb.Translate(err)
		}
		gs = append(gs, g)
	}
	return gs, true, sqldb.Translate(rows.Err())
}

// AddMember makes an account act for a department (idempotent). Needs
// region.write at the department's region and the right to see the account
// (auth.CanReadUser); Invalid on "user_id" for an unknown account.
func (s *Service) AddMember(ctx context.Context, deptID, userID int64) error {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionWrite); err != nil {
		return fmt.Errorf("category: add member %d to department %d: %w", userID, deptID, err)
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		d, err := departmentByID(ctx, tx, deptID)
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActRegionWrite, auth.Resource{RegionPath: d.RegionPath}); err != nil {
			return err
		}
		gs, found, err := userGrants(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !found {
			return apperr.Invalidf("user_id", "用户 %d 不存在", "user %d does not exist", userID)
		}
		if a, _ := auth.ActorFrom(ctx); !auth.CanReadUser(a, gs) {
			return apperr.ErrForbidden()
		}
		_, err = tx.Exec(ctx, `INSERT INTO department_members (department_id, user_id, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (department_id, user_id) DO NOTHING`, deptID, userID, tx.Now)
		return err
	})
	if err != nil {
		return fmt.Errorf("category: add member %d to department %d: %w", userID, deptID, err)
	}
	return nil
}

// RemoveMember ends an account's membership (nothing happens when it had
// none). Needs region.write at the department's region.
func (s *Service) RemoveMember(ctx context.Context, deptID, userID int64) error {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionWrite); err != nil {
		return fmt.Errorf("category: remove member %d from department %d: %w", userID, deptID, err)
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		d, err := departmentByID(ctx, tx, deptID)
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActRegionWrite, auth.Resource{RegionPath: d.RegionPath}); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM department_members WHERE department_id = $1 AND user_id = $2`, deptID, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("category: remove member %d from department %d: %w", userID, deptID, err)
	}
	return nil
}

// FindMembers returns the ids of the accounts acting for a department, in
// order, to anyone who may see the department (FindDepartmentByID).
func (s *Service) FindMembers(ctx context.Context, deptID int64) ([]int64, error) {
	if _, err := s.FindDepartmentByID(ctx, deptID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT user_id FROM department_members WHERE department_id = $1 ORDER BY user_id`, deptID)
	if err != nil {
		return nil, fmt.Errorf("category: members of department %d: %w", deptID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("category: members of department %d: %w", deptID, sqldb.Translate(err))
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("category: members of department %d: %w", deptID, sqldb.Translate(err))
	}
	return ids, nil
}

// DepartmentsOfUser returns the departments an account acts for, by
// region path and name. An actor asking about itself gets all of them;
// anyone else only those it may see with region.read (see visible).
func (s *Service) DepartmentsOfUser(ctx context.Context, userID int64) ([]*Department, error) {
	a, ok := auth.ActorFrom(ctx)
	if !ok {
		return nil, apperr.ErrUnauthenticated()
	}
	w := &sqldb.Where{}
	w.Add("id IN (SELECT department_id FROM department_members WHERE user_id = " + w.Arg(userID) + ")")
	if userID == 0 || a.UserID != userID {
		paths, all, err := auth.Scoped(ctx, auth.ActRegionRead)
		if err != nil {
			return nil, fmt.Errorf("category: departments of user %d: %w", userID, err)
		}
		visible(w, paths, all)
	}
	ds, err := queryDepartments(ctx, s.db, `SELECT `+departmentCols+` FROM departments`+w.String()+` ORDER BY region_path, name, id`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("category: departments of user %d: %w", userID, err)
	}
	return ds, nil
}

// DepartmentFor returns the department responsible for a case of category
// code at the region with path regionPath: the department named by the
// category's DepartmentName (or, when it names none or no such department
// is registered above the region, by its nearest ancestor's), registered at
// the nearest region at or above regionPath. NotFound when there is none;
// Invalid on "category" or "region_path" for malformed input.
//
// It checks no permission: routing runs for every intake, an anonymous
// resident's report included, and a department's name and office number
// are public.
func (s *Service) DepartmentFor(ctx context.Context, code string, regionPath string) (*Department, error) {
	d, err := s.departmentFor(ctx, code, regionPath)
	if err != nil {
		return nil, fmt.Errorf("category: department for %s at %s: %w", code, regionPath, err)
	}
	return d, nil
}

func (s *Service) departmentFor(ctx context.Context, code string, regionPath string) (*Department, error) {
	c, err := lookupCode("category", code)
	if err != nil {
		return nil, err
	}
	if !pathPattern.MatchString(regionPath) {
		return nil, apperr.Invalidf("region_path", "区域路径“%s”格式有误", "region path %q is malformed", regionPath)
	}
	snap, chain, err := s.chain(ctx, c)
	if err != nil {
		return nil, err
	}
	ups := ancestorsOf(regionPath)
	var first string // the nearest name, for the error
	seen := map[string]bool{}
	var best *Department
	for _, cat := range chain {
		n := cat.DepartmentName
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if first == "" {
			first = n
		}
		for _, p := range ups {
			if d := snap.depts[n][p]; d != nil {
				best = d
				break
			}
		}
		if best != nil {
			break
		}
	}
	if first == "" {
		return nil, apperr.NotFoundf("分类 %s 未指定处置部门", "category %s names no department", c)
	}
	if best == nil {
		return nil, apperr.NotFoundf("未找到分类 %s 在该区域的处置部门（%s）", "no department for category %s is registered at or above the region (%s)",
			c, first)
	}
	cp := *best
	return &cp, nil
}
