package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// CreateUser creates an account with its grants in one transaction. The
// actor needs user.write at every scope granted; a non-system actor must
// grant at least one role, or the account would be out of everyone's reach.
// Errors: Invalid naming the field, Conflict on "username", Forbidden.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (*User, error) {
	in, grants, err := s.prepareUser(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("auth: create user %q: %w", in.Username, err)
	}
	hash, err := HashPassword(in.Password, s.opt.Argon2)
	if err != nil {
		return nil, err
	}
	a, _ := ActorFrom(ctx)
	var u *User
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		u, err = insertUser(ctx, tx, s.now(), in, hash, grants, a.UserID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: create user %q: %w", in.Username, err)
	}
	s.log.Info("user created", "user", u.ID, "username", u.Username, "by", a.UserID)
	return u, nil
}

// CreateUserTx is CreateUser inside the caller's transaction, for the
// `gridwork user` command and the demo generator (usually with the system
// actor, which may pass GrantInput.ScopePath for scopes created in the same
// transaction). Rows carry tx.Now.
func (s *Service) CreateUserTx(ctx context.Context, tx *sqldb.Tx, in UserInput) (*User, error) {
	in, grants, err := s.prepareUser(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("auth: create user %q: %w", in.Username, err)
	}
	hash, err := HashPassword(in.Password, s.opt.Argon2)
	if err != nil {
		return nil, err
	}
	a, _ := ActorFrom(ctx)
	u, err := insertUser(ctx, tx, tx.Now.UTC(), in, hash, grants, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("auth: create user %q: %w", in.Username, err)
	}
	return u, nil
}

// prepareUser authorises, normalises, validates and resolves a new account
// without writing anything.
func (s *Service) prepareUser(ctx context.Context, in UserInput) (UserInput, []Grant, error) {
	a, err := actor(ctx)
	if err != nil {
		return in, nil, err
	}
	if _, err := ScopedPaths(ctx, ActUserWrite); err != nil {
		return in, nil, err
	}
	in = in.normalize()
	if err := in.validate(); err != nil {
		return in, nil, err
	}
	if len(in.Grants) == 0 && !a.System {
		return in, nil, apperr.Invalidf("grants", "请至少授予一个角色", "grant at least one role")
	}
	grants := make([]Grant, 0, len(in.Grants))
	for i, gi := range in.Grants {
		g, err := s.resolveGrant(ctx, a, fmt.Sprintf("grants[%d].scope_id", i), gi)
		if err != nil {
			return in, nil, err
		}
		if err := Check(ctx, ActUserWrite, GrantResource(g)); err != nil {
			return in, nil, err
		}
		grants = append(grants, g)
	}
	return in, grants, nil
}

// FindUserByID returns an account with its grants. Users may read their own;
// others need user.read covering one of its grants. Errors: NotFound.
func (s *Service) FindUserByID(ctx context.Context, id int64) (*User, error) {
	_, u, err := s.authorizeUser(ctx, s.db, ActUserRead, id, true)
	if err != nil {
		return nil, fmt.Errorf("auth: find user %d: %w", id, err)
	}
	return u, nil
}

