package people

import (
	"context"

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
func regionPath(ctx context.Context, q sqldb.Querier, id int64) (string, error) {
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
func householdPath(ctx context.Context, q sqldb.Querier, id int64) (string, error) {
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
