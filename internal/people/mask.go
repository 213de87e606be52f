package people

import "strings"

// MaskIDNumber shows the first 6 and last 4 characters of an ID number and
// hides the rest ("110105********002X"), as lists display it. Anything
// shorter than 11 characters is hidden entirely.
func MaskIDNumber(id string) string {
	if id == "" {
		return ""
	}
	r := []rune(id)
	if len(r) < 11 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
}

// MaskPhone hides the middle of a phone number: a mobile keeps its first 3
// and last 4 digits ("138****5678"); a landline keeps its area code and the
// last 4 digits of the local number ("0755-****5678").
func MaskPhone(phone string) string {
	if phone == "" {
		return ""
	}
	if area, local, ok := strings.Cut(phone, "-"); ok {
		return area + "-" + maskTail(local, 4)
	}
	if len(phone) < 8 {
		return strings.Repeat("*", len(phone))
	}
	return phone[:3] + strings.Repeat("*", len(phone)-7) + phone[len(phone)-4:]
}

// maskTail hides all but the last keep characters of s.
func maskTail(s string, keep int) string {
	if len(s) <= keep {
		return strings.Repeat("*", len(s))
	}
	return strings.Repeat("*", len(s)-keep) + s[len(s)-keep:]
}

// MaskName hides the middle of a name for public pages: "张三明" → "张*明",
// "欧阳小明" → "欧**明", "张三" → "张*", "张" → "*". Staff lists show full
// names; public pages (disclosure boards, red and yellow lists) mask them.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}
