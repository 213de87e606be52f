package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Session is a browser sign-in. Its token is never stored, only its hash.
type Session struct {
	ID         int64
	UserID     int64
	CreatedAt  time.Time
	ExpiresAt  time.Time // absolute end, whatever the activity
	LastSeenAt time.Time // updated at most once a minute
	IdleUntil  time.Time // when it ends if unused: min(LastSeenAt+idle, ExpiresAt)
	IP         string
	UserAgent  string
}

// lastSeenEvery is how stale last_seen_at may get before a request writes
// it again: sliding expiry without a write per request.
const lastSeenEvery = time.Minute

// maxUserAgent caps what is stored of a User-Agent header.
const maxUserAgent = 512

// newToken returns a random secret of 32 bytes, base64url without padding.
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// hashToken is the stored form of a session or API token: hex SHA-256. The
// tokens carry 256 random bits, so a fast hash suffices.
func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func errSessionExpired() *apperr.Error {
	return apperr.New(apperr.Unauthenticated, "", "登录已过期，请重新登录", "your session has expired, please sign in again")
}

// startSession ends the presented old session, clears the failure count,
// stores the new session, the audit row (and a re-hashed password, if any)
// in one transaction.
func (s *Service) startSession(ctx context.Context, at attempt, now time.Time, oldToken, rehash string) (string, *Session, error) {
	userID, meta := at.userID, at.meta
	token, err := newToken()
	if err != nil {
		return "", nil, err
	}
	ua := meta.UserAgent
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	sess := &Session{UserID: userID, CreatedAt: now, ExpiresAt: now.Add(s.opt.SessionTTL), LastSeenAt: now, IP: meta.IP, UserAgent: ua}
	sess.IdleUntil = s.idleUntil(sess)
	err = s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if oldToken != "" {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(oldToken)); err != nil {
				return err
			}
		}
		// Housekeeping bounded to this user: its dead sessions go now.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND (expires_at <= $2 OR last_seen_at <= $3)`,
			userID, now, now.Add(-s.opt.SessionIdle)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, userID); err != nil {
			return err
		}
		if rehash != "" {
			if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, rehash); err != nil {
				return err
			}
		}
		if err := insertAttempt(ctx, tx, at, now); err != nil {
			return err
		}
		sess.ID, err = tx.InsertID(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
			VALUES ($1, $2, $3, $4, $3, $5, $6) RETURNING id`, hashToken(token), userID, now, sess.ExpiresAt, meta.IP, ua)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

func (s *Service) idleUntil(sess *Session) time.Time {
	t := sess.LastSeenAt.Add(s.opt.SessionIdle)
	if sess.ExpiresAt.Before(t) {
		return sess.ExpiresAt
	}
	return t
}

// Authenticate returns the actor and session of a session token: the
// user with its current grants, so a revoked role stops working at the
// next request. An unknown, expired (absolute or idle) or disabled
// session is Unauthenticated. It slides the idle expiry, writing
// last_seen_at at most once a minute.
func (s *Service) Authenticate(ctx context.Context, token string) (*Actor, *Session, error) {
	if token == "" {
		return nil, nil, apperr.ErrUnauthenticated()
	}
	now := s.now()
	var sess Session
	var name, display string
	var disabled bool
	err := s.db.QueryRow(ctx, `SELECT s.id, s.user_id, s.created_at, s.expires_at, s.last_seen_at, s.ip, s.user_agent,
			u.username, u.display_name, u.disabled
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, hashToken(token)).
		Scan(&sess.ID, &sess.UserID, &sess.CreatedAt, &sess.ExpiresAt, &sess.LastSeenAt, &sess.IP, &sess.UserAgent,
			&name, &display, &disabled)
	if err != nil {
		if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
			return nil, nil, apperr.ErrUnauthenticated()
		}
		return nil, nil, fmt.Errorf("auth: authenticate: %w", err)
	}
	sess.CreatedAt, sess.ExpiresAt, sess.LastSeenAt = sess.CreatedAt.UTC(), sess.ExpiresAt.UTC(), sess.LastSeenAt.UTC()
	sess.IdleUntil = s.idleUntil(&sess)
	if disabled || !now.Before(sess.IdleUntil) {
		err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, sess.ID)
			return err
		})
		if err != nil {
			s.log.Error("delete expired session", "session", sess.ID, "err", err)
		}
		if disabled {
			return nil, nil, apperr.ErrUnauthenticated()
		}
		return nil, nil, errSessionExpired()
	}
	if now.Sub(sess.LastSeenAt) >= lastSeenEvery {
		err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1`, sess.ID, now)
			return err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("auth: authenticate: touch session: %w", err)
		}
		sess.LastSeenAt = now
		sess.IdleUntil = s.idleUntil(&sess)
	}
	a, err := s.actorOf(ctx, sess.UserID, name, display)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: authenticate: %w", err)
	}
	return a, &sess, nil
}

// actorOf builds the actor of a signed-in user from its current grants.
func (s *Service) actorOf(ctx context.Context, userID int64, username, display string) (*Actor, error) {
	grants, err := loadGrants(ctx, s.db, []int64{userID})
	if err != nil {
		return nil, err
	}
	name := display
	if name == "" {
		name = username
	}
	return &Actor{UserID: userID, Name: name, Grants: grants[userID]}, nil
}

// Logout ends the session of token. The token is its own authority; an
// unknown token is not an error, so logging out twice is harmless.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
		return err
	})
	if err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their absolute or idle
// expiry, for a periodic job; only the system may call it.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	if err := Check(ctx, ActUserWrite, Resource{}); err != nil {
		return 0, err
	}
	now := s.now()
	var n int64
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, now, now.Add(-s.opt.SessionIdle))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("auth: delete expired sessions: %w", err)
	}
	return n, nil
}
