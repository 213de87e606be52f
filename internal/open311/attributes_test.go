package open311

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/category"
)

func nil2cat(name string) *category.Category { return &category.Category{NameZH: name} }

// testDict is a small dictionary: an emergency leaf, a component leaf,
// a special-groups leaf and two natures.
func testDict() *dictionary {
	cs := []*category.Category{
		{Code: "C01", Kind: category.KindComponent, NameZH: "市政公用设施", Active: true},
		{Code: "C01011", ParentCode: "C01", Kind: category.KindComponent, NameZH: "燃气井盖", Active: true},
		{Code: "LE01", Kind: category.KindEvent, NameZH: "突发事件类", NameEN: "Emergencies", FilingCondition: "突发", Active: true},
		{Code: "LE0103", ParentCode: "LE01", Kind: category.KindEvent, NameZH: "道路塌陷", NameEN: "Road collapse", Active: true},
		{Code: "LE0199", ParentCode: "LE01", Kind: category.KindEvent, NameZH: "停用", Active: false},
		{Code: "S04", Kind: category.KindSocial, NameZH: "特殊人群", Active: true},
		{Code: "S0401", ParentCode: "S04", Kind: category.KindSocial, NameZH: "社区矫正对象", Active: true},
		{Code: "LH01", Kind: category.KindHotline, NameZH: "城乡建设", Active: true},
		{Code: "N01", Kind: category.KindRequestNature, NameZH: "咨询", NameEN: "Consultation", Active: true},
		{Code: "N03", Kind: category.KindRequestNature, NameZH: "投诉", NameEN: "Complaint", Active: true},
	}
	d := &dictionary{all: cs, byCode: map[string]*category.Category{}, kids: map[string]int{}}
	for _, c := range cs {
		d.byCode[c.Code] = c
		if c.Active && c.ParentCode != "" {
			d.kids[c.ParentCode]++
		}
		if c.Active && c.Kind == category.KindRequestNature {
			d.natures = append(d.natures, c)
		}
	}
	return d
}

// TestOffered: active leaves of the service kinds, outside the withheld
// classes, are services; classes, retired rows, hotline classes and
// natures are not.
func TestOffered(t *testing.T) {
	d := testDict()
	var got []string
	for _, c := range d.all {
		if d.offered(c, []string{"S04"}) {
			got = append(got, c.Code)
		}
	}
	if want := []string{"C01011", "LE0103"}; !slices.Equal(got, want) {
		t.Errorf("offered = %v, want %v", got, want)
	}
	s := d.serviceOf(d.byCode["LE0103"], "en")
	want := ServiceType{ServiceCode: "LE0103", ServiceName: "Road collapse", Description: "突发", Metadata: true, Type: "realtime",
		Keywords: "道路塌陷, Road collapse, 突发事件类, Emergencies, 事件, event", Group: "Emergencies"}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("serviceOf (-want +got):\n%s", diff)
	}
}

// TestCheckAttributes: every kind of value, and every problem named on its
// attribute[code] field, all reported at once.
func TestCheckAttributes(t *testing.T) {
	d := testDict()
	defs := d.attributes(d.byCode["LE0103"])
	var codes []string
	for _, a := range defs {
		codes = append(codes, a.code)
	}
	if want := []string{"in_danger", "observed_at", "location_detail", "building_id", "unit_id", "public", "nature"}; !slices.Equal(codes, want) {
		t.Fatalf("attributes of LE0103 = %v, want %v", codes, want)
	}
	zone := time.FixedZone("CST", 8*3600)
	ap, errs := checkAttributes(defs, map[string][]string{
		"in_danger": {"yes"}, "observed_at": {"2026-03-06T14:00:00Z"}, "location_detail": {"北侧\n人行道"},
		"building_id": {"27"}, "unit_id": {"3"}, "public": {"yes"}, "nature": {"N03"},
	}, zone)
	if len(errs) > 0 {
		t.Fatalf("good attributes refused: %v", errs)
	}
	wantNotes := []string{"现场是否有人身安全危险？是", "发现时间：2026-03-06 22:00", "位置补充说明（楼层、方位等）：北侧\n人行道"}
	if !ap.urgent || !ap.public || ap.buildingID != 27 || ap.unitID != 3 || ap.nature != "N03" || !slices.Equal(ap.notes, wantNotes) ||
		!slices.Equal(ap.values["observed_at"], []string{"2026-03-06T22:00:00+08:00"}) {
		t.Errorf("applied = %+v", ap)
	}

	_, errs = checkAttributes(defs, map[string][]string{
		"observed_at": {"yesterday"}, "building_id": {"2.5"}, "unit_id": {"-1"}, "public": {"yes", "no"}, "nature": {"N99"},
		"WHISPAWN": {"123456"}, "in_danger": {""},
	}, zone)
	var fields []string
	for _, e := range errs {
		if e.Code != apperr.Invalid {
			t.Errorf("%v is not Invalid", e)
		}
		fields = append(fields, e.Field)
	}
	want := []string{"attribute[WHISPAWN]", "attribute[in_danger]", "attribute[observed_at]", "attribute[building_id]",
		"attribute[unit_id]", "attribute[public]", "attribute[nature]"}
	if !slices.Equal(fields, want) {
		t.Errorf("errors on %v, want %v", fields, want)
	}

	// A component's multivaluelist keeps each value once, in the list's order.
	comp := d.attributes(d.byCode["C01011"])
	ap, errs = checkAttributes(comp, map[string][]string{"condition": {"displaced", "damaged", "displaced"}}, zone)
	if len(errs) > 0 || !slices.Equal(ap.values["condition"], []string{"displaced", "damaged"}) || !slices.Contains(ap.notes, "部件状况：移位、破损") {
		t.Errorf("multivaluelist: %v %+v", errs, ap)
	}
	if _, errs = checkAttributes(comp, map[string][]string{"condition": {"damaged", "burnt"}}, zone); len(errs) != 1 || errs[0].Field != "attribute[condition]" {
		t.Errorf("a bad multivaluelist value: %v", errs)
	}
	if _, errs = checkAttributes(comp, map[string][]string{"location_detail": {string(make([]rune, 501))}}, zone); len(errs) != 1 {
		t.Errorf("a text of 501 characters: %v", errs)
	}
}

