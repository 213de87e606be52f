package auth

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// LoginMeta describes the client signing in; both are recorded on the
// session and IP feeds the per-address limiter.
type LoginMeta struct {
	IP        string
	UserAgent string
}

// errBadCredentials is the one answer for an unknown username and a wrong
// password alike.
func errBadCredentials() *apperr.Error {
	return apperr.New(apperr.Unauthenticated, "", "用户名或密码错误", "wrong username or password")
}

// errLocked tells how long until a locked account may try again.
func errLocked(until, now time.Time) *apperr.Error {
	mins := int(math.Ceil(until.Sub(now).Minutes()))
	return apperr.Newf(apperr.TooMany, "", "登录失败次数过多，账户已锁定，请 %d 分钟后再试",
		"too many failed sign-ins: the account is locked, try again in %d minutes", max(mins, 1))
}

func errThrottled() *apperr.Error {
	return apperr.New(apperr.TooMany, "", "登录尝试过于频繁，请稍后再试", "too many sign-in attempts, please wait a moment")
}

// loginRow is what Login needs of an account.
type loginRow struct {
	id          int64
	hash        string
	disabled    bool
	lockedUntil *time.Time
}

// Login checks a username and password and starts a session, returning its
// secret token (for the cookie) once. Every login issues a new token, and
// the session of oldToken (the cookie the client presented, if any) is
// ended, so a token planted before sign-in is worthless after it.
//
// Unknown usernames and wrong passwords give the same Unauthenticated error
// after the same password-hashing work. After LockoutThreshold consecutive
// failures the account is locked for LockoutDuration (TooMany, saying so);
// more than IPRate attempts a minute from one address are refused with
// TooMany. A disabled account with the right password is Forbidden.
func (s *Service) Login(ctx context.Context, username, password string, meta LoginMeta, oldToken string) (string, *Session, error) {
	now := s.now()
	name := NormalizeUsername(username)
	// No stored password is longer than maxPasswordLen runes; a longer
	// input is hashed only in part (bounded work) and can never match.
	tooLong := len(password) > 4*maxPasswordLen
	if tooLong {
		password = password[:4*maxPasswordLen]
	}
	log := s.log.With("username", name, "ip", meta.IP)
	if !s.ipLimit.allow(meta.IP, now) {
		log.Warn("login throttled")
		return "", nil, errThrottled()
	}
	var row loginRow
	var locked sql.NullTime
	err := s.db.QueryRow(ctx, `SELECT id, password_hash, disabled, locked_until FROM users WHERE username = $1`, name).
		Scan(&row.id, &row.hash, &row.disabled, &locked)
	if err != nil {
		if apperr.CodeOf(sqldb.Translate(err)) != apperr.NotFound {
			return "", nil, fmt.Errorf("auth: login: %w", err)
		}
		return "", nil, s.failUnknown(name, password, now, log)
	}
	row.lockedUntil = utcPtr(locked)
	if row.lockedUntil != nil && now.Before(*row.lockedUntil) {
		log.Warn("login refused: account locked", "user", row.id)
		return "", nil, errLocked(*row.lockedUntil, now)
	}
	ok, err := VerifyPassword(password, row.hash)
	if err != nil {
		log.Error("login: stored password hash unreadable", "user", row.id, "err", err)
	}
	ok = ok && !tooLong
	if !ok {
		until, err := s.recordFailure(ctx, row.id, now)
		if err != nil {
			return "", nil, fmt.Errorf("auth: login: %w", err)
		}
		if !until.IsZero() {
			log.Warn("login failed: account locked", "user", row.id, "until", until)
			return "", nil, errLocked(until, now)
		}
		log.Warn("login failed: wrong password", "user", row.id)
		return "", nil, errBadCredentials()
	}
	if row.disabled {
		log.Warn("login refused: account disabled", "user", row.id)
		return "", nil, apperr.New(apperr.Forbidden, "", "账户已停用，请联系管理员", "the account is disabled; please contact an administrator")
	}
	// Re-hash with the current parameters when they have changed since.
	var rehash string
	if p, ok := hashParams(row.hash); ok && !sameCost(p, s.opt.Argon2) {
		if rehash, err = HashPassword(password, s.opt.Argon2); err != nil {
			return "", nil, err
		}
	}
	token, sess, err := s.startSession(ctx, row.id, now, meta, oldToken, rehash)
	if err != nil {
		return "", nil, fmt.Errorf("auth: login: %w", err)
	}
	log.Info("login", "user", row.id, "session", sess.ID)
	return token, sess, nil
}

// sameCost reports whether two parameter sets cost the same to verify.
func sameCost(a, b Argon2Params) bool {
	return a.Memory == b.Memory && a.Iterations == b.Iterations && a.Parallelism == b.Parallelism && a.KeyLength == b.KeyLength
}

// failUnknown answers a login for a username that does not exist exactly
// as for a wrong password: the same hashing work, the same error, and the
// same lockout after repeated tries.
func (s *Service) failUnknown(name, password string, now time.Time, log *slog.Logger) error {
	if until, locked := s.unknown.lockedUntil(name, now); locked {
		log.Warn("login refused: unknown username locked")
		return errLocked(until, now)
	}
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = HashPassword("gridwork-dummy-password-0", s.opt.Argon2)
	})
	_, _ = VerifyPassword(password, s.dummyHash)
	if until, locked := s.unknown.fail(name, now); locked {
		log.Warn("login failed: unknown username, now locked")
		return errLocked(until, now)
	}
	log.Warn("login failed: unknown username")
	return errBadCredentials()
}

// recordFailure counts a failed login and locks the account when the count
// reaches the threshold, returning the lock's end (zero if not locked).
func (s *Service) recordFailure(ctx context.Context, userID int64, now time.Time) (time.Time, error) {
	var until time.Time
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var n int
		// One atomic increment, so concurrent failures are all counted.
		if err := tx.QueryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`,
			userID).Scan(&n); err != nil {
			return sqldb.Translate(err)
		}
		if n < s.opt.LockoutThreshold {
			return nil
		}
		until = now.Add(s.opt.LockoutDuration)
		_, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = $2 WHERE id = $1`, userID, until)
		return err
	})
	return until, err
}
