package auth

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"time"
	"unicode/utf8"

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
	if !s.ipLimit.Allow(meta.IP, now) {
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
		return "", nil, s.failUnknown(ctx, name, password, now, meta, log)
	}
	at := attempt{username: name, userID: row.id, meta: meta}
	row.lockedUntil = utcPtr(locked)
	if row.lockedUntil != nil && now.Before(*row.lockedUntil) {
		log.Warn("login refused: account locked", "user", row.id)
		s.logAttempt(ctx, at.with("locked"), now, log)
		return "", nil, errLocked(*row.lockedUntil, now)
	}
	ok, err := VerifyPassword(password, row.hash)
	if err != nil {
		log.Error("login: stored password hash unreadable", "user", row.id, "err", err)
	}
	ok = ok && !tooLong
	if !ok {
		until, err := s.recordFailure(ctx, at.with("bad_password"), now)
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
		s.logAttempt(ctx, at.with("disabled"), now, log)
		return "", nil, apperr.New(apperr.Forbidden, "", "账户已停用，请联系管理员", "the account is disabled; please contact an administrator")
	}
	// Re-hash with the current parameters when they have changed since.
	var rehash string
	if p, ok := hashParams(row.hash); ok && !sameCost(p, s.opt.Argon2) {
		if rehash, err = HashPassword(password, s.opt.Argon2); err != nil {
			return "", nil, err
		}
	}
	token, sess, err := s.startSession(ctx, at.with("ok"), now, oldToken, rehash)
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
// as for a wrong password: the same hashing work, an audit row written
// like the failure count of a real account, the same error, and the same
// lockout after repeated tries.
func (s *Service) failUnknown(ctx context.Context, name, password string, now time.Time, meta LoginMeta, log *slog.Logger) error {
	at := attempt{username: name, meta: meta}
	if until, locked := s.unknown.lockedUntil(name, now); locked {
		log.Warn("login refused: unknown username locked")
		s.logAttempt(ctx, at.with("locked"), now, log)
		return errLocked(until, now)
	}
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = HashPassword("gridwork-dummy-password-0", s.opt.Argon2)
	})
	_, _ = VerifyPassword(password, s.dummyHash)
	s.logAttempt(ctx, at.with("unknown_user"), now, log)
	if until, locked := s.unknown.fail(name, now); locked {
		log.Warn("login failed: unknown username, now locked")
		return errLocked(until, now)
	}
	log.Warn("login failed: unknown username")
	return errBadCredentials()
}

// attempt is one row of login_attempts.
type attempt struct {
	username string
	userID   int64 // 0 for unknown usernames
	meta     LoginMeta
	result   string // ok, bad_password, unknown_user, locked, disabled
}

func (a attempt) with(result string) attempt { a.result = result; return a }

// insertAttempt writes an audit row; inputs are clipped, since the username
// and user agent come from anyone.
func insertAttempt(ctx context.Context, tx *sqldb.Tx, a attempt, now time.Time) error {
	var uid any
	if a.userID != 0 {
		uid = a.userID
	}
	_, err := tx.Exec(ctx, `INSERT INTO login_attempts (username, user_id, ip, user_agent, result, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, clip(a.username, 2*maxUsernameLen), uid, clip(a.meta.IP, 64),
		clip(a.meta.UserAgent, maxUserAgent), a.result, now)
	return err
}

// logAttempt records an attempt in its own transaction. Failing to audit
// is logged but does not change the answer to the client.
func (s *Service) logAttempt(ctx context.Context, a attempt, now time.Time, log *slog.Logger) {
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error { return insertAttempt(ctx, tx, a, now) })
	if err != nil {
		log.Error("login: record attempt", "err", err)
	}
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// recordFailure counts a failed login and locks the account when the count
// reaches the threshold, returning the lock's end (zero if not locked).
func (s *Service) recordFailure(ctx context.Context, a attempt, now time.Time) (time.Time, error) {
	var until time.Time
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var n int
		// One atomic increment, so concurrent failures are all counted.
		if err := tx.QueryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`,
			a.userID).Scan(&n); err != nil {
			return sqldb.Translate(err)
		}
		if err := insertAttempt(ctx, tx, a, now); err != nil {
			return err
		}
		if n < s.opt.LockoutThreshold {
			return nil
		}
		until = now.Add(s.opt.LockoutDuration)
		_, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = $2 WHERE id = $1`, a.userID, until)
		return err
	})
	return until, err
}

// PurgeLoginAttempts deletes audit rows older than before, for a periodic
// job; only the system may call it.
func (s *Service) PurgeLoginAttempts(ctx context.Context, before time.Time) (int64, error) {
	if err := Check(ctx, ActUserWrite, Resource{}); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM login_attempts WHERE created_at < $1`, before.UTC())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("auth: purge login attempts: %w", err)
	}
	return n, nil
}
