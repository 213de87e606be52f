package auth_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
)

var phcRe = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPasswordRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		p    auth.Argon2Params
		phc  string // the m,t,p part
	}{
		{"fast", auth.FastArgon2(), "m=1024,t=1,p=1"},
		{"custom", auth.Argon2Params{Memory: 2048, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32}, "m=2048,t=2,p=2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := auth.HashPassword("correct horse 1", c.p)
			if err != nil {
				t.Fatal(err)
			}
			if !phcRe.MatchString(h) || !strings.Contains(h, "$"+c.phc+"$") {
				t.Fatalf("hash %q is not a PHC argon2id string with %s", h, c.phc)
			}
			if ok, err := auth.VerifyPassword("correct horse 1", h); !ok || err != nil {
				t.Fatalf("verify right password = %v, %v", ok, err)
			}
			if ok, err := auth.VerifyPassword("correct horse 2", h); ok || err != nil {
				t.Fatalf("verify wrong password = %v, %v", ok, err)
			}
			h2, _ := auth.HashPassword("correct horse 1", c.p)
			if h2 == h {
				t.Fatal("two hashes of one password are equal: salt not random")
			}
		})
	}
}

// The production parameters are written into the hash, and verification
// reads them from there, not from the caller.
func TestDefaultArgon2Format(t *testing.T) {
	p := auth.DefaultArgon2()
	if p.Memory != 64*1024 || p.Iterations != 1 || p.Parallelism != 2 {
		t.Fatalf("default parameters = %+v, want m=65536 t=1 p=2", p)
	}
}

func TestVerifyMalformedHash(t *testing.T) {
	good, _ := auth.HashPassword("abc12345", auth.FastArgon2())
	for _, h := range []string{
		"",
		"plain",
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "m=1024", "m=99999999", 1), // absurd memory: refused, not allocated
		strings.Replace(good, "t=1", "t=0", 1),
		good[:len(good)-44] + "$!!!",
	} {
		if ok, err := auth.VerifyPassword("abc12345", h); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false and an error", h, ok, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for _, c := range []struct {
		pw string
		ok bool
	}{
		{"abc12345", true},
		{"密码abc1234", true},
		{"abc1234", false},  // 7 characters
		{"abcdefgh", false}, // no digit
		{"12345678", false}, // no letter
		{strings.Repeat("a1", 65), false},
	} {
		err := auth.ValidatePassword("password", c.pw)
		if (err == nil) != c.ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok=%v", c.pw, err, c.ok)
		}
		if err != nil {
			if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "password" || e.Msg.ZH == "" || e.Msg.EN == "" {
				t.Errorf("ValidatePassword(%q) error %v: want Invalid on password, bilingual", c.pw, err)
			}
		}
	}
}

func BenchmarkHashPasswordDefault(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("abc12345", auth.DefaultArgon2()); err != nil {
			b.Fatal(err)
		}
	}
}
