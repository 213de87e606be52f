package open311

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/category"
)

// attrUse is where an attribute's value lands in the case.
type attrUse int

const (
	useNote     attrUse = iota // a line of the case's description
	useBuilding                // ReportInput.BuildingID
	useUnit                    // ReportInput.UnitID
	useNature                  // ReportInput.Nature
	usePublic                  // ReportInput.Public
	useDanger                  // "yes" makes the case urgent (and is noted)
)

// attrDef is a service attribute: its wire form and its use.
type attrDef struct {
	code     string
	datatype Datatype
	required bool
	label    apperr.Text // the question
	hint     apperr.Text // how to answer
	values   []valueDef
	use      attrUse
}

type valueDef struct {
	key  string
	name apperr.Text
}

// wire is the attribute as a service definition lists it.
func (a attrDef) wire(order int, lang string) ServiceAttribute {
	w := ServiceAttribute{Variable: true, Code: a.code, Datatype: a.datatype, Required: a.required,
		DatatypeDescription: a.hint.In(lang), Order: order, Description: a.label.In(lang)}
	for _, v := range a.values {
		w.Values = append(w.Values, AttributeValue{Key: v.key, Name: v.name.In(lang)})
	}
	return w
}

var yesNo = []valueDef{{"yes", apperr.Text{ZH: "是", EN: "yes"}}, {"no", apperr.Text{ZH: "否", EN: "no"}}}

// The attributes of particular classes (by the code of their top-level
// class in the dictionary) and kinds; a deployment that renumbers these
// classes changes them here.
var (
	attrInDanger = func(required bool) attrDef {
		return attrDef{code: "in_danger", datatype: SingleValueList, required: required, use: useDanger,
			label: apperr.Text{ZH: "现场是否有人身安全危险？", EN: "Is anyone in danger?"},
			hint:  apperr.Text{ZH: "选择“是”将按紧急案件办理", EN: "\"yes\" makes the request urgent"},
			values: []valueDef{{"yes", apperr.Text{ZH: "是", EN: "yes"}}, {"no", apperr.Text{ZH: "否", EN: "no"}},
				{"unknown", apperr.Text{ZH: "不清楚", EN: "not sure"}}}}
	}
	classAttrs = map[string][]attrDef{
		"LE01": {attrInDanger(true)},  // 突发事件类 emergencies
		"S03":  {attrInDanger(false)}, // 安全隐患 safety hazards
		"S01": {{code: "parties", datatype: Number, use: useNote, // 矛盾纠纷 disputes
			label: apperr.Text{ZH: "涉及人数", EN: "How many people are involved?"},
			hint:  apperr.Text{ZH: "整数", EN: "a whole number"}}},
		"LS05": {{code: "contact_time", datatype: String, use: useNote, // 民生服务 livelihood services
			label: apperr.Text{ZH: "方便联系的时间", EN: "When can we reach you?"},
			hint:  apperr.Text{ZH: "例如：工作日晚上", EN: "e.g. weekday evenings"}}},
	}
	kindAttrs = map[string][]attrDef{
		category.KindComponent: {{code: "condition", datatype: MultiValueList, use: useNote,
			label: apperr.Text{ZH: "部件状况", EN: "What is wrong with it?"},
			hint:  apperr.Text{ZH: "可多选", EN: "choose one or more"},
			values: []valueDef{{"damaged", apperr.Text{ZH: "破损", EN: "damaged"}}, {"missing", apperr.Text{ZH: "缺失", EN: "missing"}},
				{"displaced", apperr.Text{ZH: "移位", EN: "displaced"}}, {"blocked", apperr.Text{ZH: "被占或堵塞", EN: "blocked or occupied"}},
				{"other", apperr.Text{ZH: "其他", EN: "other"}}}}},
		category.KindEvent: {{code: "observed_at", datatype: Datetime, use: useNote,
			label: apperr.Text{ZH: "发现时间", EN: "When was it seen?"},
			hint:  apperr.Text{ZH: "ISO 8601 日期时间，含时区，如 2026-03-06T22:40:00+08:00", EN: "an ISO 8601 date and time with its zone, e.g. 2026-03-06T22:40:00+08:00"}}},
	}
	// commonAttrs come after the particular ones on every service.
	commonAttrs = []attrDef{
		{code: "location_detail", datatype: Text, use: useNote,
			label: apperr.Text{ZH: "位置补充说明（楼层、方位等）", EN: "Where exactly (floor, side …)?"},
			hint:  apperr.Text{ZH: "可换行，最多500字", EN: "free text, up to 500 characters"}},
		{code: "building_id", datatype: Number, use: useBuilding,
			label: apperr.Text{ZH: "楼栋编号（同 address_id）", EN: "Building id (as address_id)"},
			hint:  apperr.Text{ZH: "本系统的楼栋编号，正整数", EN: "this server's building id, a positive integer"}},
		{code: "unit_id", datatype: Number, use: useUnit,
			label: apperr.Text{ZH: "单元编号", EN: "Unit (entrance) id"},
			hint:  apperr.Text{ZH: "本系统的单元编号，须属于所给楼栋", EN: "this server's unit id, in the building given"}},
		{code: "public", datatype: SingleValueList, use: usePublic,
			label:  apperr.Text{ZH: "是否同意公开本诉求（不含个人信息）", EN: "May this request be published (without personal data)?"},
			hint:   apperr.Text{ZH: "默认不公开；公开的诉求任何人可通过本接口查询", EN: "not published by default; published requests can be read by anyone here"},
			values: yesNo},
	}
)

