package auth

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// APITokenPrefix starts every API token secret, so that leaked secrets are
// recognisable (secret scanners, logs) and never mistaken for session
// tokens.
const APITokenPrefix = "gw_"

// apiTokenShown is how many leading characters of a secret are stored in
// clear and shown in lists.
const apiTokenShown = 8

// APIToken lets a machine act as a user. The secret is returned once, by
// CreateAPIToken; only its hash and Prefix are stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string // the first 8 characters of the secret
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: no expiry
	LastUsedAt *time.Time // updated at most once a minute
	RevokedAt  *time.Time
}

// APITokenInput names a new token and optionally bounds its life.
type APITokenInput struct {
	Name      string
	ExpiresAt *time.Time
}

const maxTokenName = 64

const apiTokenColumns = `id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at`

func scanAPIToken(sc sqldb.Scanner) (*APIToken, error) {
	var t APIToken
	var exp, used, rev sql.NullTime
	if err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &exp, &used, &rev); err != nil {
		return nil, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = utcPtr(exp), utcPtr(used), utcPtr(rev)
	return &t, nil
}

// CreateAPIToken issues a token for user userID and returns its secret
// ("gw_" + 43 base64url characters), which is never shown again. Users may
// create their own; others need user.write covering the account.
// Errors: Invalid on "name" or "expires_at", Forbidden, NotFound.
func (s *Service) CreateAPIToken(ctx context.Context, userID int64, in APITokenInput) (string, *APIToken, error) {
	now := s.now()
	in.Name = strings.TrimSpace(in.Name)
	var secret string
	var tok *APIToken
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if _, _, err := s.authorizeUser(ctx, tx, ActUserWrite, userID, true); err != nil {
			return err
		}
		if in.Name == "" || utf8.RuneCountInString(in.Name) > maxTokenName {
			return apperr.Invalidf("name", "令牌名称须为 1–%d 个字符", "the token name must have 1–%d characters", maxTokenName)
		}
		if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
			return apperr.Invalidf("expires_at", "到期时间必须晚于现在", "the expiry must be in the future")
		}
		raw, err := newToken()
		if err != nil {
			return err
		}
		secret = APITokenPrefix + raw
		tok = &APIToken{UserID: userID, Name: in.Name, Prefix: secret[:apiTokenShown], CreatedAt: now}
		var exp any
		if in.ExpiresAt != nil {
			e := in.ExpiresAt.UTC()
			tok.ExpiresAt, exp = &e, e
		}
		tok.ID, err = tx.InsertID(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, userID, in.Name, tok.Prefix, hashToken(secret), now, exp)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("auth: create API token for user %d: %w", userID, err)
	}
	s.log.Info("API token created", "user", userID, "token", tok.ID, "prefix", tok.Prefix)
	return secret, tok, nil
}

// ListAPITokens returns a user's tokens, newest first, without secrets.
// Users may list their own; others need user.read on the account.
func (s *Service) ListAPITokens(ctx context.Context, userID int64) ([]*APIToken, error) {
	if _, _, err := s.authorizeUser(ctx, s.db, ActUserRead, userID, true); err != nil {
		return nil, fmt.Errorf("auth: list API tokens of user %d: %w", userID, err)
	}
	rows, err := s.db.Query(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("auth: list API tokens of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []*APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: list API tokens of user %d: %w", userID, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken stops a token from working; revoking twice is harmless.
// Owners may revoke their own; others need user.write covering the owner.
func (s *Service) RevokeAPIToken(ctx context.Context, id int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var owner int64
		if err := tx.QueryRow(ctx, `SELECT user_id FROM api_tokens WHERE id = $1`, id).Scan(&owner); err != nil {
			if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
				return apperr.NotFoundf("API 令牌不存在", "API token not found")
			}
			return err
		}
		if _, _, err := s.authorizeUser(ctx, tx, ActUserWrite, owner, true); err != nil {
			if apperr.CodeOf(err) == apperr.NotFound {
				return apperr.NotFoundf("API 令牌不存在", "API token not found")
			}
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("auth: revoke API token %d: %w", id, err)
	}
	s.log.Info("API token revoked", "token", id, "by", a.UserID)
	return nil
}

// AuthenticateAPIToken returns the actor of an API token secret: its
// owner with current grants. Unknown, revoked or expired tokens and
// disabled owners are Unauthenticated.
func (s *Service) AuthenticateAPIToken(ctx context.Context, secret string) (*Actor, error) {
	if !strings.HasPrefix(secret, APITokenPrefix) || len(secret) < apiTokenShown {
		return nil, apperr.ErrUnauthenticated()
	}
	now := s.now()
	var t *APIToken
	var name, display string
	var disabled bool
	row := s.db.QueryRow(ctx, `SELECT t.id, t.user_id, t.name, t.prefix, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
			u.username, u.display_name, u.disabled
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hashToken(secret))
	t, err := scanAPIToken(sqldb.ScanFunc(func(dest ...any) error {
		return row.Scan(append(dest, &name, &display, &disabled)...)
	}))
	if err != nil {
		if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
			return nil, apperr.ErrUnauthenticated()
		}
		return nil, fmt.Errorf("auth: authenticate API token: %w", err)
	}
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) || disabled {
		s.log.Warn("API token refused", "token", t.ID, "user", t.UserID, "revoked", t.RevokedAt != nil, "disabled", disabled)
		return nil, apperr.ErrUnauthenticated()
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= lastSeenEvery {
		err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, t.ID, now)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("auth: authenticate API token: %w", err)
		}
	}
	a, err := s.actorOf(ctx, t.UserID, name, display)
	if err != nil {
		return nil, fmt.Errorf("auth: authenticate API token: %w", err)
	}
	return a, nil
}
