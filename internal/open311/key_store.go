package open311

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

const keyColumns = `id, client, prefix, per_minute, active, created_by, created_at, updated_at, last_used_at`

// keyRow is a stored key with its jurisdictions as region ids and paths.
type keyRow struct {
	key     *Key
	regions []int64
	paths   []string
}

func scanKey(sc sqldb.Scanner) (*Key, error) {
	var k Key
	var by sql.NullInt64
	var used sql.NullTime
	if err := sc.Scan(&k.ID, &k.Client, &k.Prefix, &k.PerMinute, &k.Active, &by, &k.CreatedAt, &k.UpdatedAt, &used); err != nil {
		return nil, sqldb.Translate(err)
	}
	k.CreatedBy = by.Int64
	k.CreatedAt, k.UpdatedAt = k.CreatedAt.UTC(), k.UpdatedAt.UTC()
	if used.Valid {
		t := used.Time.UTC()
		k.LastUsedAt = &t
	}
	return &k, nil
}

// loadKey reads key id with its jurisdictions: NotFound when there is none.
func loadKey(ctx context.Context, q sqldb.Querier, id int64) (*keyRow, error) {
	k, err := scanKey(q.QueryRow(ctx, `SELECT `+keyColumns+` FROM open311_keys WHERE id = $1`, id))
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, errKeyNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	rows, err := loadJurisdictions(ctx, q, []*Key{k})
	if err != nil {
		return nil, err
	}
	return rows[0], nil
}

// loadJurisdictions reads the jurisdictions of keys, in key order.
func loadJurisdictions(ctx context.Context, q sqldb.Querier, keys []*Key) ([]*keyRow, error) {
	out := make([]*keyRow, len(keys))
	byID := make(map[int64]*keyRow, len(keys))
	w := &sqldb.Where{}
	ids := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = &keyRow{key: k}
		byID[k.ID] = out[i]
		ids[i] = k.ID
	}
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT key_id, region_id, region_path FROM open311_key_jurisdictions
		WHERE key_id IN (`+sqldb.ArgList(w, ids)+`) ORDER BY key_id, region_path`, w.Args()...)
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kid, rid int64
		var path string
		if err := rows.Scan(&kid, &rid, &path); err != nil {
			return nil, sqldb.Translate(err)
		}
		r := byID[kid]
		r.regions = append(r.regions, rid)
		r.paths = append(r.paths, path)
	}
	return out, sqldb.Translate(rows.Err())
}

// setJurisdictions replaces the jurisdictions of key id.
func setJurisdictions(ctx context.Context, tx *sqldb.Tx, id int64, js []*Jurisdiction) error {
	if _, err := tx.Exec(ctx, `DELETE FROM open311_key_jurisdictions WHERE key_id = $1`, id); err != nil {
		return err
	}
	for _, j := range js {
		if _, err := tx.Exec(ctx, `INSERT INTO open311_key_jurisdictions (key_id, region_id, region_path) VALUES ($1, $2, $3)`,
			id, j.RegionID, j.Path); err != nil {
			return err
		}
	}
	return nil
}

// touchKey records a use of key id, at most once a minute.
func touchKey(ctx context.Context, tx *sqldb.Tx, id int64, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE open311_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`,
		id, now, now.Add(-time.Minute))
	return err
}

func errKeyNotFound(id int64) error {
	return apperr.NotFoundf("Open311 API 密钥 %d 不存在", "Open311 API key %d not found", id)
}

// wrapKey wraps an error of a key use case.
func wrapKey(what string, err error) error { return fmt.Errorf("open311: %s: %w", what, err) }