// TestAttributesFromForm reads the specification's attribute[code]=value
// and attribute[code][]=value forms.
func TestAttributesFromForm(t *testing.T) {
	form, err := url.ParseQuery("api_key=xyz&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001&attribute[code1][]=value1&attribute[code1][]=value2&attribute[]=x&attributes[a]=y")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"WHISPAWN": {"123456"}, "WHISDORN": {"COISL001"}, "code1": {"value1", "value2"}}
	if diff := cmp.Diff(want, AttributesFromForm(form)); diff != "" {
		t.Errorf("AttributesFromForm (-want +got):\n%s", diff)
	}
}

func TestParsers(t *testing.T) {
	if b, err := ParseBBox("-122.5, 37.7,-122.4,37.8"); err != nil || *b != (BBox{-122.5, 37.7, -122.4, 37.8}) {
		t.Errorf("ParseBBox = %v, %v", b, err)
	}
	for _, s := range []string{"1,2,3", "a,b,c,d", "1,2,3,4,5"} {
		if _, err := ParseBBox(s); apperr.As(err) == nil || apperr.As(err).Field != "bbox" {
			t.Errorf("ParseBBox(%q) = %v", s, err)
		}
	}
	if tm, err := ParseTime("start_date", "2010-05-24T00:00:00Z"); err != nil || !tm.Equal(time.Date(2010, 5, 24, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseTime = %v, %v", tm, err)
	}
	if _, err := ParseTime("end_date", "2010-05-24"); apperr.As(err) == nil || apperr.As(err).Field != "end_date" {
		t.Errorf("ParseTime without a time = %v", err)
	}
	if got := SplitList(" 1, ,2,"); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("SplitList = %v", got)
	}
}

// TestFilterWindow: the default 90 days, one bound filling in the other,
// more than 90 days refused; updated_* bounds replace the window.
func TestFilterWindow(t *testing.T) {
	now := time.Date(2026, 3, 6, 14, 40, 0, 0, time.UTC)
	day := 24 * time.Hour
	f := RequestFilter{}
	if err := f.check(now); err != nil || !f.End.Equal(now) || !f.Start.Equal(now.Add(-90*day)) || f.Page != 1 || f.PageSize != 1000 {
		t.Errorf("default window: %v %v–%v %d/%d", err, f.Start, f.End, f.Page, f.PageSize)
	}
	start := now.Add(-200 * day)
	f = RequestFilter{Start: &start}
	if err := f.check(now); err != nil || !f.End.Equal(start.Add(90*day)) {
		t.Errorf("start only: %v %v", err, f.End)
	}
	end := start.Add(91 * day)
	f = RequestFilter{Start: &start, End: &end}
	if err := f.check(now); apperr.As(err) == nil || apperr.As(err).Field != "end_date" {
		t.Errorf("91 days: %v", err)
	}
	after := now.Add(-400 * day)
	f = RequestFilter{UpdatedAfter: &after}
	if err := f.check(now); err != nil || f.Start != nil || f.End != nil || f.UpdatedBefore != nil {
		t.Errorf("updated_after only: %v %v %v %v", err, f.Start, f.End, f.UpdatedBefore)
	}
	for _, bad := range []RequestFilter{{Statuses: []string{"pending"}}, {Page: -1}, {PageSize: 1001}, {BBox: &BBox{1, 1, 0, 0}}} {
		if err := bad.check(now); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
