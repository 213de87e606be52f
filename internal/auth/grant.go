package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Grant gives user userID a role at a scope. The actor needs user.write at
// (a scope covering) the scope granted: an admin of one street cannot grant
// in another, nor at the district above it. Errors: Invalid naming the
// field, Forbidden, NotFound (no such user), Conflict on "role" (held
// already).
func (s *Service) Grant(ctx context.Context, userID int64, in GrantInput) (Grant, error) {
	// Resolve and authorise before the transaction: the resolver reads, and
	// a SQLite writer must not wait on it.
	a, g, err := s.prepareGrant(ctx, in)
	if err == nil {
		err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
			return insertGrantFor(ctx, tx, s.now(), userID, g, a.UserID)
		})
	}
	if err != nil {
		return Grant{}, fmt.Errorf("auth: grant %s to user %d: %w", in.Role, userID, err)
	}
	s.log.Info("role granted", "user", userID, "role", g.Role, "scope_kind", g.Scope.Kind, "scope", g.Scope.ID, "by", a.UserID)
	return g, nil
}

// GrantTx is Grant inside the caller's transaction (CLI and demo generator).
func (s *Service) GrantTx(ctx context.Context, tx *sqldb.Tx, userID int64, in GrantInput) (Grant, error) {
	a, g, err := s.prepareGrant(ctx, in)
	if err == nil {
		err = insertGrantFor(ctx, tx, tx.Now.UTC(), userID, g, a.UserID)
	}
	if err != nil {
		return Grant{}, fmt.Errorf("auth: grant %s to user %d: %w", in.Role, userID, err)
	}
	return g, nil
}

// prepareGrant authorises, validates and resolves a grant without writing.
func (s *Service) prepareGrant(ctx context.Context, in GrantInput) (*Actor, Grant, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, Grant{}, err
	}
	if _, err := ScopedPaths(ctx, ActUserWrite); err != nil {
		return nil, Grant{}, err
	}
	if err := validateGrant("", in); err != nil {
		return nil, Grant{}, err
	}
	g, err := s.resolveGrant(ctx, a, "scope_id", in)
	if err != nil {
		return nil, Grant{}, err
	}
	if err := Check(ctx, ActUserWrite, GrantResource(g)); err != nil {
		return nil, Grant{}, err
	}
	return a, g, nil
}

// insertGrantFor writes g for an existing user (NotFound otherwise).
func insertGrantFor(ctx context.Context, tx *sqldb.Tx, now time.Time, userID int64, g Grant, by int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1`, userID).Scan(&n); err != nil {
		return sqldb.Translate(err)
	}
	if n == 0 {
		return errUserNotFound()
	}
	return insertGrant(ctx, tx, now, userID, g, by)
}

// Revoke takes a role at a scope away from a user. The actor needs
// user.write covering the grant's scope. Errors: Forbidden, NotFound.
func (s *Service) Revoke(ctx context.Context, userID int64, in GrantInput) error {
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if _, err := ScopedPaths(ctx, ActUserWrite); err != nil {
			return err
		}
		g := Grant{Role: in.Role, Scope: Scope{Kind: in.ScopeKind, ID: in.ScopeID}}
		err := tx.QueryRow(ctx, `SELECT scope_path FROM user_grants
			WHERE user_id = $1 AND role = $2 AND scope_kind = $3 AND scope_id = $4`,
			userID, in.Role, in.ScopeKind, in.ScopeID).Scan(&g.Scope.Path)
		if err != nil {
			if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
				return apperr.NotFoundf("该用户没有此授权", "the user holds no such grant")
			}
			return err
		}
		if err := Check(ctx, ActUserWrite, GrantResource(g)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM user_grants
			WHERE user_id = $1 AND role = $2 AND scope_kind = $3 AND scope_id = $4`,
			userID, in.Role, in.ScopeKind, in.ScopeID)
		return err
	})
	if err != nil {
		return fmt.Errorf("auth: revoke %s from user %d: %w", in.Role, userID, err)
	}
	s.log.Info("role revoked", "user", userID, "role", in.Role, "scope_kind", in.ScopeKind, "scope", in.ScopeID)
	return nil
}
