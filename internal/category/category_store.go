package category

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// categoryCols are the columns scanCategory reads, in order.
const categoryCols = `code, parent_code, kind, name_zh, name_en, filing_condition_zh, closing_condition_zh, department_zh,
	handle_limit, urgent_limit, source, local, active, icon, edited_at, created_at, updated_at`

func scanCategory(sc sqldb.Scanner) (*Category, error) {
	var c Category
	var parent, handle, urgent sql.NullString
	var edited sql.NullTime
	err := sc.Scan(&c.Code, &parent, &c.Kind, &c.NameZH, &c.NameEN, &c.FilingCondition, &c.ClosingCondition, &c.DepartmentName,
		&handle, &urgent, &c.Source, &c.Local, &c.Active, &c.Icon, &edited, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	c.ParentCode = parent.String
	if c.HandleLimit, err = storedLimit(handle); err != nil {
		return nil, err
	}
	if c.UrgentLimit, err = storedLimit(urgent); err != nil {
		return nil, err
	}
	if edited.Valid {
		t := edited.Time.UTC()
		c.EditedAt = &t
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// storedLimit parses a limit column; stored limits were checked on the way
// in, so a bad one is a fault of the database, not of the user.
func storedLimit(s sql.NullString) (*calendar.Limit, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	l, err := calendar.ParseLimit(s.String)
	if err != nil {
		return nil, errors.New("category: stored limit " + s.String + " does not parse")
	}
	return &l, nil
}

// nullText stores "" as NULL.
func nullText(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// categoryByCode loads a category; NotFound when there is none.
func categoryByCode(ctx context.Context, q sqldb.Querier, code string) (*Category, error) {
	c, err := scanCategory(q.QueryRow(ctx, `SELECT `+categoryCols+` FROM categories WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("分类 %s 不存在", "category %s not found", code)
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return c, nil
}

// queryCategories runs a query returning categoryCols rows.
func queryCategories(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]*Category, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Category
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, sqldb.Translate(err)
		}
		out = append(out, c)
	}
	return out, sqldb.Translate(rows.Err())
}

// allCategories loads the whole dictionary, ordered by code.
func allCategories(ctx context.Context, q sqldb.Querier) ([]*Category, error) {
	return queryCategories(ctx, q, `SELECT `+categoryCols+` FROM categories ORDER BY code`)
}

// insertCategory writes a new row.
func insertCategory(ctx context.Context, tx *sqldb.Tx, c *Category) error {
	_, err := tx.Exec(ctx, `INSERT INTO categories (`+categoryCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		c.Code, nullText(c.ParentCode), c.Kind, c.NameZH, c.NameEN, c.FilingCondition, c.ClosingCondition, c.DepartmentName,
		nullText(limitText(c.HandleLimit)), nullText(limitText(c.UrgentLimit)), c.Source, c.Local, c.Active, c.Icon,
		c.EditedAt, c.CreatedAt, c.UpdatedAt)
	return err
}

// updateCategory rewrites a row's values (the code and created_at stay).
func updateCategory(ctx context.Context, tx *sqldb.Tx, c *Category) error {
	_, err := tx.Exec(ctx, `UPDATE categories SET parent_code = $2, kind = $3, name_zh = $4, name_en = $5,
		filing_condition_zh = $6, closing_condition_zh = $7, department_zh = $8, handle_limit = $9, urgent_limit = $10,
		source = $11, local = $12, active = $13, icon = $14, edited_at = $15, updated_at = $16 WHERE code = $1`,
		c.Code, nullText(c.ParentCode), c.Kind, c.NameZH, c.NameEN, c.FilingCondition, c.ClosingCondition, c.DepartmentName,
		nullText(limitText(c.HandleLimit)), nullText(limitText(c.UrgentLimit)), c.Source, c.Local, c.Active, c.Icon,
		c.EditedAt, c.UpdatedAt)
	return err
}
