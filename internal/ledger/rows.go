package ledger

import (
	"strconv"
	"strings"

	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/territory"
)

// The conversions between checked records and the services' batch rows.
// Values were checked in pass 1, so parsing them again cannot fail.

func buildingRow(sd *sheetData, rec *record) territory.BuildingRow {
	v := func(k string) string { return sd.val(rec, k) }
	floors, _ := strconv.Atoi(v("floors"))
	return territory.BuildingRow{
		Row: rec.Row, GridCode: v("grid_code"), Compound: v("compound"), Name: v("name"), Kind: v("kind"),
		Address: v("address"), Lon: optFloat(v("lon")), Lat: optFloat(v("lat")), Floors: floors,
	}
}

func householdRow(sd *sheetData, rec *record) territory.HouseholdRow {
	v := func(k string) string { return sd.val(rec, k) }
	return territory.HouseholdRow{
		Row: rec.Row, GridCode: v("grid_code"), Compound: v("compound"), Building: v("building"), Unit: v("unit"),
		Room: v("room"), Kind: v("kind"), AreaM2: optFloat(v("area_m2")),
	}
}

func residentRow(sd *sheetData, rec *record) people.ResidentRow {
	v := func(k string) string { return sd.val(rec, k) }
	var tags []string
	if t := v("tags"); t != "" {
		tags = strings.Split(t, ",")
	}
	return people.ResidentRow{
		Row: rec.Row, GridCode: v("grid_code"), Compound: v("compound"), Building: v("building"), Unit: v("unit"),
		Room: v("room"), Name: v("name"), Gender: v("gender"), IDNumber: v("id_number"), Phone: v("phone"),
		Relation: v("relation"), Tags: tags,
	}
}

func householdKey(r people.ResidentRow) territory.HouseholdKey {
	return territory.HouseholdKey{GridCode: r.GridCode, Compound: r.Compound, Building: r.Building, Unit: r.Unit, Room: r.Room}
}

func optFloat(s string) *float64 {
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	return &f
}

// The cells of exported rows, in the sheets' column order, in lang.

func buildingCells(b territory.BuildingRow, lang string) []any {
	return []any{b.GridCode, b.Compound, b.Name, buildingKinds.label(b.Kind, lang), b.Address,
		floatCell(b.Lon), floatCell(b.Lat), intCell(b.Floors)}
}

func householdCells(h territory.HouseholdRow, lang string) []any {
	return []any{h.GridCode, h.Compound, h.Building, h.Unit, h.Room, householdKinds.label(h.Kind, lang), floatCell(h.AreaM2)}
}

func residentCells(r people.ResidentRow, lang string) []any {
	gender := ""
	if r.Gender != "" {
		gender = genders.label(r.Gender, lang)
	}
	relation := ""
	if r.Relation != "" {
		relation = relations.label(r.Relation, lang)
	}
	tags := make([]string, len(r.Tags))
	for i, t := range r.Tags {
		tags[i] = residentTags.label(t, lang)
	}
	sep := "、"
	if lang == "en" {
		sep = ", "
	}
	return []any{r.GridCode, r.Compound, r.Building, r.Unit, r.Room, r.Name, gender, r.IDNumber, r.Phone, relation, strings.Join(tags, sep)}
}

// floatCell writes a number, or an empty cell for none.
func floatCell(f *float64) any {
	if f == nil {
		return ""
	}
	return *f
}

// intCell writes a count, or an empty cell for 0 (unknown).
func intCell(n int) any {
	if n == 0 {
		return ""
	}
	return n
}
