package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"golang.org/x/crypto/argon2"
)

// Argon2Params are the cost parameters of argon2id. They are written into
// every hash (PHC string format), so changing them affects new hashes only
// and old ones keep verifying.
type Argon2Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLength  uint32 // bytes
	KeyLength   uint32 // bytes
}

// DefaultArgon2 returns the production parameters: 64 MiB, one pass, two
// lanes (the RFC 9106 second recommended option, scaled to a 2-core host).
func DefaultArgon2() Argon2Params {
	return Argon2Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32}
}

// FastArgon2 returns cheap parameters for tests and the demo generator,
// which create many accounts. Never use them in production.
func FastArgon2() Argon2Params {
	return Argon2Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// Bounds on parameters read back from a stored hash, so that a tampered row
// cannot make verification allocate gigabytes or spin for minutes.
const (
	maxArgon2Memory     = 1 << 20 // 1 GiB in KiB
	maxArgon2Iterations = 16
)

// HashPassword returns the argon2id PHC string of password:
// $argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash>, salt and hash in unpadded
// standard base64.
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// errBadHash reports a stored hash that is not an argon2id PHC string.
var errBadHash = errors.New("auth: malformed password hash")

// parseHash splits a PHC string into its parameters, salt and key.
func parseHash(encoded string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil {
		return p, nil, nil, errBadHash
	}
	if p.Memory == 0 || p.Memory > maxArgon2Memory || p.Iterations == 0 || p.Iterations > maxArgon2Iterations ||
		p.Parallelism == 0 || p.Memory < 8*uint32(p.Parallelism) {
		return p, nil, nil, errBadHash
	}
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(salt) == 0 {
		return p, nil, nil, errBadHash
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(key) == 0 {
		return p, nil, nil, errBadHash
	}
	p.SaltLength, p.KeyLength = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword reports whether password matches the PHC string encoded,
// using the parameters stored in it. A malformed hash is an error, never a
// match.
func VerifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// hashParams returns the parameters stored in encoded (ok false if malformed).
func hashParams(encoded string) (Argon2Params, bool) {
	p, _, _, err := parseHash(encoded)
	return p, err == nil
}

// Password rules: long enough, letters and digits, and a cap so that
// hashing a huge body costs nothing extra.
const (
	minPasswordLen = 8
	maxPasswordLen = 128
)

// ValidatePassword checks a new password against the password rules and
// returns an Invalid error on field (usually "password").
func ValidatePassword(field, password string) error {
	n := utf8.RuneCountInString(password)
	if n < minPasswordLen {
		return apperr.Invalidf(field, "密码至少需要 %d 个字符", "the password must have at least %d characters", minPasswordLen)
	}
	if n > maxPasswordLen {
		return apperr.Invalidf(field, "密码不能超过 %d 个字符", "the password must have at most %d characters", maxPasswordLen)
	}
	var letter, digit bool
	for _, r := range password {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	if !letter || !digit {
		return apperr.Invalidf(field, "密码必须同时包含字母和数字", "the password must contain both letters and digits")
	}
	return nil
}
