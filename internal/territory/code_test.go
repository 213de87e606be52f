package territory

import (
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
)

func TestCheckCode(t *testing.T) {
	city := &Region{Level: LevelCity, Code: "370100", Name: "济南市"}
	county := &Region{Level: LevelCounty, Code: "110105", Name: "朝阳区"}
	street := &Region{Level: LevelTownship, Code: "110105001000", Name: "建外街道"}
	community := &Region{Level: LevelVillage, Code: "110105001001", Name: "建国里社区"}
	tests := []struct {
		name   string
		level  Level
		code   string
		parent *Region
		given  Kind
		want   Kind   // when good
		field  string // when bad
	}{
		// Good codes per level and range.
		{"city", LevelCity, "370100", nil, "", KindCity, ""},
		{"district by default", LevelCounty, "110105", nil, "", KindDistrict, ""},
		{"county by default", LevelCounty, "110228", nil, "", KindCounty, ""},
		{"county-level city", LevelCounty, "370181", nil, "", KindCounty, ""},
		{"county given district", LevelCounty, "370181", nil, KindDistrict, KindDistrict, ""},
		{"county under city", LevelCounty, "370102", city, "", KindDistrict, ""},
		{"Taiwan province", LevelCounty, "710101", nil, "", KindDistrict, ""},
		{"street 001", LevelTownship, "110105001000", county, "", KindStreet, ""},
		{"street 099", LevelTownship, "110105099000", county, "", KindStreet, ""},
		{"town 100", LevelTownship, "110105100000", county, "", KindTown, ""},
		{"town 199", LevelTownship, "110105199000", county, "", KindTown, ""},
		{"township 200", LevelTownship, "110105200000", county, "", KindTownship, ""},
		{"township 399", LevelTownship, "110105399000", county, KindTownship, KindTownship, ""},
		{"farm 400", LevelTownship, "110105400000", county, "", KindFarm, ""},
		{"farm 599", LevelTownship, "110105599000", county, "", KindFarm, ""},
		{"community 001", LevelVillage, "110105001001", street, "", KindCommunity, ""},
		{"community 199", LevelVillage, "110105001199", street, "", KindCommunity, ""},
		{"village 200", LevelVillage, "110105001200", street, "", KindVillage, ""},
		{"village 399", LevelVillage, "110105001399", street, "", KindVillage, ""},
		{"grid 001", LevelGrid, "110105001001001", community, "", KindGrid, ""},
		{"grid 999", LevelGrid, "110105001001999", community, "", KindGrid, ""},

		// Bad codes.
		{"unknown level", Level("street"), "110105001000", county, "", "", "level"},
		{"empty", LevelCounty, "", nil, "", "", "code"},
		{"letters", LevelCounty, "11010a", nil, "", "", "code"},
		{"full-width digits", LevelCounty, "１１０１０５", nil, "", "", "code"},
		{"county too long", LevelCounty, "1101051", nil, "", "", "code"},
		{"county too short", LevelCounty, "11010", nil, "", "", "code"},
		{"no province 99", LevelCounty, "990105", nil, "", "", "code"},
		{"no province 16", LevelCounty, "160105", nil, "", "", "code"},
		{"no province 72", LevelCounty, "720105", nil, "", "", "code"},
		{"county ends 00", LevelCounty, "110100", nil, "", "", "code"},
		{"county kind street", LevelCounty, "110105", nil, KindStreet, "", "kind"},
		{"county of another city", LevelCounty, "370205", city, "", "", "code"},
		{"city not ending 00", LevelCity, "370101", nil, "", "", "code"},
		{"city 00 middle", LevelCity, "370000", nil, "", "", "code"},
		{"township 9 digits", LevelTownship, "110105001", county, "", "", "code"},
		{"township of another county", LevelTownship, "110106001000", county, "", "", "code"},
		{"township not ending 000", LevelTownship, "110105001001", county, "", "", "code"},
		{"township 000", LevelTownship, "110105000000", county, "", "", "code"},
		{"township 600", LevelTownship, "110105600000", county, "", "", "code"},
		{"township 999", LevelTownship, "110105999000", county, "", "", "code"},
		{"township kind mismatch", LevelTownship, "110105001000", county, KindTown, "", "kind"},
		{"village 000", LevelVillage, "110105001000", street, "", "", "code"},
		{"village 400", LevelVillage, "110105001400", street, "", "", "code"},
		{"village 999", LevelVillage, "110105001999", street, "", "", "code"},
		{"village of another street", LevelVillage, "110105002001", street, "", "", "code"},
		{"village 15 digits", LevelVillage, "110105001001001", street, "", "", "code"},
		{"grid 000", LevelGrid, "110105001001000", community, "", "", "code"},
		{"grid 14 digits", LevelGrid, "11010500100100", community, "", "", "code"},
		{"grid of another community", LevelGrid, "110105001002001", community, "", "", "code"},
		{"grid with bad village part", LevelGrid, "110105001500001", nil, "", "", "code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckCode(tt.level, tt.code, tt.parent, tt.given)
			if tt.field == "" {
				if err != nil || got != tt.want {
					t.Fatalf("CheckCode(%s, %q) = %q, %v; want %q", tt.level, tt.code, got, err, tt.want)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || e.Field != tt.field {
				t.Fatalf("CheckCode(%s, %q) = %q, %v; want invalid %s", tt.level, tt.code, got, err, tt.field)
			}
			checkMessage(t, e)
		})
	}
}

func TestCheckParent(t *testing.T) {
	city := &Region{Level: LevelCity, Code: "370100", Name: "济南市"}
	county := &Region{Level: LevelCounty, Code: "110105", Name: "朝阳区"}
	street := &Region{Level: LevelTownship, Code: "110105001000", Name: "建外街道"}
	tests := []struct {
		level  Level
		parent *Region
		ok     bool
	}{
		{LevelCity, nil, true},
		{LevelCity, county, false},
		{LevelCounty, nil, true},
		{LevelCounty, city, true},
		{LevelCounty, street, false},
		{LevelTownship, county, true},
		{LevelTownship, nil, false},
		{LevelTownship, city, false},
		{LevelVillage, street, true},
		{LevelVillage, county, false},
		{LevelGrid, street, false},
		{LevelGrid, nil, false},
	}
	for _, tt := range tests {
		err := checkParent(tt.level, tt.parent)
		if tt.ok != (err == nil) {
			t.Errorf("checkParent(%s, %v) = %v; want ok=%v", tt.level, tt.parent, err, tt.ok)
			continue
		}
		if err != nil {
			e := apperr.As(err)
			if e.Field != "parent_id" {
				t.Errorf("checkParent(%s): field %q, want parent_id", tt.level, e.Field)
			}
			checkMessage(t, e)
		}
	}
}

// checkMessage asserts that an error carries both languages, fully formatted.
func checkMessage(t *testing.T, e *apperr.Error) {
	t.Helper()
	if e.Msg.ZH == "" || e.Msg.EN == "" || strings.Contains(e.Msg.ZH, "%!") || strings.Contains(e.Msg.EN, "%!") {
		t.Errorf("bad message: %+v", e.Msg)
	}
}
