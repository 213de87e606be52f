package category

import (
	"context"
	"fmt"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// lookupCode normalises a code given to a lookup; field names the input
// (Invalid on it when the code is empty or malformed).
func lookupCode(field, code string) (string, error) {
	c := normCode(code)
	if e := checkCode(field, c); e != nil {
		return "", e
	}
	return c, nil
}

// FindCategoryByCode returns a category, retired or not: Invalid on field
// "category" for an empty or malformed code, NotFound for an unknown one.
// Like LimitFor it checks no permission: the dictionary is published
// reference data that every intake needs (an anonymous resident's report
// included) and it reveals nothing of any region.
func (s *Service) FindCategoryByCode(ctx context.Context, code string) (*Category, error) {
	c, err := lookupCode("category", code)
	if err != nil {
		return nil, fmt.Errorf("category: find %q: %w", code, err)
	}
	_, chain, err := s.chain(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("category: find %s: %w", c, err)
	}
	return chain[0].clone(), nil
}

// FindCategories lists the categories matching f, ordered by code, with
// the total count before paging. It checks no permission, like
// FindCategoryByCode: the pickers of the public report page need it.
func (s *Service) FindCategories(ctx context.Context, f CategoryFilter) ([]*Category, int, error) {
	w := &sqldb.Where{}
	if f.Kind != nil {
		w.Add("kind = " + w.Arg(*f.Kind))
	}
	if f.ParentCode != nil {
		if p := normCode(*f.ParentCode); p == "" {
			w.Add("parent_code IS NULL")
		} else {
			w.Add("parent_code = " + w.Arg(p))
		}
	}
	if f.Active != nil {
		w.Add("active = " + w.Arg(*f.Active))
	}
	if f.Local != nil {
		w.Add("local = " + w.Arg(*f.Local))
	}
	if f.Search != nil && strings.TrimSpace(*f.Search) != "" {
		p := w.Arg(sqldb.LikeContains(strings.ToLower(strings.TrimSpace(*f.Search))))
		w.Add(fmt.Sprintf(`(lower(code) LIKE %[1]s ESCAPE '\' OR name_zh LIKE %[1]s ESCAPE '\' OR lower(name_en) LIKE %[1]s ESCAPE '\')`, p))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM categories`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("category: count categories: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	q := `SELECT ` + categoryCols + ` FROM categories` + w.String() + ` ORDER BY code LIMIT ` + w.Arg(limit) + ` OFFSET ` + w.Arg(offset)
	cs, err := queryCategories(ctx, s.db, q, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("category: find categories: %w", err)
	}
	return cs, total, nil
}

// CreateCategory adds a category to the dictionary. Every bad field is
// reported (an apperr.List when there are several); a taken code is a
// Conflict on field "code". Needs the system or region.write at a county.
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (*Category, error) {
	var c *Category
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if err := checkDictionaryWrite(ctx, tx); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		stored, err := allCategories(ctx, tx)
		if err != nil {
			return err
		}
		d := newDict(stored)
		var errs apperr.List
		c, errs = build(in, s.seed.std)
		if len(errs) > 0 {
			return oneOrList(errs)
		}
		if d.byCode[c.Code] != nil {
			return apperr.Conflictf(fCode, "分类代码 %s 已存在", "category code %s already exists", c.Code)
		}
		d.put(c)
		if errs := d.checkTree(c); len(errs) > 0 {
			return oneOrList(errs)
		}
		now := tx.Now
		c.EditedAt, c.CreatedAt, c.UpdatedAt = &now, now, now
		return insertCategory(ctx, tx, c)
	})
	if err != nil {
		return nil, fmt.Errorf("category: create %s: %w", normCode(in.Code), err)
	}
	return c, nil
}

// UpdateCategory changes a category (see CategoryUpdate) and marks it
// edited, so that re-seeding leaves it alone. Retiring (Active false) needs
// the sub-categories retired first; an active row needs an active parent.
// Needs the system or region.write at a county.
func (s *Service) UpdateCategory(ctx context.Context, code string, upd CategoryUpdate) (*Category, error) {
	var c *Category
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if err := checkDictionaryWrite(ctx, tx); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		var err error
		c, err = s.updateCategory(ctx, tx, normCode(code), upd)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("category: update %s: %w", normCode(code), err)
	}
	return c, nil
}

func (s *Service) updateCategory(ctx context.Context, tx *sqldb.Tx, code string, upd CategoryUpdate) (*Category, error) {
	stored, err := allCategories(ctx, tx)
	if err != nil {
		return nil, err
	}
	d := newDict(stored)
	old := d.byCode[code]
	if old == nil {
		return nil, apperr.NotFoundf("分类 %s 不存在", "category %s not found", code)
	}
	in := inputOf(old)
	for _, f := range []struct {
		src *string
		dst *string
	}{{upd.ParentCode, &in.ParentCode}, {upd.NameZH, &in.NameZH}, {upd.NameEN, &in.NameEN},
		{upd.FilingCondition, &in.FilingCondition}, {upd.ClosingCondition, &in.ClosingCondition},
		{upd.DepartmentName, &in.DepartmentName}, {upd.HandleLimit, &in.HandleLimit}, {upd.UrgentLimit, &in.UrgentLimit},
		{upd.Source, &in.Source}, {upd.Icon, &in.Icon}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	c, errs := build(in, s.seed.std)
	c.Active = old.Active
	if upd.Active != nil {
		c.Active = *upd.Active
	}
	if len(errs) > 0 {
		return nil, oneOrList(errs)
	}
	if c.same(old) {
		return old, nil
	}
	d.put(c)
	if errs := d.checkTree(c); len(errs) > 0 {
		return nil, oneOrList(errs)
	}
	now := tx.Now
	c.EditedAt, c.CreatedAt, c.UpdatedAt = &now, old.CreatedAt, now
	if err := updateCategory(ctx, tx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteCategory removes a category that nothing uses, or retires it
// (Active false) when it cannot go: it comes from the built-in seed (which
// would bring it back), or sub-categories, policies or cases reference it.
// retired says which happened. Retiring needs the sub-categories retired
// first. Needs the system or region.write at a county.
func (s *Service) DeleteCategory(ctx context.Context, code string) (retired bool, err error) {
	code = normCode(code)
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		retired = false
		if err := checkDictionaryWrite(ctx, tx); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		if _, err := categoryByCode(ctx, tx, code); err != nil {
			return err
		}
		if !s.seed.codes[code] {
			// A savepoint lets the transaction go on when a reference (a
			// foreign key of any table, including ones added later) refuses
			// the delete.
			if _, err := tx.Exec(ctx, `SAVEPOINT delete_category`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DELETE FROM categories WHERE code = $1`, code)
			if err == nil {
				_, err = tx.Exec(ctx, `RELEASE SAVEPOINT delete_category`)
				return err
			}
			if apperr.CodeOf(err) != apperr.Invalid {
				return err
			}
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT delete_category`); err != nil {
				return err
			}
		}
		retired = true
		_, err := s.updateCategory(ctx, tx, code, CategoryUpdate{Active: new(false)})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("category: delete %s: %w", code, err)
	}
	return retired, nil
}

// oneOrList returns a single error as itself and several as the List.
func oneOrList(errs apperr.List) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errs
}