// attributes returns the attributes of service c: its class's and its
// kind's, then the common ones, then the nature of the request.
func (d *dictionary) attributes(c *category.Category) []attrDef {
	var out []attrDef
	out = append(out, classAttrs[d.root(c).Code]...)
	out = append(out, kindAttrs[c.Kind]...)
	out = append(out, commonAttrs...)
	if len(d.natures) > 0 {
		n := attrDef{code: "nature", datatype: SingleValueList, use: useNature,
			label: apperr.Text{ZH: "诉求性质", EN: "Nature of the request"},
			hint:  apperr.Text{ZH: "可不选", EN: "optional"}}
		for _, x := range d.natures {
			n.values = append(n.values, valueDef{x.Code, apperr.Text{ZH: x.NameZH, EN: x.NameEN}})
		}
		out = append(out, n)
	}
	return out
}

// applied is what a request's attributes set on the case.
type applied struct {
	buildingID, unitID int64
	nature             string
	public             bool
	urgent             bool
	notes              []string // "label：value" lines for the description, in Chinese (the staff's language)
	values             map[string][]string
}

// Bounds of free attribute values.
const (
	maxAttrString = 200
	maxAttrText   = 500
)

// checkAttributes checks the submitted attribute values (code → values)
// against the service's definitions and works out their effect. Every
// problem is an Invalid error on "attribute[code]": unknown codes, missing
// required ones, values of the wrong type or outside their list.
func checkAttributes(defs []attrDef, in map[string][]string, zone *time.Location) (*applied, apperr.List) {
	var errs apperr.List
	ap := &applied{values: map[string][]string{}}
	known := map[string]bool{}
	for _, d := range defs {
		known[d.code] = true
	}
	codes := make([]string, 0, len(in))
	for code := range in {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		if !known[code] {
			errs = append(errs, apperr.Invalidf("attribute["+code+"]", "该服务没有属性“%s”", "the service has no attribute %q", code))
		}
	}
	for _, d := range defs {
		field := "attribute[" + d.code + "]"
		var vals []string
		for _, v := range in[d.code] {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			if d.required {
				errs = append(errs, apperr.Invalidf(field, "请回答“%[1]s”", "%[2]s is required", d.label.ZH, d.label.EN))
			}
			continue
		}
		if d.datatype != MultiValueList && len(vals) > 1 {
			errs = append(errs, apperr.Invalidf(field, "“%[1]s”只能有一个值", "%[2]s takes one value", d.label.ZH, d.label.EN))
			continue
		}
		v := vals[0]
		shown := v
		switch d.datatype {
		case String, Text:
			limit := maxAttrString
			if d.datatype == Text {
				limit = maxAttrText
			}
			if d.datatype == String && strings.ContainsAny(v, "\r\n") {
				errs = append(errs, apperr.Invalidf(field, "“%[1]s”不能换行", "%[2]s must be one line", d.label.ZH, d.label.EN))
				continue
			}
			if utf8.RuneCountInString(v) > limit || !utf8.ValidString(v) {
				errs = append(errs, apperr.Invalidf(field, "“%[1]s”最多%[3]d字", "%[2]s takes at most %[3]d characters", d.label.ZH, d.label.EN, limit))
				continue
			}
		case Number:
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				errs = append(errs, apperr.Invalidf(field, "“%[1]s”应为数字", "%[2]s must be a number", d.label.ZH, d.label.EN))
				continue
			}
			if d.use == useBuilding || d.use == useUnit || d.code == "parties" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n <= 0 {
					errs = append(errs, apperr.Invalidf(field, "“%[1]s”应为正整数", "%[2]s must be a positive whole number", d.label.ZH, d.label.EN))
					continue
				}
				switch d.use {
				case useBuilding:
					ap.buildingID = n
				case useUnit:
					ap.unitID = n
				}
			}
		case Datetime:
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				errs = append(errs, apperr.Invalidf(field, "“%[1]s”应为带时区的 ISO 8601 时间，如 2026-03-06T22:40:00+08:00",
					"%[2]s must be an ISO 8601 date and time with its zone, e.g. 2026-03-06T22:40:00+08:00", d.label.ZH, d.label.EN))
				continue
			}
			v = W3C(t, zone)
			shown = t.In(zone).Format("2006-01-02 15:04")
		case SingleValueList, MultiValueList:
			var names []string
			var keys []string
			bad := ""
			for _, x := range vals {
				i := slices.IndexFunc(d.values, func(o valueDef) bool { return o.key == x })
				if i < 0 {
					bad = x
					break
				}
				if !slices.Contains(keys, x) {
					keys = append(keys, x)
					names = append(names, d.values[i].name.ZH)
				}
			}
			if bad != "" {
				errs = append(errs, apperr.Invalidf(field, "“%[1]s”的值“%[3]s”无效，可选：%[4]s", "%[2]s: %[3]q is not one of %[4]s",
					d.label.ZH, d.label.EN, bad, keyList(d.values)))
				continue
			}
			vals, v, shown = keys, keys[0], strings.Join(names, "、")
		}
		if d.datatype != MultiValueList {
			vals = []string{v}
		}
		ap.values[d.code] = vals
		switch d.use {
		case useNature:
			ap.nature = v
		case usePublic:
			ap.public = v == "yes"
		case useDanger:
			ap.urgent = v == "yes"
			ap.notes = append(ap.notes, d.label.ZH+shown)
		case useNote:
			ap.notes = append(ap.notes, d.label.ZH+"："+shown)
		}
	}
	return ap, errs
}

// keyList names a list attribute's keys for error messages.
func keyList(vs []valueDef) string {
	keys := make([]string, len(vs))
	for i, v := range vs {
		keys[i] = v.key
	}
	return strings.Join(keys, ", ")
}

// AttributesFromForm collects the attribute[code]=value and
// attribute[code][]=value fields of a form (a multivaluelist repeats the
// second form); other fields are ignored.
func AttributesFromForm(form url.Values) map[string][]string {
	out := map[string][]string{}
	for k, vs := range form {
		rest, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		rest = strings.TrimSuffix(rest, "[]")
		code, ok := strings.CutSuffix(rest, "]")
		if !ok || code == "" {
			continue
		}
		out[code] = append(out[code], vs...)
	}
	return out
}
