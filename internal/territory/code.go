package territory

import (
	"strconv"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Code lengths per level. A city or county code has 6 digits, a township or
// village code 12 (county + 3-digit township + 3-digit village), a grid code
// 15 (village + 3-digit grid number).
var codeLength = map[Level]int{
	LevelCity: 6, LevelCounty: 6, LevelTownship: 12, LevelVillage: 12, LevelGrid: 15,
}

// validProvince reports whether the first two digits of a division code name
// a province-level division (GB/T 2260): 11–15 north, 21–23 north-east,
// 31–37 east, 41–46 central south, 50–54 south-west, 61–65 north-west,
// 71 Taiwan, 81–82 Hong Kong and Macao.
func validProvince(pp int) bool {
	switch {
	case pp >= 11 && pp <= 15, pp >= 21 && pp <= 23, pp >= 31 && pp <= 37,
		pp >= 41 && pp <= 46, pp >= 50 && pp <= 54, pp >= 61 && pp <= 65,
		pp == 71, pp == 81, pp == 82:
		return true
	}
	return false
}

// digits reports whether s is non-empty and made of ASCII digits only.
func digits(s string) bool {
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

// num returns the number written by the digits s (already checked).
func num(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TownshipKind returns the kind a 3-digit township number stands for:
// 001–099 street, 100–199 town, 200–399 township, 400–599 farm or other
// enterprise-run unit; ok is false for any other number.
func TownshipKind(n int) (k Kind, ok bool) {
	switch {
	case n >= 1 && n <= 99:
		return KindStreet, true
	case n >= 100 && n <= 199:
		return KindTown, true
	case n >= 200 && n <= 399:
		return KindTownship, true
	case n >= 400 && n <= 599:
		return KindFarm, true
	}
	return "", false
}

// VillageKind returns the kind a 3-digit village number stands for: 001–199
// a residents' committee (community), 200–399 a villagers' committee
// (village); ok is false for any other number.
func VillageKind(n int) (k Kind, ok bool) {
	switch {
	case n >= 1 && n <= 199:
		return KindCommunity, true
	case n >= 200 && n <= 399:
		return KindVillage, true
	}
	return "", false
}

// checkParent checks that parent (nil for none) may hold a region of level.
func checkParent(level Level, parent *Region) error {
	switch level {
	case LevelCity:
		if parent != nil {
			return apperr.Invalidf("parent_id", "市级区域不能有上级区域", "a city has no parent region")
		}
		return nil
	case LevelCounty:
		if parent != nil && parent.Level != LevelCity {
			return apperr.Invalidf("parent_id", "区县的上级须为市，而“%[1]s”是%[2]s", "a county's parent must be a city, and %[1]q is a %[3]s",
				parent.Name, parent.Level.Label().ZH, parent.Level.Label().EN)
		}
		return nil
	}
	want := Levels[level.depth()-1]
	if parent == nil {
		return apperr.Invalidf("parent_id", "请指定上级%[1]s", "a %[2]s needs a parent %[3]s",
			want.Label().ZH, level.Label().EN, want.Label().EN)
	}
	if parent.Level != want {
		return apperr.Invalidf("parent_id", "%[1]s的上级须为%[2]s，而“%[3]s”是%[4]s", "a %[5]s's parent must be a %[6]s, and %[3]q is a %[7]s",
			level.Label().ZH, want.Label().ZH, parent.Name, parent.Level.Label().ZH,
			level.Label().EN, want.Label().EN, parent.Level.Label().EN)
	}
	return nil
}

// CheckCode validates the division code of a region of level under parent
// (nil for a root; the parent's level is checked by the caller) and returns
// the region's kind. given is the kind the user chose, if any: only a county
// may choose (district or county); elsewhere a given kind must match the
// code. Errors are Invalid on field "code" or "kind".
func CheckCode(level Level, code string, parent *Region, given Kind) (Kind, error) {
	if !level.Valid() {
		return "", apperr.Invalidf("level", "区域级别“%s”无效", "level %q is not valid", level)
	}
	if code == "" {
		return "", apperr.Invalidf("code", "请填写区划代码", "the division code is required")
	}
	if !digits(code) {
		return "", apperr.Invalidf("code", "区划代码“%s”只能包含数字", "division code %q must contain digits only", code)
	}
	if n := codeLength[level]; len(code) != n {
		return "", apperr.Invalidf("code", "%[1]s的区划代码应为%[2]d位，“%[3]s”有%[4]d位", "a %[5]s code has %[2]d digits; %[3]q has %[4]d",
			level.Label().ZH, n, code, len(code), level.Label().EN)
	}
	if pp := code[:2]; !validProvince(num(pp)) {
		return "", apperr.Invalidf("code", "区划代码“%[1]s”的前两位 %[2]s 不是有效的省级代码", "the first two digits %[2]s of %[1]q are not a province code",
			code, pp)
	}
	var derived Kind
	switch level {
	case LevelCity:
		if code[2:4] == "00" || code[4:6] != "00" {
			return "", apperr.Invalidf("code", "市级代码“%s”应为4位市代码加“00”（第3–4位不为00）", "city code %q must be a 4-digit city code followed by 00 (digits 3–4 not 00)", code)
		}
		derived = KindCity
	case LevelCounty:
		if code[4:6] == "00" {
			return "", apperr.Invalidf("code", "区县代码“%s”的末两位不能为00（那是市或省的代码）", "county code %q must not end in 00 (that is a city or province code)", code)
		}
		if parent != nil && code[:4] != parent.Code[:4] {
			return "", apperr.Invalidf("code", "区县代码“%s”不以上级市代码的前四位 %s 开头", "county code %q does not start with its city's %s", code, parent.Code[:4])
		}
		// 01–20 are a city's districts (市辖区), 21–80 counties, 81–99
		// county-level cities; the user may correct the default.
		derived = KindCounty
		if n := num(code[4:6]); n >= 1 && n <= 20 {
			derived = KindDistrict
		}
		switch given {
		case "":
		case KindDistrict, KindCounty:
			derived = given
		default:
			return "", apperr.Invalidf("kind", "区县的类型只能是 district 或 county，不能是“%s”", "a county's kind is district or county, not %q", given)
		}
	case LevelTownship:
		if parent != nil && code[:6] != parent.Code {
			return "", apperr.Invalidf("code", "街道/乡镇代码“%s”应以上级区县代码 %s 开头", "township code %q must start with its county's code %s", code, parent.Code)
		}
		if code[9:12] != "000" {
			return "", apperr.Invalidf("code", "街道/乡镇代码“%s”的末三位应为000", "township code %q must end in 000", code)
		}
		k, ok := TownshipKind(num(code[6:9]))
		if !ok {
			return "", apperr.Invalidf("code", "街道/乡镇代码“%[1]s”的第7–9位 %[2]s 不在有效范围（001–099 街道，100–199 镇，200–399 乡，400–599 农场等）",
				"township number %[2]s of %[1]q is out of range (001–099 street, 100–199 town, 200–399 township, 400–599 farm)",
				code, code[6:9])
		}
		derived = k
	case LevelVillage:
		if parent != nil && code[:9] != parent.Code[:9] {
			return "", apperr.Invalidf("code", "社区/村代码“%s”应以上级街道/乡镇代码的前九位 %s 开头", "village code %q must start with its township's %s", code, parent.Code[:9])
		}
		if code[6:9] == "000" {
			return "", apperr.Invalidf("code", "社区/村代码“%s”缺少街道/乡镇部分（第7–9位为000）", "village code %q has no township part (digits 7–9 are 000)", code)
		}
		k, ok := VillageKind(num(code[9:12]))
		if !ok {
			return "", apperr.Invalidf("code", "社区/村代码“%[1]s”的末三位 %[2]s 不在有效范围（001–199 社区居委会，200–399 村委会）",
				"village number %[2]s of %[1]q is out of range (001–199 residents' committee, 200–399 villagers' committee)",
				code, code[9:12])
		}
		derived = k
	case LevelGrid:
		if parent != nil && code[:12] != parent.Code {
			return "", apperr.Invalidf("code", "网格代码“%s”应以所属社区/村代码 %s 开头", "grid code %q must start with its community's code %s", code, parent.Code)
		}
		if _, ok := VillageKind(num(code[9:12])); !ok || code[6:9] == "000" {
			return "", apperr.Invalidf("code", "网格代码“%s”的前12位不是有效的社区/村代码", "the first 12 digits of grid code %q are not a village code", code)
		}
		if code[12:15] == "000" {
			return "", apperr.Invalidf("code", "网格代码“%s”的网格号应为001–999", "the grid number of %q must be 001–999", code)
		}
		derived = KindGrid
	}
	if level != LevelCounty && given != "" && given != derived {
		return "", apperr.Invalidf("kind", "区划类型“%[1]s”与代码“%[2]s”不符（应为%[3]s）", "kind %[1]q does not match code %[2]q (it is a %[4]s)",
			given, code, derived.Label().ZH, derived.Label().EN)
	}
	return derived, nil
}
