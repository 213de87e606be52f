package category

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
)

// The field names of a category in errors: the CSV column names, so that an
// import error and a form error name the same thing.
const (
	fCode     = "code"
	fParent   = "parent_code"
	fKind     = "kind"
	fNameZH   = "name_zh"
	fNameEN   = "name_en"
	fFiling   = "filing_condition_zh"
	fClosing  = "closing_condition_zh"
	fDept     = "department_zh"
	fHandle   = "handle_limit"
	fUrgent   = "urgent_limit"
	fSource   = "source"
	fLocal    = "local"
	fActive   = "active"
	fIcon     = "icon"
	maxDepth  = 8 // far deeper than any real dictionary; bounds the ancestor walks
	localMark = "L"
)

// codePattern is a category code: an upper-case letter, then letters or
// digits ("E06010", "S0102", "LE0102"). Codes are upper-cased on input.
var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,19}$`)

// normCode trims and upper-cases a code.
func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// checkCode checks a code's form; field names the input it came from.
func checkCode(field, code string) *apperr.Error {
	if code == "" {
		return apperr.Invalidf(field, "分类代码不能为空", "the category code is required")
	}
	if !codePattern.MatchString(code) {
		return apperr.Invalidf(field, "分类代码“%s”格式有误：应以大写字母开头，由 2–20 位字母或数字组成", "category code %q is malformed: 2–20 letters or digits starting with a letter", code)
	}
	return nil
}

// text fields: label, whether required, maximum length in characters.
type textRule struct {
	label    apperr.Text
	required bool
	max      int
}

var textRules = map[string]textRule{
	fNameZH:  {apperr.Text{ZH: "中文名称", EN: "the Chinese name"}, true, 50},
	fNameEN:  {apperr.Text{ZH: "英文名称", EN: "the English name"}, false, 100},
	fFiling:  {apperr.Text{ZH: "立案条件", EN: "the filing condition"}, false, 500},
	fClosing: {apperr.Text{ZH: "结案条件", EN: "the closing condition"}, false, 500},
	fDept:    {apperr.Text{ZH: "处置部门", EN: "the department"}, false, 50},
	fSource:  {apperr.Text{ZH: "来源", EN: "the source"}, false, 1000},
}

// checkText trims s and checks it against the field's rule.
func checkText(field, s string) (string, *apperr.Error) {
	r := textRules[field]
	s = strings.TrimSpace(s)
	if s == "" && r.required {
		return "", apperr.New(apperr.Invalid, field, r.label.ZH+"不能为空", r.label.EN+" is required")
	}
	if n := utf8.RuneCountInString(s); n > r.max {
		return "", apperr.New(apperr.Invalid, field, fmt.Sprintf("%s过长（%d 字，最多 %d 字）", r.label.ZH, n, r.max),
			fmt.Sprintf("%s is too long (%d characters, at most %d)", r.label.EN, n, r.max))
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", apperr.New(apperr.Invalid, field, r.label.ZH+"含有无效字符", r.label.EN+" contains invalid characters")
	}
	return s, nil
}

// parseLimitField reads a limit typed in field ("" is none) and names the
// field in the error.
func parseLimitField(field, s string) (*calendar.Limit, *apperr.Error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	l, err := calendar.ParseLimit(s)
	if err != nil {
		e := apperr.As(err)
		if e == nil {
			e = apperr.Invalidf(field, "时限“%s”无效", "time limit %q is not valid", s)
		}
		cp := *e
		cp.Field = field
		return nil, &cp
	}
	return &l, nil
}

// build turns an input into a category with trimmed, checked fields; it
// returns every bad field. std is the set of standard codes.
func build(in CategoryInput, std map[string]bool) (*Category, apperr.List) {
	var errs apperr.List
	add := func(e *apperr.Error) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	c := &Category{Code: normCode(in.Code), ParentCode: normCode(in.ParentCode), Kind: strings.TrimSpace(in.Kind),
		Local: in.Local, Active: true, Icon: strings.TrimSpace(in.Icon)}
	add(checkCode(fCode, c.Code))
	if c.ParentCode != "" {
		add(checkCode(fParent, c.ParentCode))
	}
	var e *apperr.Error
	c.NameZH, e = checkText(fNameZH, in.NameZH)
	add(e)
	c.NameEN, e = checkText(fNameEN, in.NameEN)
	add(e)
	c.FilingCondition, e = checkText(fFiling, in.FilingCondition)
	add(e)
	c.ClosingCondition, e = checkText(fClosing, in.ClosingCondition)
	add(e)
	c.DepartmentName, e = checkText(fDept, in.DepartmentName)
	add(e)
	c.Source, e = checkText(fSource, in.Source)
	add(e)
	c.HandleLimit, e = parseLimitField(fHandle, in.HandleLimit)
	add(e)
	c.UrgentLimit, e = parseLimitField(fUrgent, in.UrgentLimit)
	add(e)
	errs = append(errs, checkRow(c, std)...)
	return c, errs
}

// checkRow checks what a row can say about itself: its kind, icon, and its
// code against the local flag.
func checkRow(c *Category, std map[string]bool) apperr.List {
	var errs apperr.List
	if !ValidKind(c.Kind) {
		errs = append(errs, apperr.Invalidf(fKind, "分类类型“%s”无效（应为 %s）", "category kind %q is not valid (one of %s)",
			c.Kind, strings.Join(Kinds, ", ")))
	}
	if c.Icon != "" && !ValidIcon(c.Icon) {
		errs = append(errs, apperr.Invalidf(fIcon, "图标“%s”不在可选图标之列", "icon %q is not one of the available icons", c.Icon))
	}
	if codePattern.MatchString(c.Code) {
		switch {
		case c.Local && std[c.Code]:
			errs = append(errs, apperr.Invalidf(fCode, "本地分类代码 %s 与标准分类代码冲突，请使用以 L 开头的代码",
				"local category code %s collides with a standard code; use a code starting with L", c.Code))
		case c.Local && !strings.HasPrefix(c.Code, localMark):
			errs = append(errs, apperr.Invalidf(fCode, "本地分类代码 %s 应以 L 开头，以免与标准代码冲突",
				"local category code %s must start with L so that it cannot collide with a standard code", c.Code))
		case !c.Local && strings.HasPrefix(c.Code, localMark):
			errs = append(errs, apperr.Invalidf(fLocal, "以 L 开头的代码 %s 留给本地分类，应标记为本地（local=true）",
				"codes starting with L such as %s are kept for local categories: mark the row local (local=true)", c.Code))
		}
	}
	return errs
}

// dict is the whole dictionary in memory, as it would be after a change:
// the tree rules are checked on it before anything is written.
type dict struct {
	byCode   map[string]*Category
	children map[string][]string // parent code → child codes, built on demand
}

func newDict(cs []*Category) *dict {
	d := &dict{byCode: make(map[string]*Category, len(cs))}
	for _, c := range cs {
		d.byCode[c.Code] = c
	}
	return d
}

// put adds or replaces a category.
func (d *dict) put(c *Category) {
	d.byCode[c.Code] = c
	d.children = nil
}

func (d *dict) kids(code string) []string {
	if d.children == nil {
		d.children = make(map[string][]string)
		for _, c := range d.byCode {
			if c.ParentCode != "" {
				d.children[c.ParentCode] = append(d.children[c.ParentCode], c.Code)
			}
		}
		for _, k := range d.children {
			sort.Strings(k)
		}
	}
	return d.children[code]
}

// checkTree checks the rules that involve other rows: the parent exists,
// has the same kind and is active when the row is; the parent chain has no
// loop; a retired row has no active sub-category.
func (d *dict) checkTree(c *Category) apperr.List {
	var errs apperr.List
	if c.ParentCode != "" {
		p := d.byCode[c.ParentCode]
		switch {
		case p == nil:
			errs = append(errs, apperr.Invalidf(fParent, "上级分类 %s 不存在", "parent category %s does not exist", c.ParentCode))
		case p.Kind != c.Kind && ValidKind(c.Kind):
			errs = append(errs, apperr.Invalidf(fKind, "分类类型 %s 与上级分类 %s 的类型 %s 不一致",
				"kind %[1]s differs from the kind %[3]s of parent category %[2]s", c.Kind, c.ParentCode, p.Kind))
		case c.Active && !p.Active:
			errs = append(errs, apperr.Invalidf(fActive, "上级分类 %s 已停用，其下级分类不能启用",
				"parent category %s is retired, so its sub-categories cannot be active", c.ParentCode))
		}
		if p != nil && d.loops(c) {
			errs = append(errs, apperr.Invalidf(fParent, "上级分类 %s 会使分类树形成循环或超过 %d 层",
				"parent category %s would make the tree loop or exceed %d levels", c.ParentCode, maxDepth))
		}
	}
	if !c.Active {
		for _, k := range d.kids(c.Code) {
			if d.byCode[k].Active {
				errs = append(errs, apperr.Invalidf(fActive, "分类 %s 还有启用的下级分类 %s，请先停用下级分类",
					"category %s still has the active sub-category %s: retire that first", c.Code, k))
				break
			}
		}
	}
	return errs
}

// loops reports whether walking up from c returns to c or exceeds maxDepth.
func (d *dict) loops(c *Category) bool {
	cur := c
	for i := 0; i <= maxDepth; i++ {
		if cur.ParentCode == "" {
			return false
		}
		if cur.ParentCode == c.Code {
			return true
		}
		if cur = d.byCode[cur.ParentCode]; cur == nil {
			return false
		}
	}
	return true
}

// depth is the number of ancestors of c (0 for a top-level class).
func (d *dict) depth(c *Category) int {
	n := 0
	for cur := c; cur.ParentCode != "" && n <= maxDepth; n++ {
		if cur = d.byCode[cur.ParentCode]; cur == nil {
			break
		}
	}
	return n
}
