package people

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Resident is a person as lists and detail pages show them: the ID number
// and phone are masked ("110105********002X", "138****5678"). The full
// values come only from RevealResident, which is audited.
type Resident struct {
	ID          int64
	HouseholdID int64 // 0 when the resident is not registered in a household
	RegionPath  string
	Name        string
	Gender      Gender
	BirthDate   time.Time // zero when unknown
	IDNumber    string    // masked
	Phone       string    // masked
	Relation    Relation
	PartyMember bool
	Tags        []Tag
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ResidentInput is a new resident. Either HouseholdID or RegionID places the
// resident: the household's region path is copied, or else the region's.
// Gender and BirthDate may be left zero when the ID number gives them; when
// both are given they must agree.
type ResidentInput struct {
	HouseholdID int64
	RegionID    int64
	Name        string
	Gender      Gender
	BirthDate   time.Time
	IDNumber    string
	Phone       string
	Relation    Relation // required with a household
	PartyMember bool
	Tags        []Tag
}

// ResidentUpdate changes the fields that are not nil. An empty IDNumber or
// Phone clears it; a HouseholdID moves the resident to that household (and
// its region).
type ResidentUpdate struct {
	HouseholdID *int64
	Name        *string
	Gender      *Gender
	BirthDate   *time.Time
	IDNumber    *string
	Phone       *string
	Relation    *Relation
	PartyMember *bool
	Tags        *[]Tag
}

// ResidentFilter selects residents; the zero filter selects every resident
// the actor may read. Text fields match when not empty.
type ResidentFilter struct {
	Subtree      string // a region path: residents in that subtree
	RegionID     *int64 // residents in the subtree of this region
	HouseholdID  *int64
	Tag          *Tag
	NameContains string
	IDNumber     string // exact, through the blind index
	Phone        string // exact, through the blind index
	Offset       int
	Limit        int // 50 when 0, at most 1000
}

// ResidentPII is a resident's full personal data, returned by RevealResident.
type ResidentPII struct {
	ResidentID int64
	Name       string
	IDNumber   string
	Phone      string
}

// residentFields are the validated, normalised personal fields of a
// resident, shared by CreateResident, UpdateResident and ImportResidents.
type residentFields struct {
	name      string
	gender    Gender
	birthDate time.Time
	idNumber  string
	phone     string
	relation  Relation
	tags      []Tag
}

// rawResident is a resident's fields as typed in a form or a ledger row.
type rawResident struct {
	name, gender, idNumber, phone, relation string
	birthDate                               time.Time
	tags                                    []string
	inHousehold                             bool
}

// validate checks every field of r and returns them normalised, or the
// list of every bad field in column order (name, gender, id_number, phone,
// relation, tags).
func (r rawResident) validate(today time.Time) (residentFields, apperr.List) {
	var f residentFields
	var errs apperr.List
	add := func(err error) {
		if e := apperr.As(err); e != nil {
			errs = append(errs, e)
		}
	}
	var err error
	if f.name, err = validateName(r.name); err != nil {
		add(err)
	}
	g, gerr := ParseGender(r.gender)
	var info IDInfo
	var idErr error
	if strings.TrimSpace(r.idNumber) != "" {
		info, idErr = ValidateIDNumber(r.idNumber, today)
	}
	switch {
	case gerr != nil:
		add(gerr)
	case idErr == nil && info.Number != "" && g != GenderUnknown && g != info.Gender:
		add(apperr.New(apperr.Invalid, "gender",
			fmt.Sprintf("性别“%s”与身份证号码（%s性）不符", g.Label().ZH, info.Gender.Label().ZH),
			fmt.Sprintf("gender %s does not match the ID number (%s)", g.Label().EN, info.Gender.Label().EN)))
	case g == GenderUnknown:
		g = info.Gender
	}
	f.gender = g
	if idErr != nil {
		add(idErr)
	}
	f.idNumber = info.Number
	f.birthDate = info.BirthDate
	if !r.birthDate.IsZero() {
		bd := dateOnly(r.birthDate)
		switch {
		case info.Number != "" && !bd.Equal(info.BirthDate):
			add(apperr.Invalidf("birth_date", "出生日期%s与身份证号码中的%s不符", "birth date %s does not match the one in the ID number (%s)", bd.Format(time.DateOnly), info.BirthDate.Format(time.DateOnly)))
		case bd.After(dateOnly(today)) || bd.Before(earliestBirth):
			add(apperr.Invalidf("birth_date", "出生日期%s不合理", "birth date %s is not plausible", bd.Format(time.DateOnly)))
		default:
			f.birthDate = bd
		}
	}
	if strings.TrimSpace(r.phone) != "" {
		if f.phone, err = ValidatePhone(r.phone); err != nil {
			add(err)
		}
	}
	if f.relation, err = ParseRelation(r.relation); err != nil {
		add(err)
	} else if r.inHousehold && f.relation == RelationNone {
		add(apperr.Invalidf("relation", "请填写与户主关系（户主、配偶、子女、父母或其他）", "the relation to the head of household is missing (head, spouse, child, parent or other)"))
	}
	if f.tags, err = ParseTags(r.tags); err != nil {
		add(err)
	}
	return f, errs
}

// maxNameRunes bounds a name: long enough for transliterated minority names.
const maxNameRunes = 64

func validateName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.Invalidf("name", "请填写姓名", "the name is missing")
	}
	if n := len([]rune(s)); n > maxNameRunes {
		return "", apperr.Invalidf("name", "姓名过长（%d字），最多%d字", "the name is too long (%d characters, at most %d)", n, maxNameRunes)
	}
	for _, c := range s {
		if unicode.IsControl(c) || c == unicode.ReplacementChar {
			return "", apperr.Invalidf("name", "姓名含有无效字符", "the name contains an invalid character")
		}
	}
	return s, nil
}

// dateOnly returns t's calendar date at UTC midnight.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func tagStrings(tags []Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = string(t)
	}
	return out
}
