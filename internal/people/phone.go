package people

import (
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
)

// ValidatePhone checks a mainland phone number and returns it normalised:
// a mobile number is 11 digits starting 13–19, with an optional +86 or
// 0086 prefix that is dropped ("13812345678"); a landline is an area code
// (010 and 020–029 have three digits, all others 0xxx four) and a local
// number of 7–8 digits not starting with 0 or 1, written with or without a
// '-' and normalised to "0755-12345678". Spaces are ignored. Errors are
// Invalid on field "phone" and do not repeat the number, which is personal data.
func ValidatePhone(s string) (string, error) {
	p := strings.Join(strings.Fields(s), "")
	if p == "" {
		return "", apperr.Invalidf("phone", "请填写电话号码", "the phone number is missing")
	}
	for _, prefix := range []string{"+86-", "+86", "0086-", "0086"} {
		if strings.HasPrefix(p, prefix) {
			p = p[len(prefix):]
			if !strings.HasPrefix(p, "1") {
				return "", apperr.Invalidf("phone", "电话号码无效：+86后应为11位手机号", "the phone number is not valid: +86 must be followed by an 11-digit mobile number")
			}
			break
		}
	}
	switch {
	case strings.HasPrefix(p, "1"):
		return validateMobile(p)
	case strings.HasPrefix(p, "0"):
		return validateLandline(p)
	}
	return "", apperr.Invalidf("phone", "电话号码无效：手机号以1开头，固定电话以区号0开头", "the phone number is not valid: mobile numbers start with 1, landlines with an area code starting 0")
}

func validateMobile(p string) (string, error) {
	if !allDigits(p) {
		return "", apperr.Invalidf("phone", "手机号只能包含数字", "a mobile number may contain digits only")
	}
	if len(p) != 11 {
		return "", apperr.Invalidf("phone", "手机号应为11位，实际为%d位", "a mobile number has 11 digits, this one has %d", len(p))
	}
	if p[1] < '3' {
		return "", apperr.Invalidf("phone", "手机号无效：第二位应为3至9", "the mobile number is not valid: its second digit must be 3 to 9")
	}
	return p, nil
}

func validateLandline(p string) (string, error) {
	area, local, dashed := strings.Cut(p, "-")
	if !dashed {
		n := 4
		if strings.HasPrefix(p, "010") || strings.HasPrefix(p, "02") {
			n = 3
		}
		if len(p) < n {
			return "", apperr.Invalidf("phone", "固定电话号码太短", "the landline number is too short")
		}
		area, local = p[:n], p[n:]
	}
	if !allDigits(area) || !allDigits(local) {
		return "", apperr.Invalidf("phone", "固定电话只能包含数字和一个“-”", "a landline number may contain digits and one '-' only")
	}
	if !validAreaCode(area) {
		return "", apperr.Invalidf("phone", "固定电话的区号“%s”无效", "the landline's area code %q is not valid", area)
	}
	if len(local) < 7 || len(local) > 8 {
		return "", apperr.Invalidf("phone", "固定电话的号码部分应为7至8位，实际为%d位", "the local part of a landline number has 7 or 8 digits, this one has %d", len(local))
	}
	if local[0] == '0' || local[0] == '1' {
		return "", apperr.Invalidf("phone", "固定电话的号码部分不能以0或1开头", "the local part of a landline number cannot start with 0 or 1")
	}
	return area + "-" + local, nil
}

// validAreaCode: 010 and 020–029 are the three-digit codes of the largest
// cities; every other area code is four digits 03xx–09xx.
func validAreaCode(a string) bool {
	switch len(a) {
	case 3:
		return a == "010" || a[:2] == "02"
	case 4:
		return a[0] == '0' && a[1] >= '3'
	}
	return false
}

// IsMobile reports whether a normalised phone number is a mobile number.
func IsMobile(normalised string) bool { return strings.HasPrefix(normalised, "1") }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
