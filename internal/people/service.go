package people

import (
	"context"
	"fmt"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Service holds the use cases of residents and party organisations. Every
// exported method authorises the actor in the context before it touches
// data, and list queries are scoped in SQL to the actor's subtrees.
type Service struct {
	db   *sqldb.DB
	keys *Keyring
}

// NewService returns a service on db that encrypts personal data with keys.
func NewService(db *sqldb.DB, keys *Keyring) *Service {
	return &Service{db: db, keys: keys}
}

// Page limits of list queries.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

func page(offset, limit int) (int, int) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return max(offset, 0), min(limit, maxLimit)
}

// where builds a WHERE clause with numbered placeholders.
type where struct {
	conds []string
	args  []any
}

// arg appends v and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

// add appends a condition.
func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

// subtree appends "col lies in one of the subtrees at paths".
func (w *where) subtree(col string, paths []string) {
	cond, args := sqldb.Subtree(col, paths, len(w.args)+1)
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// scope appends the actor's region scope for act on col, unless the actor
// is the system.
func (w *where) scope(col string, paths []string, all bool) {
	if !all {
		w.subtree(col, paths)
	}
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// likeContains returns a LIKE pattern matching s anywhere, with the
// wildcards in s escaped (the query says ESCAPE '\').
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// denyUnlessVisible returns the error for an actor who may not act on a
// row at path: Forbidden when the actor may at least read it (so it is no
// secret that it exists), otherwise NotFound.
func denyUnlessVisible(ctx context.Context, act, read auth.Action, r auth.Resource, what apperr.Text) error {
	a, _ := auth.ActorFrom(ctx)
	if auth.Can(a, act, r) {
		return nil
	}
	if read != act && auth.Can(a, read, r) {
		return apperr.ErrForbidden()
	}
	return apperr.New(apperr.NotFound, "", what.ZH+"不存在", what.EN+" not found")
}

var (
	whatResident = apperr.Text{ZH: "居民", EN: "resident"}
	whatOrg      = apperr.Text{ZH: "党组织", EN: "party organisation"}
	whatRegion   = apperr.Text{ZH: "区域", EN: "region"}
)

// regionPath returns the materialised path of a region.
func regionPath(ctx context.Context, q querier, id int64) (string, error) {
	var p string
	err := q.QueryRow(ctx, `SELECT path FROM regions WHERE id = $1`, id).Scan(&p)
	if err != nil {
		if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
			return "", apperr.Invalidf("region_id", "区域%d不存在", "region %d does not exist", id)
		}
		return "", sqldb.Translate(err)
	}
	return p, nil
}

// householdPath returns the region path of a household.
func householdPath(ctx context.Context, q querier, id int64) (string, error) {
	var p string
	err := q.QueryRow(ctx, `SELECT region_path FROM households WHERE id = $1`, id).Scan(&p)
	if err != nil {
		if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
			return "", apperr.Invalidf("household_id", "户%d不存在", "household %d does not exist", id)
		}
		return "", sqldb.Translate(err)
	}
	return p, nil
}
