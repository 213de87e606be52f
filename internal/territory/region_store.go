package territory

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// regionCols are the columns scanRegion reads, in order.
const regionCols = `id, parent_id, level, kind, code, name, path, created_at, updated_at`

func scanRegion(sc sqldb.Scanner) (*Region, error) {
	var r Region
	var parent sql.NullInt64
	if err := sc.Scan(&r.ID, &parent, &r.Level, &r.Kind, &r.Code, &r.Name, &r.Path, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.ParentID = parent.Int64
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

// regionByID loads a region; NotFound when there is none.
func regionByID(ctx context.Context, q sqldb.Querier, id int64) (*Region, error) {
	r, err := scanRegion(q.QueryRow(ctx, `SELECT `+regionCols+` FROM regions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("区域 %d 不存在", "region %d not found", id)
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return r, nil
}

// regionByCode loads a region by its division code; NotFound when there is none.
func regionByCode(ctx context.Context, q sqldb.Querier, code string) (*Region, error) {
	r, err := scanRegion(q.QueryRow(ctx, `SELECT `+regionCols+` FROM regions WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("区划代码 %s 不存在", "no region has code %s", code)
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return r, nil
}

// queryRegions runs a query returning regionCols rows.
func queryRegions(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]*Region, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Region
	for rows.Next() {
		r, err := scanRegion(rows)
		if err != nil {
			return nil, sqldb.Translate(err)
		}
		out = append(out, r)
	}
	return out, sqldb.Translate(rows.Err())
}

// parentPath returns the path of the parent of the node at path
// ("/1/4/17/" → "/1/4/"), or "" for a root.
func parentPath(path string) string {
	p := strings.TrimSuffix(path, "/")
	i := strings.LastIndex(p, "/")
	if i <= 0 {
		return ""
	}
	return p[:i+1]
}

// childPath returns the path of node id under the node at parent ("" for a root).
func childPath(parent string, id int64) string {
	if parent == "" {
		parent = "/"
	}
	return parent + strconv.FormatInt(id, 10) + "/"
}
