package territory

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Service is the territory's use cases: regions, boundaries, the point →
// region lookup, places and service points. It is safe for concurrent use.
type Service struct {
	db    *sqldb.DB
	index *Index
}

// NewService returns a service on db with an empty spatial index; call
// LoadIndex once at start-up to fill it.
func NewService(db *sqldb.DB) *Service {
	return &Service{db: db, index: NewIndex()}
}

// Index returns the service's spatial index (for diagnostics and
// benchmarks; the service keeps it up to date).
func (s *Service) Index() *Index { return s.index }

// Page limits of list queries.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

// checkText trims s and checks it is at most maxLen characters of printable
// text, and non-empty when required. label names the field for users.
func checkText(field string, label apperr.Text, s string, required bool, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return "", apperr.Invalidf(field, "请填写%[1]s", "%[2]s is required", label.ZH, label.EN)
		}
		return "", nil
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return "", apperr.Invalidf(field, "%[1]s不能超过%[3]d个字符（现有%[4]d个）", "%[2]s must be at most %[3]d characters, not %[4]d", label.ZH, label.EN, maxLen, n)
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
		return "", apperr.Invalidf(field, "%[1]s含有无效字符", "%[2]s contains invalid characters", label.ZH, label.EN)
	}
	return s, nil
}

// actor returns the actor in ctx (the caller has checked there is one).
func actor(ctx context.Context) *auth.Actor {
	a, _ := auth.ActorFrom(ctx)
	return a
}
