package open311

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Key is an Open311 client's API key, without its secret (shown once, by
// CreateKey, and stored only as a SHA-256).
type Key struct {
	ID     int64
	Client string // who uses it: "FixMyStreet 临江", "市 12345 平台"
	Prefix string // the secret's first characters, to tell keys apart
	// Jurisdictions are the division codes of the counties the key may
	// file requests in.
	Jurisdictions []string
	PerMinute     int // requests a minute
	Active        bool
	CreatedBy     int64 // 0 for the system
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastUsedAt    *time.Time // refreshed at most once a minute
}

// KeyInput makes a key.
type KeyInput struct {
	Client        string
	Jurisdictions []string // division codes of counties; at least one
	PerMinute     int      // DefaultPerMinute if 0
}

// KeyUpdate changes a key; nil fields stay as they are.
type KeyUpdate struct {
	Client        *string
	Jurisdictions []string // nil: unchanged; else the new list (not empty)
	PerMinute     *int
	Active        *bool
}

// KeyFilter selects keys; nil fields do not filter.
type KeyFilter struct {
	Active *bool
	Offset int
	Limit  int // 50 if 0, at most 500
}

// Client is the holder of a key as a request sees it.
type Client struct {
	KeyID         int64
	Name          string
	Jurisdictions []int64 // region ids
	PerMinute     int
}

// may reports whether the client may file requests in jurisdiction j.
func (c *Client) may(j *Jurisdiction) bool {
	for _, id := range c.Jurisdictions {
		if id == j.RegionID {
			return true
		}
	}
	return false
}

// Limits of keys.
const (
	DefaultPerMinute = 60
	MaxPerMinute     = 6000
	maxClientName    = 64
	keyPrefix        = "o311_" // starts every secret, so that leaked ones are recognisable
	keyShown         = 12      // characters of the secret kept in clear
)

// newSecret returns a fresh secret: the prefix and 43 base64url characters
// of 32 random bytes.
func newSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return keyPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// hashSecret is the stored form of a secret.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// checkClientName trims and checks a client's name.
func checkClientName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > maxClientName || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return "", apperr.Invalidf("client", "客户端名称须为 1–%d 个可见字符", "the client name must have 1–%d printable characters", maxClientName)
	}
	return s, nil
}

// checkPerMinute checks a rate, 0 meaning the default.
func checkPerMinute(n int) (int, error) {
	if n == 0 {
		return DefaultPerMinute, nil
	}
	if n < 1 || n > MaxPerMinute {
		return 0, apperr.Invalidf("per_minute", "每分钟请求数须在 1–%d 之间", "per_minute must be from 1 to %d", MaxPerMinute)
	}
	return n, nil
}
