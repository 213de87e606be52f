package ledger

import (
	"strings"
)

// enum maps the labels users write to the codes the services store. Each
// code has one Chinese label (what the template's drop-down offers and
// export writes in Chinese); the code itself is the English label; a few
// common synonyms are accepted on import.
type enum struct {
	codes  []string
	zh     map[string]string // code → Chinese label
	lookup map[string]string // normalised label, code or synonym → code
}

// newEnum builds an enum from code, Chinese label pairs and synonyms
// (synonym → code).
func newEnum(pairs [][2]string, synonyms map[string]string) *enum {
	e := &enum{zh: map[string]string{}, lookup: map[string]string{}}
	for _, p := range pairs {
		e.codes = append(e.codes, p[0])
		e.zh[p[0]] = p[1]
		e.lookup[normLabel(p[0])] = p[0]
		e.lookup[normLabel(p[1])] = p[0]
	}
	for s, c := range synonyms {
		e.lookup[normLabel(s)] = c
	}
	return e
}

// The enums of the three sheets.
var (
	buildingKinds = newEnum([][2]string{{"building", "楼栋"}, {"courtyard", "院落"}},
		map[string]string{"楼房": "building", "楼": "building", "平房": "courtyard", "院": "courtyard"})
	householdKinds = newEnum([][2]string{{"owner", "自住"}, {"rented", "出租"}, {"vacant", "空置"}, {"other", "其他"}},
		map[string]string{"自有": "owner", "自用": "owner", "租住": "rented", "出租房": "rented", "空房": "vacant", "闲置": "vacant", "其它": "other"})
	genders = newEnum([][2]string{{"male", "男"}, {"female", "女"}},
		map[string]string{"男性": "male", "女性": "female", "m": "male", "f": "female"})
	relations = newEnum([][2]string{{"head", "户主"}, {"spouse", "配偶"}, {"child", "子女"}, {"parent", "父母"}, {"other", "其他"}},
		map[string]string{"本人": "head", "妻": "spouse", "夫": "spouse", "妻子": "spouse", "丈夫": "spouse",
			"子": "child", "女": "child", "儿子": "child", "女儿": "child", "长子": "child", "长女": "child", "次子": "child", "次女": "child",
			"父亲": "parent", "母亲": "parent", "父": "parent", "母": "parent", "其它": "other"})
	residentTags = newEnum([][2]string{
		{"elderly_alone", "独居老人"}, {"elderly", "老年人"}, {"disabled", "残疾人"}, {"low_income", "低保"},
		{"veteran", "退役军人"}, {"returnee", "返乡人员"}, {"left_behind_child", "留守儿童"},
		{"special_care", "特殊关爱"}, {"key_person", "重点人员"}, {"mobile", "流动人口"},
	}, map[string]string{"空巢老人": "elderly_alone", "老人": "elderly", "残疾": "disabled", "低保户": "low_income",
		"退伍军人": "veteran", "流动人员": "mobile"})
)

// code returns the code of a label, code or synonym.
func (e *enum) code(label string) (string, bool) {
	c, ok := e.lookup[normLabel(label)]
	return c, ok
}

// label returns the label of code in lang: the Chinese label, or the code
// itself for English.
func (e *enum) label(code, lang string) string {
	if lang == "en" {
		return code
	}
	if l, ok := e.zh[code]; ok {
		return l
	}
	return code
}

// labels returns every label in lang, in code order, for drop-downs.
func (e *enum) labels(lang string) []string {
	out := make([]string, len(e.codes))
	for i, c := range e.codes {
		out[i] = e.label(c, lang)
	}
	return out
}

// labelList joins the labels in lang for messages.
func (e *enum) labelList(lang string) string {
	if lang == "en" {
		return strings.Join(e.labels(lang), ", ")
	}
	return strings.Join(e.labels(lang), "、")
}

// tagSeparators split a tags cell: the enumeration comma, commas, semicolons
// and line breaks, in both widths.
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '、', ',', '，', ';', '；', '\n', '\r', '/', '|':
			return true
		}
		return false
	})
}

func normLabel(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "\u3000", " ")), " "))
}
