package people

import (
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Gender is a resident's sex as recorded on the national ID ("" when unknown).
type Gender string

// The genders.
const (
	GenderUnknown Gender = ""
	Male          Gender = "male"
	Female        Gender = "female"
)

// Label returns the gender's name in Chinese and English.
func (g Gender) Label() apperr.Text {
	switch g {
	case Male:
		return apperr.Text{ZH: "男", EN: "male"}
	case Female:
		return apperr.Text{ZH: "女", EN: "female"}
	}
	return apperr.Text{ZH: "未知", EN: "unknown"}
}

// ParseGender accepts the code ("male"), the Chinese label ("男") or a
// single letter ("M", "F"); the empty string is GenderUnknown.
func ParseGender(s string) (Gender, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return GenderUnknown, nil
	case "male", "m", "男":
		return Male, nil
	case "female", "f", "女":
		return Female, nil
	}
	return "", apperr.Invalidf("gender", "性别“%s”无效，应为男或女", "gender %q is not valid: use male or female", s)
}

// IDInfo is what a valid national ID number (GB 11643-1999) tells.
type IDInfo struct {
	Number    string    // normalised: 18 characters, check character upper-case
	Division  string    // the 6-digit administrative division of first registration
	Province  string    // the province's Chinese name
	BirthDate time.Time // UTC midnight
	Gender    Gender
}

// provinces maps the first two digits of a division code (GB/T 2260) to the
// province-level division. 81/82/83 are the residence permits of Hong Kong,
// Macao and Taiwan residents.
var provinces = map[string]string{
	"11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
	"21": "辽宁", "22": "吉林", "23": "黑龙江",
	"31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
	"41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
	"50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
	"61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
	"71": "台湾", "81": "香港", "82": "澳门", "83": "台湾",
}

// idWeights are the ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 of the 17 body digits.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// IDCheckChar returns the check character of a 17-digit ID body, or 0 when
// body is not 17 ASCII digits.
func IDCheckChar(body string) byte {
	if len(body) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := body[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// earliestBirth is the earliest birth date accepted: nobody alive was born earlier.
var earliestBirth = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// ValidateIDNumber checks a mainland national ID number (GB 11643-1999):
// 18 characters, 17 digits and a digit or X (a lower-case x is accepted and
// upper-cased), a known province prefix, a real birth date between 1900 and
// today, and the ISO 7064 MOD 11-2 check character. Errors are Invalid on
// field "id_number" and say which part is wrong.
func ValidateIDNumber(s string, today time.Time) (IDInfo, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return IDInfo{}, apperr.Invalidf("id_number", "请填写身份证号码", "the ID number is missing")
	}
	r := []rune(s)
	if len(r) != 18 {
		return IDInfo{}, apperr.Invalidf("id_number", "身份证号码应为18位，实际为%d位", "an ID number has 18 characters, this one has %d", len(r))
	}
	for i := 0; i < 17; i++ {
		if r[i] < '0' || r[i] > '9' {
			return IDInfo{}, apperr.Invalidf("id_number", "身份证号码第%d位“%c”不是数字：前17位必须是数字", "character %d of the ID number (%q) is not a digit: the first 17 must be digits", i+1, r[i])
		}
	}
	if c := r[17]; (c < '0' || c > '9') && c != 'X' {
		return IDInfo{}, apperr.Invalidf("id_number", "身份证号码第18位“%c”无效：应为数字或X", "the last character of the ID number (%q) must be a digit or X", c)
	}
	prov, ok := provinces[s[:2]]
	if !ok {
		return IDInfo{}, apperr.Invalidf("id_number", "身份证号码前两位“%s”不是有效的省级行政区划代码", "the ID number starts with %q, which is not a province code", s[:2])
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil {
		return IDInfo{}, apperr.Invalidf("id_number", "身份证号码中的出生日期“%s”不是有效日期", "the birth date in the ID number (%s) is not a real date", s[6:14])
	}
	y, m, d := today.Date()
	if birth.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return IDInfo{}, apperr.Invalidf("id_number", "身份证号码中的出生日期%s晚于今天", "the birth date in the ID number (%s) is in the future", birth.Format("2006-01-02"))
	}
	if birth.Before(earliestBirth) {
		return IDInfo{}, apperr.Invalidf("id_number", "身份证号码中的出生日期%s早于1900年", "the birth date in the ID number (%s) is before 1900", birth.Format("2006-01-02"))
	}
	if IDCheckChar(s[:17]) != s[17] {
		return IDInfo{}, apperr.Invalidf("id_number", "身份证号码校验位（第18位）不正确，请核对号码", "the check character (the 18th) of the ID number does not match: the number is mistyped")
	}
	g := Female
	if (s[16]-'0')%2 == 1 {
		g = Male
	}
	return IDInfo{Number: s, Division: s[:6], Province: prov, BirthDate: birth, Gender: g}, nil
}