// Page limits of FindUsers.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// FindUsers lists the accounts holding a grant inside the actor's user.read
// scopes, ordered by username, and the total count before paging.
func (s *Service) FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error) {
	sp, err := ScopedPaths(ctx, ActUserRead)
	if err != nil {
		return nil, 0, fmt.Errorf("auth: find users: %w", err)
	}
	w := &sqldb.Where{}
	if !sp.All {
		region := w.SubtreeCond("g.scope_path", sp.Region)
		party := w.SubtreeCond("g.scope_path", sp.Party)
		w.Add(`EXISTS (SELECT 1 FROM user_grants g WHERE g.user_id = u.id AND
			((g.scope_kind <> 'party' AND ` + region + `) OR (g.scope_kind = 'party' AND ` + party + `)))`)
	}
	if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
		p := w.Arg(sqldb.LikeContains(strings.ToLower(strings.TrimSpace(*f.Query))))
		w.Add(`(u.username LIKE ` + p + ` ESCAPE '\' OR lower(u.display_name) LIKE ` + p + ` ESCAPE '\')`)
	}
	if f.Role != nil {
		w.Add(`EXISTS (SELECT 1 FROM user_grants r WHERE r.user_id = u.id AND r.role = ` + w.Arg(*f.Role) + `)`)
	}
	if f.Disabled != nil {
		w.Add(`u.disabled = ` + w.Arg(*f.Disabled))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM users u`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("auth: count users: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT `+userColumns+` FROM users u`+w.String()+
		` ORDER BY u.username LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("auth: find users: %w", err)
	}
	defer rows.Close()
	var users []*User
	var ids []int64
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("auth: find users: %w", err)
		}
		users = append(users, u)
		ids = append(ids, u.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("auth: find users: %w", err)
	}
	grants, err := loadGrants(ctx, s.db, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("auth: find users: %w", err)
	}
	for _, u := range users {
		u.Grants = grants[u.ID]
	}
	return users, total, nil
}

// UpdateUser changes a profile. Users may edit their own; others need
// user.write covering every grant of the account.
func (s *Service) UpdateUser(ctx context.Context, id int64, up UserUpdate) (*User, error) {
	var out *User
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		_, u, err := s.authorizeUser(ctx, tx, ActUserWrite, id, true)
		if err != nil {
			return err
		}
		if up.DisplayName != nil {
			u.DisplayName = strings.TrimSpace(*up.DisplayName)
		}
		if up.Phone != nil {
			u.Phone = strings.TrimSpace(*up.Phone)
		}
		var errs apperr.List
		for _, err := range []error{validateDisplayName(u.DisplayName), validatePhone(u.Phone)} {
			if e := apperr.As(err); e != nil {
				errs = append(errs, e)
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		if _, err := tx.Exec(ctx, `UPDATE users SET display_name = $2, phone = $3, updated_at = $4 WHERE id = $1`,
			id, u.DisplayName, nullable(u.Phone), u.UpdatedAt); err != nil {
			return err
		}
		out = u
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: update user %d: %w", id, err)
	}
	return out, nil
}

// SetPassword replaces a password and ends every session of the account.
// Users changing their own must give the old one (a wrong one counts as a
// failed login); admins with user.write covering the account reset it
// without. Errors: Invalid on "password" or "old_password", TooMany when
// locked, Forbidden, NotFound.
func (s *Service) SetPassword(ctx context.Context, id int64, oldPassword, newPassword string) error {
	a, u, err := s.authorizeUser(ctx, s.db, ActUserWrite, id, true)
	if err != nil {
		return fmt.Errorf("auth: set password of user %d: %w", id, err)
	}
	if err := ValidatePassword("password", newPassword); err != nil {
		return fmt.Errorf("auth: set password of user %d: %w", id, err)
	}
	now := s.now()
	if isSelf(a, id) {
		if u.Locked(now) {
			return fmt.Errorf("auth: set password of user %d: %w", id, errLocked(*u.LockedUntil, now))
		}
		var hash string
		if err := s.db.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&hash); err != nil {
			return fmt.Errorf("auth: set password of user %d: %w", id, sqldb.Translate(err))
		}
		if ok, _ := VerifyPassword(oldPassword, hash); !ok {
			if _, err := s.recordFailure(ctx, attempt{username: u.Username, userID: u.ID, result: "bad_password"}, now); err != nil {
				return fmt.Errorf("auth: set password of user %d: %w", id, err)
			}
			return apperr.Invalidf("old_password", "原密码不正确", "the current password is wrong")
		}
	}
	hash, err := HashPassword(newPassword, s.opt.Argon2)
	if err != nil {
		return err
	}
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3,
			failed_logins = 0, locked_until = NULL WHERE id = $1`, id, hash, now); err != nil {
			return err
		}
		return deleteSessions(ctx, tx, id)
	})
	if err != nil {
		return fmt.Errorf("auth: set password of user %d: %w", id, err)
	}
	s.log.Info("password changed", "user", id, "by", a.UserID)
	return nil
}

// DisableUser stops an account from signing in and ends its sessions; its
// API tokens stop working too. Actors cannot disable themselves.
func (s *Service) DisableUser(ctx context.Context, id int64) error {
	return s.setDisabled(ctx, id, true)
}

// EnableUser lets a disabled account sign in again and clears its lockout.
func (s *Service) EnableUser(ctx context.Context, id int64) error {
	return s.setDisabled(ctx, id, false)
}

func (s *Service) setDisabled(ctx context.Context, id int64, disabled bool) error {
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		a, _, err := s.authorizeUser(ctx, tx, ActUserWrite, id, false)
		if err != nil {
			return err
		}
		if disabled && isSelf(a, id) {
			return apperr.Invalidf("id", "不能停用自己的账户", "you cannot disable your own account")
		}
		// Enabling also clears a lockout; disabling keeps it for the record.
		q := `UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1`
		if !disabled {
			q = `UPDATE users SET disabled = $2, updated_at = $3, failed_logins = 0, locked_until = NULL WHERE id = $1`
		}
		if _, err := tx.Exec(ctx, q, id, disabled, s.now()); err != nil {
			return err
		}
		if disabled {
			return deleteSessions(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("auth: set user %d disabled=%v: %w", id, disabled, err)
	}
	return nil
}

// LogoutAll ends every session of a user. Users may end their own; others
// need user.write covering the account.
func (s *Service) LogoutAll(ctx context.Context, userID int64) error {
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if _, _, err := s.authorizeUser(ctx, tx, ActUserWrite, userID, true); err != nil {
			return err
		}
		return deleteSessions(ctx, tx, userID)
	})
	if err != nil {
		return fmt.Errorf("auth: log out user %d everywhere: %w", userID, err)
	}
	return nil
}
