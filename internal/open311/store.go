package open311

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// extras is what open311_requests keeps of a request beside its case.
type extras struct {
	caseID     int64
	keyID      int64
	regionID   int64
	token      string
	digest     string // keyed hash of the arguments (see digestOf)
	address    string
	mediaURL   string
	email      []byte // encrypted, column "open311_email"
	deviceID   string
	accountID  string
	attributes map[string][]string
	createdAt  time.Time
}

// emailColumn names the e-mail for the keyring (keys are bound to it).
const emailColumn = "open311_email"

// insertExtras records a request's extras; a retried request whose case
// already has them changes nothing.
func insertExtras(ctx context.Context, tx *sqldb.Tx, e *extras) error {
	attrs, err := json.Marshal(e.attributes)
	if err != nil {
		return err
	}
	var token, email any
	if e.token != "" {
		token = e.token
	}
	if len(e.email) > 0 {
		email = e.email
	}
	_, err = tx.Exec(ctx, `INSERT INTO open311_requests (case_id, key_id, region_id, token, digest, address, media_url, email,
			device_id, account_id, attributes, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
		e.caseID, e.keyID, e.regionID, token, e.digest, e.address, e.mediaURL, email, e.deviceID, e.accountID, string(attrs), tx.Now)
	return err
}

const extrasColumns = `case_id, key_id, region_id, token, digest, address, media_url, email, device_id, account_id, attributes, created_at`

func scanExtras(sc sqldb.Scanner) (*extras, error) {
	var e extras
	var token sql.NullString
	var attrs string
	if err := sc.Scan(&e.caseID, &e.keyID, &e.regionID, &token, &e.digest, &e.address, &e.mediaURL, &e.email, &e.deviceID, &e.accountID,
		&attrs, &e.createdAt); err != nil {
		return nil, sqldb.Translate(err)
	}
	e.token = token.String
	if err := json.Unmarshal([]byte(attrs), &e.attributes); err != nil {
		return nil, err
	}
	return &e, nil
}

// extrasOf reads the extras of the cases with ids that came over Open311.
func extrasOf(ctx context.Context, q sqldb.Querier, ids []int64) (map[int64]*extras, error) {
	out := map[int64]*extras{}
	if len(ids) == 0 {
		return out, nil
	}
	w := &sqldb.Where{}
	rows, err := q.Query(ctx, `SELECT `+extrasColumns+` FROM open311_requests WHERE case_id IN (`+sqldb.ArgList(w, ids)+`)`, w.Args()...)
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanExtras(rows)
		if err != nil {
			return nil, err
		}
		out[e.caseID] = e
	}
	return out, sqldb.Translate(rows.Err())
}

// filedBy is the condition "the case was filed with key id" for
// cases.CaseFilter.PublicOr: a subquery on the table open311 owns, so that
// a key's own requests join the public ones in the one paged query.
func filedBy(keyID int64) cases.Cond {
	return func(w *sqldb.Where) string {
		return "id IN (SELECT case_id FROM open311_requests WHERE key_id = " + w.Arg(keyID) + ")"
	}
}

// caseOfToken returns the case a key's token created with the digest of
// its arguments: NotFound on "token".
func caseOfToken(ctx context.Context, q sqldb.Querier, keyID int64, token string) (int64, string, error) {
	var id int64
	var digest string
	err := q.QueryRow(ctx, `SELECT case_id, digest FROM open311_requests WHERE key_id = $1 AND token = $2`, keyID, token).Scan(&id, &digest)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", apperr.Newf(apperr.NotFound, "token", "token“%s”不存在", "token %q was not found", token)
	}
	return id, digest, sqldb.Translate(err)
}
