package ledger

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
)

// checkCell is pass 1 for one cell: it checks the cell's form against its
// column and returns the normalised value the services receive (enum labels
// become codes, tags a comma-separated list of codes, numbers their plain
// decimal form). Domain rules — whether a grid exists, an ID checksum, a
// phone number's shape — are the services' to check in pass 2.
func checkCell(c column, raw string) (string, *apperr.Error) {
	v := trimCell(raw)
	if v == "" {
		if c.Required {
			return "", apperr.Invalidf(c.Key, "必填", "required")
		}
		return "", nil
	}
	switch c.Kind {
	case kindCode:
		return checkCode(c, v)
	case kindInt:
		return checkInt(c, v)
	case kindFloat:
		return checkFloat(c, v)
	case kindEnum:
		code, ok := c.Enum.code(v)
		if !ok {
			return "", apperr.New(apperr.Invalid, c.Key,
				fmt.Sprintf("无法识别“%s”，可选：%s", v, c.Enum.labelList("zh")),
				fmt.Sprintf("unknown value %q; allowed: %s", v, c.Enum.labelList("en")))
		}
		return code, nil
	case kindTags:
		return checkTags(c, v)
	}
	return v, nil
}

// trimCell trims ordinary, full-width and non-breaking spaces.
func trimCell(s string) string { return strings.Trim(s, " \t\r\n\u3000\u00a0") }

// sensitive columns are masked on export; a masked value cannot come back.
func sensitive(key string) bool { return key == "id_number" || key == "phone" }

func checkCode(c column, v string) (string, *apperr.Error) {
	if sensitive(c.Key) && strings.ContainsAny(v, "*＊") {
		return "", apperr.Invalidf(c.Key, "是脱敏后的数据（含*），不能导入；请导出时选择显示完整信息",
			"is masked (contains *) and cannot be imported; export with personal data revealed")
	}
	// Excel turns long digit strings typed into a General cell into numbers
	// and keeps only 15 significant digits; the value is lost.
	if strings.ContainsAny(v, "eE") && strings.Contains(v, "+") {
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return "", apperr.Invalidf(c.Key, "被 Excel 存成了科学计数法数字（%s），请把该列设为文本格式后重新填写",
				"was stored by Excel as a number in scientific notation (%s); format the column as text and type it again", v)
		}
	}
	v = strings.Join(strings.Fields(strings.ReplaceAll(v, "\u3000", " ")), "")
	if c.Key == "grid_code" {
		if len(v) != 15 || strings.Trim(v, "0123456789") != "" {
			return "", apperr.Invalidf(c.Key, "应为15位数字，实际为“%s”", "must be 15 digits, got %q", v)
		}
	}
	if c.Key == "id_number" {
		v = strings.ToUpper(v)
	}
	return v, nil
}

// numberFolder strips thousands separators and the units people type after
// numbers.
var numberFolder = strings.NewReplacer(",", "", "，", "", " ", "", "㎡", "", "平方米", "", "平米", "", "m²", "", "m2", "", "层", "", "°", "")

func checkFloat(c column, v string) (string, *apperr.Error) {
	f, err := strconv.ParseFloat(numberFolder.Replace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", apperr.Invalidf(c.Key, "应为数字，实际为“%s”", "must be a number, got %q", v)
	}
	if c.Max > c.Min && (f < c.Min || f > c.Max) {
		return "", apperr.Invalidf(c.Key, "应在%g到%g之间，实际为%g", "must be between %g and %g, got %g", c.Min, c.Max, f)
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

func checkInt(c column, v string) (string, *apperr.Error) {
	f, err := strconv.ParseFloat(numberFolder.Replace(v), 64)
	if err != nil || f != math.Trunc(f) || f > 1e6 {
		return "", apperr.Invalidf(c.Key, "应为整数，实际为“%s”", "must be a whole number, got %q", v)
	}
	if f < 0 {
		return "", apperr.Invalidf(c.Key, "不能为负数", "must not be negative")
	}
	return strconv.Itoa(int(f)), nil
}

func checkTags(c column, v string) (string, *apperr.Error) {
	var codes, unknown []string
	seen := map[string]bool{}
	for _, t := range splitTags(v) {
		t = trimCell(t)
		if t == "" {
			continue
		}
		code, ok := c.Enum.code(t)
		if !ok {
			unknown = append(unknown, t)
			continue
		}
		if !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	if len(unknown) > 0 {
		return "", apperr.New(apperr.Invalid, c.Key,
			fmt.Sprintf("无法识别的标签“%s”，可选：%s", strings.Join(unknown, "、"), c.Enum.labelList("zh")),
			fmt.Sprintf("unknown tag %q; allowed: %s", strings.Join(unknown, ", "), c.Enum.labelList("en")))
	}
	return strings.Join(codes, ","), nil
}
