package people_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/people"
)

func TestValidateIDNumberValid(t *testing.T) {
	today := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in       string
		number   string
		birth    string
		gender   people.Gender
		province string
	}{
		// The classic example of GB 11643-1999.
		{"11010519491231002X", "11010519491231002X", "1949-12-31", people.Female, "北京"},
		{"11010519491231002x", "11010519491231002X", "1949-12-31", people.Female, "北京"},
		{" 11010519491231002X ", "11010519491231002X", "1949-12-31", people.Female, "北京"},
		{validID("44030420000229051"), validID("44030420000229051"), "2000-02-29", people.Male, "广东"},
		{validID("65010219000101002"), validID("65010219000101002"), "1900-01-01", people.Female, "新疆"},
		{validID("81000020260306001"), validID("81000020260306001"), "2026-03-06", people.Male, "香港"},
	}
	for _, tt := range tests {
		info, err := people.ValidateIDNumber(tt.in, today)
		if err != nil {
			t.Errorf("ValidateIDNumber(%q): %v", tt.in, err)
			continue
		}
		if info.Number != tt.number || info.BirthDate.Format(time.DateOnly) != tt.birth || info.Gender != tt.gender ||
			info.Province != tt.province || info.Division != tt.number[:6] {
			t.Errorf("ValidateIDNumber(%q) = %+v, want number %s born %s %s in %s", tt.in, info, tt.number, tt.birth, tt.gender, tt.province)
		}
	}
	// Every body gets exactly one valid check character.
	body := "32010619850715123"
	valid := 0
	for _, c := range "0123456789X" {
		if _, err := people.ValidateIDNumber(body+string(c), today); err == nil {
			valid++
		}
	}
	if valid != 1 {
		t.Errorf("%d check characters accepted for %s, want 1", valid, body)
	}
}

func TestValidateIDNumberInvalid(t *testing.T) {
	today := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)
	good := "11010519491231002X"
	tests := []struct {
		name, in string
		want     string // fragment of the English message
	}{
		{"empty", "", "missing"},
		{"too short", good[:17], "18 characters, this one has 17"},
		{"too long", good + "1", "18 characters, this one has 19"},
		{"15-digit old number", "110105491231002", "18 characters, this one has 15"},
		{"letter in body", "1101051949123A002X", "character 14"},
		{"full-width digit", "11010519491231002８", "last character"},
		{"bad last char", "11010519491231002Y", "last character"},
		{"unknown province", validID("99010519491231002"), "not a province code"},
		{"no such date", validID("11010519490230002"), "not a real date"},
		{"month 13", validID("11010519491331002"), "not a real date"},
		{"future birth", validID("11010520260307002"), "in the future"},
		{"before 1900", validID("11010518991231002"), "before 1900"},
		{"wrong check", "110105194912310021", "check character"},
		{"transposed digits", "11010519491213002X", "check character"},
	}
	for _, tt := range tests {
		_, err := people.ValidateIDNumber(tt.in, today)
		e := apperr.As(err)
		if e == nil || e.Code != apperr.Invalid || e.Field != "id_number" {
			t.Errorf("%s: ValidateIDNumber(%q) = %v, want invalid id_number", tt.name, tt.in, err)
			continue
		}
		if !strings.Contains(e.Msg.EN, tt.want) || e.Msg.ZH == "" || e.Msg.ZH == e.Msg.EN {
			t.Errorf("%s: message %q / %q, want English containing %q and a Chinese text", tt.name, e.Msg.ZH, e.Msg.EN, tt.want)
		}
	}
}

func TestValidatePhone(t *testing.T) {
	valid := map[string]string{
		"13812345678":       "13812345678",
		"+8613812345678":    "13812345678",
		"+86 138 1234 5678": "13812345678",
		"008619912345678":   "19912345678",
		"010-62345678":      "010-62345678",
		"01062345678":       "010-62345678",
		"021-6123456":       "021-6123456",
		"0755-26543210":     "0755-26543210",
		"075526543210":      "0755-26543210",
		"0931 8123456":      "0931-8123456",
	}
	for in, want := range valid {
		got, err := people.ValidatePhone(in)
		if err != nil || got != want {
			t.Errorf("ValidatePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	invalid := []string{
		"", "12812345678", "1381234567", "138123456789", "1381234567a", "+86010123456",
		"0101-2345678", "010-0123456", "010-123456", "010-123456789", "0123-4567890", "12345", "abc", "010-12345678",
		"0755--26543210",
	}
	for _, in := range invalid {
		_, err := people.ValidatePhone(in)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "phone" || e.Msg.ZH == "" {
			t.Errorf("ValidatePhone(%q) = %v, want invalid phone", in, err)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ got, want string }{
		{people.MaskIDNumber("11010519491231002X"), "110105********002X"},
		{people.MaskIDNumber(""), ""},
		{people.MaskPhone("13812345678"), "138****5678"},
		{people.MaskPhone("010-62345678"), "010-****5678"},
		{people.MaskPhone("0755-2654321"), "0755-***4321"},
		{people.MaskPhone(""), ""},
		{people.MaskName("张三明"), "张*明"},
		{people.MaskName("欧阳小明"), "欧**明"},
		{people.MaskName("张三"), "张*"},
		{people.MaskName("张"), "*"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestParseTagsAndRelations(t *testing.T) {
	tags, err := people.ParseTags([]string{"低保", "veteran", " ", "低保", "独居老人"})
	if err != nil {
		t.Fatal(err)
	}
	want := []people.Tag{people.TagLowIncome, people.TagVeteran, people.TagElderlyAlone}
	if len(tags) != len(want) {
		t.Fatalf("ParseTags = %v, want %v", tags, want)
	}
	for i := range want {
		if tags[i] != want[i] {
			t.Fatalf("ParseTags = %v, want %v", tags, want)
		}
	}
	if _, err := people.ParseTags([]string{"vip"}); apperr.As(err) == nil || apperr.As(err).Field != "tags" {
		t.Errorf("unknown tag: %v, want invalid tags", err)
	}
	for _, tag := range people.Tags {
		if l := tag.Label(); l.ZH == "" || l.EN == "" {
			t.Errorf("tag %s has no label", tag)
		}
	}
	if r, err := people.ParseRelation("户主"); err != nil || r != people.RelationHead {
		t.Errorf("ParseRelation(户主) = %q, %v", r, err)
	}
	if _, err := people.ParseRelation("boss"); apperr.As(err) == nil || apperr.As(err).Field != "relation" {
		t.Errorf("ParseRelation(boss) = %v, want invalid relation", err)
	}
}
