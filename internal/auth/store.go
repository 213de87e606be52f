package auth

import (
	"context"
	"database/sql"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

const userColumns = `u.id, u.username, u.display_name, u.phone, u.disabled, u.failed_logins,
	u.locked_until, u.password_changed_at, u.created_at, u.updated_at`

func errUserNotFound() *apperr.Error {
	return apperr.NotFoundf("用户不存在", "user not found")
}

func scanUser(sc sqldb.Scanner) (*User, error) {
	var u User
	var phone sql.NullString
	var locked sql.NullTime
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &phone, &u.Disabled, &u.FailedLogins,
		&locked, &u.PasswordChangedAt, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	u.Phone = phone.String
	u.LockedUntil = utcPtr(locked)
	u.PasswordChangedAt, u.CreatedAt, u.UpdatedAt = u.PasswordChangedAt.UTC(), u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

// utcPtr turns a nullable time into a UTC pointer.
func utcPtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// nullable maps "" to NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// loadUser returns the user with its grants, or a NotFound error.
func loadUser(ctx context.Context, q sqldb.Querier, id int64) (*User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id))
	if err != nil {
		if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
			return nil, errUserNotFound()
		}
		return nil, err
	}
	grants, err := loadGrants(ctx, q, []int64{id})
	if err != nil {
		return nil, err
	}
	u.Grants = grants[id]
	return u, nil
}

// loadGrants returns the grants of the given users, in grant order.
func loadGrants(ctx context.Context, q sqldb.Querier, ids []int64) (map[int64][]Grant, error) {
	out := make(map[int64][]Grant, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	w := &sqldb.Where{}
	rows, err := q.Query(ctx, `SELECT user_id, role, scope_kind, scope_id, scope_path FROM user_grants
		WHERE user_id IN (`+sqldb.ArgList(w, ids)+`) ORDER BY user_id, id`, w.Args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var uid int64
		var g Grant
		if err := rows.Scan(&uid, &g.Role, &g.Scope.Kind, &g.Scope.ID, &g.Scope.Path); err != nil {
			return nil, err
		}
		out[uid] = append(out[uid], g)
	}
	return out, rows.Err()
}

// insertUser writes a validated, normalised user and its resolved grants.
// A taken username is a Conflict on "username".
func insertUser(ctx context.Context, tx *sqldb.Tx, now time.Time, in UserInput, hash string, grants []Grant, by int64) (*User, error) {
	var taken int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE username = $1`, in.Username).Scan(&taken); err != nil {
		return nil, err
	}
	if taken > 0 {
		return nil, errUsernameTaken(in.Username)
	}
	id, err := tx.InsertID(ctx, `INSERT INTO users (username, display_name, phone, password_hash, disabled,
		failed_logins, password_changed_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, FALSE, 0, $5, $5, $5) RETURNING id`,
		in.Username, in.DisplayName, nullable(in.Phone), hash, now)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Conflict { // lost a race with another insert
			return nil, errUsernameTaken(in.Username)
		}
		return nil, err
	}
	for _, g := range grants {
		if err := insertGrant(ctx, tx, now, id, g, by); err != nil {
			return nil, err
		}
	}
	return &User{ID: id, Username: in.Username, DisplayName: in.DisplayName, Phone: in.Phone,
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now, Grants: grants}, nil
}

func errUsernameTaken(name string) *apperr.Error {
	return apperr.Conflictf("username", "用户名 %s 已被使用", "the username %s is taken", name)
}

// insertGrant writes one grant; holding it already is a Conflict on "role".
func insertGrant(ctx context.Context, tx *sqldb.Tx, now time.Time, userID int64, g Grant, by int64) error {
	var grantedBy any
	if by != 0 {
		grantedBy = by
	}
	_, err := tx.Exec(ctx, `INSERT INTO user_grants (user_id, role, scope_kind, scope_id, scope_path, granted_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, userID, g.Role, g.Scope.Kind, g.Scope.ID, g.Scope.Path, grantedBy, now)
	if apperr.CodeOf(err) == apperr.Conflict {
		return apperr.Conflictf("role", "该用户已在此范围拥有角色 %s", "the user already holds the role %s at this scope", g.Role)
	}
	return err
}

// deleteSessions ends every session of a user.
func deleteSessions(ctx context.Context, tx *sqldb.Tx, userID int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return err
}
