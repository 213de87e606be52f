package auth

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
)

// User is an account. The password hash never leaves the package.
type User struct {
	ID                int64
	Username          string // lower-case, unique
	DisplayName       string
	Phone             string // "" when unknown
	Disabled          bool
	FailedLogins      int        // consecutive failures since the last success or lock
	LockedUntil       *time.Time // nil when not locked
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Grants            []Grant
}

// Locked reports whether the account is locked at now.
func (u *User) Locked(now time.Time) bool {
	return u.LockedUntil != nil && now.Before(*u.LockedUntil)
}

// GrantInput asks for a role at a scope. For a self scope (residents),
// ScopeID names the region the account belongs to.
type GrantInput struct {
	Role      Role
	ScopeKind ScopeKind
	ScopeID   int64
	// ScopePath is honoured only for the system actor, in CreateUserTx and
	// GrantTx, whose callers may have created the scope in the same
	// uncommitted transaction where the resolver cannot see it yet.
	// Everyone else gets the path from the PathResolver.
	ScopePath string
}

// UserInput is a new account.
type UserInput struct {
	Username    string // case-insensitive; stored lower-cased
	DisplayName string
	Phone       string // optional
	Password    string
	Grants      []GrantInput
}

// UserUpdate changes an account's profile; nil fields stay as they are.
type UserUpdate struct {
	DisplayName *string
	Phone       *string // "" clears it
}

// UserFilter narrows FindUsers; nil fields do not filter.
type UserFilter struct {
	Query    *string // substring of username or display name, case-insensitive
	Role     *Role   // holds this role at some scope
	Disabled *bool
	Limit    int // 50 if 0; at most 500
	Offset   int
}

// Username and profile rules.
const (
	minUsernameLen    = 3
	maxUsernameLen    = 32
	maxDisplayNameLen = 64
)

var (
	usernameRe = regexp.MustCompile(`^[a-z0-9_.-]+$`)
	// Mainland mobile numbers, or landlines with an area code.
	phoneRe = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)
)

// NormalizeUsername returns the stored form of a username: trimmed and
// lower-cased.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateUsername checks a normalised username: 3–32 characters of
// a–z, 0–9, "_", "." and "-".
func ValidateUsername(name string) error {
	if n := len(name); n < minUsernameLen || n > maxUsernameLen {
		return apperr.Invalidf("username", "用户名长度须为 %d–%d 个字符", "the username must have %d–%d characters", minUsernameLen, maxUsernameLen)
	}
	if !usernameRe.MatchString(name) {
		return apperr.Invalidf("username", "用户名只能包含小写字母、数字、下划线、点和连字符", "the username may contain only letters a–z, digits, “_”, “.” and “-”")
	}
	return nil
}

func validateDisplayName(s string) error {
	if s == "" {
		return apperr.Invalidf("display_name", "请填写姓名", "the display name is required")
	}
	if utf8.RuneCountInString(s) > maxDisplayNameLen {
		return apperr.Invalidf("display_name", "姓名不能超过 %d 个字符", "the display name must have at most %d characters", maxDisplayNameLen)
	}
	return nil
}

func validatePhone(s string) error {
	if s != "" && !phoneRe.MatchString(s) {
		return apperr.Invalidf("phone", "电话号码格式不正确（手机号 11 位，或带区号的固定电话）", "the phone number is malformed (an 11-digit mobile number or a landline with area code)")
	}
	return nil
}

// validateGrant checks the shape of a grant request; field prefixes the
// field names ("grants[0]." in a user form, "" for a single grant).
func validateGrant(prefix string, g GrantInput) error {
	if !g.Role.Valid() {
		return apperr.Invalidf(prefix+"role", "未知角色：%s", "unknown role: %s", g.Role)
	}
	if !g.ScopeKind.Valid() {
		return apperr.Invalidf(prefix+"scope_kind", "未知范围类型：%s", "unknown scope kind: %s", g.ScopeKind)
	}
	// Residents act on their own records only, and only residents do.
	if (g.Role == RoleResident) != (g.ScopeKind == ScopeSelf) {
		return apperr.Invalidf(prefix+"scope_kind", "居民角色只能授予“本人”范围，其他角色须授予区域或党组织范围",
			"the resident role is granted at a self scope only, and every other role at a region or party scope")
	}
	if g.ScopeID <= 0 {
		return apperr.Invalidf(prefix+"scope_id", "请选择授权范围", "the scope is required")
	}
	return nil
}

// normalize trims the input and lower-cases the username.
func (in UserInput) normalize() UserInput {
	in.Username = NormalizeUsername(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Phone = strings.TrimSpace(in.Phone)
	return in
}

// validate checks every field of a normalised input and reports all the
// bad ones at once.
func (in UserInput) validate() error {
	var errs apperr.List
	add := func(err error) {
		if e := apperr.As(err); e != nil {
			errs = append(errs, e)
		}
	}
	add(ValidateUsername(in.Username))
	add(validateDisplayName(in.DisplayName))
	add(validatePhone(in.Phone))
	add(ValidatePassword("password", in.Password))
	for i, g := range in.Grants {
		add(validateGrant(fmt.Sprintf("grants[%d].", i), g))
	}
	return errs.Err()
}
