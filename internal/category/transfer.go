package category

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// ImportReport is the outcome of ImportCategories. Every bad row is in
// Errors; when there is one, nothing was written.
type ImportReport struct {
	Rows      int // data rows read (blank lines aside)
	Created   int // new codes
	Updated   int // existing codes whose values changed
	Unchanged int // rows equal to what was stored
	// Errors holds one entry per bad cell (or per bad row when no column is
	// to blame), by row then column: Row is the 1-based line of the file
	// (the header is row 1), Err.Field the column, Err.Msg the reason.
	Errors  []apperr.RowError
	Applied bool // the import committed (always, when Errors is empty)
}

// Err returns nil for an applied import and otherwise an Invalid error
// saying how many rows are bad, wrapping the first.
func (r *ImportReport) Err() error {
	if r.Applied || len(r.Errors) == 0 {
		return nil
	}
	first := r.Errors[0]
	return apperr.Wrap(first, apperr.Invalid, first.Err.Field,
		fmt.Sprintf("文件有 %d 处错误，未导入任何数据；第一处：第 %d 行 %s", len(r.Errors), first.Row, first.Err.Msg.ZH),
		fmt.Sprintf("the file has %d errors and nothing was imported; the first: row %d: %s", len(r.Errors), first.Row, first.Err.Msg.EN))
}

// errRollback makes Transact roll back an import with bad rows.
var errRollback = errors.New("category: roll back")

// ImportCategories reads a dictionary file in the CSV format Export writes
// (the seed's columns plus local, active and icon; the optional columns may
// be left out) and creates or updates one category per row, all or nothing:
// if any row is bad, nothing is written and every bad cell is reported
// (unknown parent, kind unlike the parent's, bad limit, duplicate code, a
// local code colliding with a standard one, a retired parent …). Codes the
// file does not name are left alone; a row equal to the stored one is not
// rewritten; changed rows are marked edited. The error is for a file that
// is not CSV, an actor without the right (see checkDictionaryWrite) and
// failures of the database; bad rows are in the report.
func (s *Service) ImportCategories(ctx context.Context, r io.Reader) (*ImportReport, error) {
	// Refuse an actor who may write nowhere before reading the file; the
	// county rule is checked in the transaction.
	if _, _, err := auth.Scoped(ctx, auth.ActRegionWrite); err != nil {
		return nil, fmt.Errorf("category: import: %w", err)
	}
	rows, bad, err := readCSV(r)
	if err != nil {
		return nil, fmt.Errorf("category: import: %w", err)
	}
	rep := &ImportReport{Rows: len(rows), Errors: bad}
	if len(bad) > 0 && len(rows) == 0 {
		return rep, nil // the header is unusable
	}
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		rep.Created, rep.Updated, rep.Unchanged, rep.Errors = 0, 0, 0, bad
		if err := checkDictionaryWrite(ctx, tx); err != nil {
			return err
		}
		s.dropAfterCommit(tx)
		stored, err := allCategories(ctx, tx)
		if err != nil {
			return err
		}
		d := newDict(stored)
		before := make(map[string]*Category, len(stored))
		for _, c := range stored {
			before[c.Code] = c
		}
		type parsed struct {
			row int
			c   *Category
		}
		var good []parsed
		rowOf := make(map[string]int)
		fail := func(row int, errs apperr.List) {
			for _, e := range errs {
				rep.Errors = append(rep.Errors, apperr.RowError{Sheet: SheetCategories, Row: row, Err: e})
			}
		}
		// Pass 1: each row on its own, and duplicates.
		var all []parsed
		for _, r := range rows {
			code := normCode(r.cells[fCode])
			c, errs := fromRow(r, before[code], s.seed.std)
			if first, dup := rowOf[c.Code]; dup && c.Code != "" {
				errs = append(errs, apperr.Invalidf(fCode, "分类代码 %s 与第 %d 行重复", "category code %s repeats row %d", c.Code, first))
				fail(r.n, errs)
				continue
			}
			if c.Code != "" {
				rowOf[c.Code] = r.n
			}
			all = append(all, parsed{r.n, c})
			if len(errs) > 0 {
				fail(r.n, errs)
				continue
			}
			good = append(good, parsed{r.n, c})
		}
		// Pass 2: the tree as it would be with every row of the file, bad
		// ones included, so that a child of a bad row is not also blamed
		// for a missing parent.
		for _, p := range all {
			if codePattern.MatchString(p.c.Code) {
				d.put(p.c)
			}
		}
		var ok []*Category
		for _, p := range good {
			if errs := d.checkTree(p.c); len(errs) > 0 {
				fail(p.row, errs)
				continue
			}
			ok = append(ok, p.c)
		}
		sortRowErrors(rep.Errors)
		if len(rep.Errors) > 0 {
			return errRollback
		}
		for _, c := range byDepth(d, ok) {
			old := before[c.Code]
			now := tx.Now
			switch {
			case old == nil:
				c.EditedAt, c.CreatedAt, c.UpdatedAt = &now, now, now
				if err := insertCategory(ctx, tx, c); err != nil {
					return err
				}
				rep.Created++
			case old.same(c):
				rep.Unchanged++
			default:
				c.EditedAt, c.CreatedAt, c.UpdatedAt = &now, old.CreatedAt, now
				if err := updateCategory(ctx, tx, c); err != nil {
					return err
				}
				rep.Updated++
			}
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		return rep, nil
	}
	if err != nil {
		return nil, fmt.Errorf("category: import: %w", err)
	}
	rep.Applied = true
	return rep, nil
}

// sortRowErrors orders errors by row, then by column as in Columns.
func sortRowErrors(errs []apperr.RowError) {
	col := make(map[string]int, len(Columns))
	for i, c := range Columns {
		col[c] = i + 1
	}
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Row != errs[j].Row {
			return errs[i].Row < errs[j].Row
		}
		return col[errs[i].Err.Field] < col[errs[j].Err.Field]
	})
}

// ExportCategories writes the whole dictionary, retired rows included, as
// CSV in the format ImportCategories reads, ordered by code. Staff may
// export it (region.read anywhere).
func (s *Service) ExportCategories(ctx context.Context, w io.Writer) error {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionRead); err != nil {
		return fmt.Errorf("category: export: %w", err)
	}
	cs, err := allCategories(ctx, s.db)
	if err != nil {
		return fmt.Errorf("category: export: %w", err)
	}
	if err := writeCSV(w, cs); err != nil {
		return fmt.Errorf("category: export: %w", err)
	}
	return nil
}
