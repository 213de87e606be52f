package people

import (
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Tag marks a resident who needs particular attention. The set is closed.
type Tag string

// The tags.
const (
	TagElderlyAlone    Tag = "elderly_alone"     // 独居老人
	TagElderly         Tag = "elderly"           // 老年人
	TagDisabled        Tag = "disabled"          // 残疾人
	TagLowIncome       Tag = "low_income"        // 低保
	TagVeteran         Tag = "veteran"           // 退役军人
	TagReturnee        Tag = "returnee"          // 返乡人员
	TagLeftBehindChild Tag = "left_behind_child" // 留守儿童
	TagSpecialCare     Tag = "special_care"      // 特殊关爱
	TagKeyPerson       Tag = "key_person"        // 重点人员
	TagMobile          Tag = "mobile"            // 流动人口
)

// Tags lists every tag in display order.
var Tags = []Tag{
	TagElderlyAlone, TagElderly, TagDisabled, TagLowIncome, TagVeteran,
	TagReturnee, TagLeftBehindChild, TagSpecialCare, TagKeyPerson, TagMobile,
}

var tagLabels = map[Tag]apperr.Text{
	TagElderlyAlone:    {ZH: "独居老人", EN: "elderly living alone"},
	TagElderly:         {ZH: "老年人", EN: "elderly"},
	TagDisabled:        {ZH: "残疾人", EN: "disabled"},
	TagLowIncome:       {ZH: "低保", EN: "low income (dibao)"},
	TagVeteran:         {ZH: "退役军人", EN: "veteran"},
	TagReturnee:        {ZH: "返乡人员", EN: "returnee"},
	TagLeftBehindChild: {ZH: "留守儿童", EN: "left-behind child"},
	TagSpecialCare:     {ZH: "特殊关爱", EN: "special care"},
	TagKeyPerson:       {ZH: "重点人员", EN: "key person"},
	TagMobile:          {ZH: "流动人口", EN: "mobile population"},
}

// Label returns the tag's name in Chinese and English.
func (t Tag) Label() apperr.Text { return tagLabels[t] }

// Valid reports whether t is one of the tags.
func (t Tag) Valid() bool { _, ok := tagLabels[t]; return ok }

// ParseTag accepts a tag's code ("low_income") or its Chinese label ("低保"),
// as ledgers write either. Errors are Invalid on field "tags".
func ParseTag(s string) (Tag, error) {
	s = strings.TrimSpace(s)
	if t := Tag(strings.ToLower(s)); t.Valid() {
		return t, nil
	}
	for t, l := range tagLabels {
		if l.ZH == s {
			return t, nil
		}
	}
	return "", apperr.Invalidf("tags", "未知的人员标签“%s”", "unknown resident tag %q", s)
}

// ParseTags parses each of ss with ParseTag, skipping blanks and dropping
// duplicates, and keeps their order.
func ParseTags(ss []string) ([]Tag, error) {
	var out []Tag
	seen := make(map[Tag]bool, len(ss))
	for _, s := range ss {
		if strings.TrimSpace(s) == "" {
			continue
		}
		t, err := ParseTag(s)
		if err != nil {
			return nil, err
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// Relation is a resident's relation to the head of the household.
type Relation string

// The relations.
const (
	RelationNone   Relation = "" // not registered in a household
	RelationHead   Relation = "head"
	RelationSpouse Relation = "spouse"
	RelationChild  Relation = "child"
	RelationParent Relation = "parent"
	RelationOther  Relation = "other"
)

var relationLabels = map[Relation]apperr.Text{
	RelationHead:   {ZH: "户主", EN: "head of household"},
	RelationSpouse: {ZH: "配偶", EN: "spouse"},
	RelationChild:  {ZH: "子女", EN: "child"},
	RelationParent: {ZH: "父母", EN: "parent"},
	RelationOther:  {ZH: "其他", EN: "other"},
}

// Label returns the relation's name in Chinese and English.
func (r Relation) Label() apperr.Text { return relationLabels[r] }

// ParseRelation accepts a relation's code ("head") or Chinese label ("户主");
// "本人" is the head too. Errors are Invalid on field "relation".
func ParseRelation(s string) (Relation, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return RelationNone, nil
	}
	if r := Relation(strings.ToLower(s)); relationLabels[r] != (apperr.Text{}) {
		return r, nil
	}
	if s == "本人" {
		return RelationHead, nil
	}
	for r, l := range relationLabels {
		if l.ZH == s {
			return r, nil
		}
	}
	return "", apperr.Invalidf("relation", "与户主关系“%s”无效，应为户主、配偶、子女、父母或其他", "relation to the head %q is not valid: use head, spouse, child, parent or other", s)
}
