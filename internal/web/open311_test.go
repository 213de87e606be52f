package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/ledger"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/open311"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/gridwork/gridwork/internal/web"
)

// The specification's own example requests (GeoReport/v2/index.md in
// open311/open311.github.io @ d65f0b9a): the POST body of "POST Service
// Request" byte for byte, and the sample URLs of the GET methods.
const (
	specPOST          = `api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001`
	specServices      = `/services.xml?jurisdiction_id=city.gov`
	specDefinition    = `/services/033.xml?jurisdiction_id=city.gov`
	specRequests      = `/requests.xml?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open&jurisdiction_id=city.gov`
	specRequest       = `/requests/123456.xml?jurisdiction_id=city.gov`
	specToken         = `/tokens/123456.xml?jurisdiction_id=city.gov`
	o311Base          = "/open311/v2"
	specJurisdiction  = "330110" // city.gov's stand-in: jurisdictions are county division codes here
	specMediaURL      = "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"
	roadCollapse      = "LE0103" // 道路塌陷: the service standing in for the example's "001" (a sinkhole)
	roadCollapseClose = "已设围挡警示并完成回填修复，道路恢复通行"
)

// o311World is a district served with the case loop and Open311. County
// 330110 is drawn around the specification's example point (San Francisco,
// 37.76524078,-122.4212043), so that the example's location places as
// written; a second county, 330111, makes the server multi-jurisdiction.
type o311World struct {
	*fixture
	db       *sqldb.DB
	clock    *fakeClock
	building *territory.Building
	roads    *category.Department
	users    map[string]int64
	key      string // the secret of "FixMyStreet 临江", a key for 330110
}

func newO311World(t *testing.T, db *sqldb.DB, clock *fakeClock) *o311World {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.SystemActor())
	w := &o311World{fixture: &fixture{regions: map[string]*territory.Region{}, bldg: map[string]int64{}}, db: db, clock: clock, users: map[string]int64{}}
	terr := territory.NewService(db)
	master, _ := people.ParseKey(strings.Repeat("ef", 32))
	keys, _ := people.NewKeyring(master)
	ppl := people.NewService(db, keys)
	au := auth.NewService(db, func(ctx context.Context, kind auth.ScopeKind, id int64) (string, error) {
		if kind == auth.ScopeParty {
			return ppl.OrgPathOf(ctx, id)
		}
		return terr.PathOf(ctx, id)
	}, auth.Options{Argon2: auth.FastArgon2(), Now: clock.Now})
	cal := calendar.NewService(db, calendar.Options{Now: clock.Now})
	if _, err := cal.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	cat := category.NewService(db, cal)
	if _, err := cat.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	med := media.NewService(db, media.NewMemStore(), media.Options{})
	ntf := notify.NewService(db, notify.Options{})
	cs := cases.NewService(cases.Deps{DB: db, Auth: au, Territory: terr, Keys: keys, Category: cat, Calendar: cal, Media: med, Notify: ntf},
		cases.Options{Now: clock.Now})
	o311 := open311.NewService(open311.Deps{DB: db, Cases: cs, Category: cat, Territory: terr, Media: med, Keys: keys},
		open311.Options{Now: clock.Now, AnonymousPerMinute: 5000}) // the fake clock stands still: no bucket refills

	add := func(parent, level, code, name string, box [4]float64) {
		in := territory.RegionInput{Level: territory.Level(level), Code: code, Name: name}
		if parent != "" {
			in.ParentID = w.regions[parent].ID
		}
		r, err := terr.CreateRegion(ctx, in)
		if err != nil {
			t.Fatalf("region %s: %v", code, err)
		}
		w.regions[code] = r
		gj := `{"type":"Polygon","coordinates":[[[` + f(box[0]) + `,` + f(box[1]) + `],[` + f(box[2]) + `,` + f(box[1]) + `],[` + f(box[2]) + `,` + f(box[3]) + `],[` + f(box[0]) + `,` + f(box[3]) + `],[` + f(box[0]) + `,` + f(box[1]) + `]]]}`
		if err := terr.SetBoundary(ctx, r.ID, []byte(gj), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatalf("boundary %s: %v", code, err)
		}
	}
	add("", "county", "330110", "临江区", [4]float64{-122.6, 37.6, -122.2, 37.9})
	add("330110", "township", "330110001000", "临江街道", [4]float64{-122.6, 37.6, -122.4, 37.9})
	add("330110001000", "village", "330110001001", "水韵社区", [4]float64{-122.5, 37.7, -122.4, 37.8})
	add("330110001001", "grid", "330110001001001", "水韵社区第1网格", [4]float64{-122.45, 37.75, -122.40, 37.78})
	add("", "county", "330111", "南湖区", [4]float64{120.0, 30.0, 120.4, 30.4})
	add("330111", "township", "330111001000", "南湖街道", [4]float64{120.0, 30.0, 120.2, 30.2})
	add("330111001000", "village", "330111001001", "南湖社区", [4]float64{120.0, 30.0, 120.1, 30.1})
	add("330111001001", "grid", "330111001001001", "南湖社区第1网格", [4]float64{120.0, 30.0, 120.05, 30.1})
	lon, lat := -122.43, 37.76
	b, err := terr.CreateBuilding(ctx, territory.BuildingInput{GridID: w.regions["330110001001001"].ID, Compound: "水韵名都", Name: "27号楼",
		Kind: "building", Address: "临江路88号", Lon: &lon, Lat: &lat, Floors: 18})
	if err != nil {
		t.Fatal(err)
	}
	w.building = b
	if w.roads, err = cat.CreateDepartment(ctx, category.DepartmentInput{Name: "市政设施管理处", Kind: "urban_management", RegionID: w.regions["330110"].ID}); err != nil {
		t.Fatal(err)
	}
	user := func(name string, role auth.Role, code string) {
		u, err := au.CreateUser(ctx, auth.UserInput{Username: name, DisplayName: name, Password: testPassword,
			Grants: []auth.GrantInput{{Role: role, ScopeKind: auth.ScopeRegion, ScopeID: w.regions[code].ID}}})
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		w.users[name] = u.ID
	}
	user("admin", auth.RoleAdmin, "330110")
	user("admin_street", auth.RoleAdmin, "330110001000")
	user("admin_b", auth.RoleAdmin, "330111")
	user("dispatcher", auth.RoleDispatcher, "330110001001")
	user("roads", auth.RoleDepartment, "330110")
	if err := cat.AddMember(ctx, w.roads.ID, w.users["roads"]); err != nil {
		t.Fatal(err)
	}

	srv := web.New(web.Deps{Logger: slog.New(slog.DiscardHandler), DB: db, Auth: au, Territory: terr, People: ppl,
		Ledger: ledger.NewImporter(db, terr, ppl), Exporter: ledger.NewExporter(terr, ppl),
		Cases: cs, Calendar: cal, Category: cat, Media: med, Notify: ntf, Stats: stats.NewService(db), Open311: o311, Now: clock.Now})
	w.srv = httptest.NewServer(srv)
	w.rec = &recorder{}
	t.Cleanup(w.srv.Close)
	// Every exchange must match the OpenAPI document: the API's through the
	// shared check, Open311's (outside /api/) through checkO311.
	t.Cleanup(func() {
		oa := loadOpenAPI(t, w.client(t))
		for _, e := range w.rec.all {
			err := oa.check(e)
			if err == nil && strings.HasPrefix(e.path, o311Base) {
				err = checkO311(oa, e)
			}
			if err != nil {
				t.Errorf("OpenAPI: %v", err)
			}
		}
	})
	w.key = w.makeKey(t, "admin", `{"client":"FixMyStreet 临江","jurisdictions":["330110"],"per_minute":6000}`)
	return w
}

// checkO311 is the OpenAPI check for an Open311 exchange: its route and
// status are documented, and a JSON body matches the documented schema
// (XML bodies are not schema-checked).
func checkO311(oa *openAPI, e exchange) error {
	op, _ := oa.operation(e.method, e.path)
	if op == nil {
		return fmt.Errorf("%s %s is not in the OpenAPI document", e.method, e.path)
	}
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(e.status)].(map[string]any)
	if !ok {
		return fmt.Errorf("%s %s answered %d, which is not documented", e.method, e.path, e.status)
	}
	if !strings.HasPrefix(e.contentType, "application/json") {
		return nil
	}
	content, _ := resp["content"].(map[string]any)
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		return fmt.Errorf("%s %s answered JSON with %d, documented without a JSON body", e.method, e.path, e.status)
	}
	var v any
	if err := json.Unmarshal([]byte(e.body), &v); err != nil {
		return fmt.Errorf("%s %s: body is not JSON: %v", e.method, e.path, err)
	}
	if err := oa.validate(media["schema"].(map[string]any), v, "body"); err != nil {
		return fmt.Errorf("%s %s %d: %v", e.method, e.path, e.status, err)
	}
	return nil
}

// makeKey makes an API key as user and returns its secret.
func (w *o311World) makeKey(t *testing.T, user, body string) string {
	t.Helper()
	st, resp := w.login(t, user).do("POST", "/api/v1/open311/keys", body)
	if st != 201 {
		t.Fatalf("make key %s: %d %s", body, st, resp)
	}
	var out struct {
		Key struct {
			ID int64 `json:"id"`
		} `json:"key"`
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal([]byte(resp), &out); err != nil || !strings.HasPrefix(out.Secret, "o311_") {
		t.Fatalf("make key: %v %s", err, resp)
	}
	return out.Secret
}

// o311Engines runs fn on SQLite and PostgreSQL, each world with its own
// fake clock starting at start.
func o311Engines(t *testing.T, start time.Time, fn func(t *testing.T, w *o311World)) {
	for _, engine := range []struct {
		name string
		open func(testing.TB, sqldbtest.Options) *sqldb.DB
	}{{"sqlite", sqldbtest.SQLite}, {"postgres", sqldbtest.Postgres}} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			c := newClock(start)
			fn(t, newO311World(t, engine.open(t, sqldbtest.Options{Now: c.Now}), c))
		})
	}
}

// get sends an Open311 GET.
func (c *client) get(path string) (int, string, string) {
	c.t.Helper()
	st, body, h := c.send("GET", o311Base+path, "", "")
	return st, body, h.Get("Content-Type")
}

// post sends an Open311 form POST to requests.<format>.
func (c *client) post(format string, form url.Values) (int, string) {
	c.t.Helper()
	st, body, _ := c.send("POST", o311Base+"/requests."+format, "application/x-www-form-urlencoded", form.Encode())
	return st, body
}

// The XML documents as a client reads them: every element as text.
type (
	xmlErrors struct {
		XMLName xml.Name `xml:"errors"`
		Errors  []struct {
			Code        string `xml:"code"`
			Description string `xml:"description"`
		} `xml:"error"`
	}
	xmlRequest struct {
		ServiceRequestID  string `xml:"service_request_id"`
		Status            string `xml:"status"`
		StatusDetail      string `xml:"status_detail"`
		StatusNotes       string `xml:"status_notes"`
		ServiceName       string `xml:"service_name"`
		ServiceCode       string `xml:"service_code"`
		Description       string `xml:"description"`
		AgencyResponsible string `xml:"agency_responsible"`
		ServiceNotice     string `xml:"service_notice"`
		RequestedDatetime string `xml:"requested_datetime"`
		UpdatedDatetime   string `xml:"updated_datetime"`
		ExpectedDatetime  string `xml:"expected_datetime"`
		Address           string `xml:"address"`
		AddressID         string `xml:"address_id"`
		Zipcode           string `xml:"zipcode"`
		Lat               string `xml:"lat"`
		Long              string `xml:"long"`
		MediaURL          string `xml:"media_url"`
		Token             string `xml:"token"`
		AccountID         string `xml:"account_id"`
	}
	xmlRequests struct {
		XMLName  xml.Name     `xml:"service_requests"`
		Requests []xmlRequest `xml:"request"`
	}
	xmlService struct {
		ServiceCode string `xml:"service_code"`
		ServiceName string `xml:"service_name"`
		Description string `xml:"description"`
		Metadata    string `xml:"metadata"`
		Type        string `xml:"type"`
		Keywords    string `xml:"keywords"`
		Group       string `xml:"group"`
	}
	xmlServices struct {
		XMLName  xml.Name     `xml:"services"`
		Services []xmlService `xml:"service"`
	}
	xmlAttribute struct {
		Variable            string `xml:"variable"`
		Code                string `xml:"code"`
		Datatype            string `xml:"datatype"`
		Required            string `xml:"required"`
		DatatypeDescription string `xml:"datatype_description"`
		Order               string `xml:"order"`
		Description         string `xml:"description"`
		Values              []struct {
			Key  string `xml:"key"`
			Name string `xml:"name"`
		} `xml:"values>value"`
	}
	xmlDefinition struct {
		XMLName     xml.Name       `xml:"service_definition"`
		ServiceCode string         `xml:"service_code"`
		Attributes  []xmlAttribute `xml:"attributes>attribute"`
	}
	xmlUpdates struct {
		XMLName xml.Name `xml:"service_request_updates"`
		Updates []struct {
			UpdateID         string `xml:"update_id"`
			ServiceRequestID string `xml:"service_request_id"`
			Status           string `xml:"status"`
			StatusDetail     string `xml:"status_detail"`
			UpdatedDatetime  string `xml:"updated_datetime"`
			Description      string `xml:"description"`
			MediaURL         string `xml:"media_url"`
		} `xml:"request_update"`
	}
	xmlDiscovery struct {
		XMLName    xml.Name `xml:"discovery"`
		Changeset  string   `xml:"changeset"`
		Contact    string   `xml:"contact"`
		KeyService string   `xml:"key_service"`
		Endpoints  []struct {
			Specification string   `xml:"specification"`
			URL           string   `xml:"url"`
			Changeset     string   `xml:"changeset"`
			Type          string   `xml:"type"`
			Formats       []string `xml:"formats>format"`
		} `xml:"endpoints>endpoint"`
	}
)

// decodeXML checks the XML declaration and the content type, and decodes.
func decodeXML[T any](t *testing.T, body, contentType string) T {
	t.Helper()
	var v T
	if !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("XML without its declaration: %.80q", body)
	}
	if contentType != "" && contentType != "text/xml; charset=utf-8" {
		t.Errorf("XML content type %q", contentType)
	}
	if err := xml.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode XML %q: %v", body, err)
	}
	return v
}

// decodeList decodes a JSON answer, which is always a list of objects.
func decodeList(t *testing.T, body string) []map[string]any {
	t.Helper()
	var v []map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode JSON list %q: %v", body, err)
	}
	return v
}

// wantO311Errors checks an error answer in either format: the status, each
// error's code (the status) and a fragment of each description, in order.
func wantO311Errors(t *testing.T, what, format string, st int, body string, status int, fragments ...string) {
	t.Helper()
	if st != status {
		t.Errorf("%s: status %d, want %d: %s", what, st, status, body)
		return
	}
	var got []struct{ code, desc string }
	if format == "xml" {
		for _, e := range decodeXML[xmlErrors](t, body, "").Errors {
			got = append(got, struct{ code, desc string }{e.Code, e.Description})
		}
	} else {
		for _, e := range decodeList(t, body) {
			code, ok := e["code"].(float64)
			if !ok {
				t.Errorf("%s: error code %#v is not a number", what, e["code"])
			}
			got = append(got, struct{ code, desc string }{strconv.Itoa(int(code)), e["description"].(string)})
		}
	}
	if len(got) != len(fragments) {
		t.Errorf("%s: %d errors %v, want %d %q", what, len(got), got, len(fragments), fragments)
		return
	}
	for i, g := range got {
		if g.code != strconv.Itoa(status) || !strings.Contains(g.desc, fragments[i]) {
			t.Errorf("%s: error %d = %s %q, want %d mentioning %q", what, i, g.code, g.desc, status, fragments[i])
		}
	}
}

// adapted is the specification's POST example made acceptable here: a
// real key, the county's division code for city.gov, the road-collapse
// service for "001", a mainland phone number and this service's
// attributes; everything else as the example sends it.
func (w *o311World) adapted(t *testing.T) url.Values {
	t.Helper()
	v, err := url.ParseQuery(specPOST)
	if err != nil {
		t.Fatal(err)
	}
	v.Set("api_key", w.key)
	v.Set("jurisdiction_id", specJurisdiction)
	v.Set("service_code", roadCollapse)
	v.Set("phone", "13812345678")
	v.Del("attribute[WHISPAWN]")
	v.Del("attribute[WHISDORN]")
	v.Set("attribute[in_danger]", "yes")
	return v
}

// count returns the rows of a table.
func (w *o311World) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := w.db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var reportedAt = time.Date(2026, 3, 6, 22, 40, 0, 0, shanghai) // a Friday night

// TestOpen311SpecExamples feeds the specification's own example requests
// and checks every answer field by field, in XML and JSON, codes as strings.
func TestOpen311SpecExamples(t *testing.T) {
	o311Engines(t, reportedAt, func(t *testing.T, w *o311World) {
		anon := w.client(t)

		// Discovery, both formats.
		st, body, ct := anon.get("/discovery.xml")
		if st != 200 {
			t.Fatalf("discovery.xml: %d %s", st, body)
		}
		d := decodeXML[xmlDiscovery](t, body, ct)
		if len(d.Endpoints) != 1 || d.Endpoints[0].Specification != "http://wiki.open311.org/GeoReport_v2" ||
			d.Endpoints[0].URL != w.srv.URL+"/open311/v2" || d.Endpoints[0].Type != "production" ||
			!slices.Equal(d.Endpoints[0].Formats, []string{"text/xml", "application/json"}) || d.Changeset == "" || d.Contact == "" || d.KeyService == "" {
			t.Errorf("discovery.xml = %+v", d)
		}
		st, body, _ = anon.get("/discovery.json")
		var dj map[string]any
		if err := json.Unmarshal([]byte(body), &dj); st != 200 || err != nil || dj["changeset"] != d.Changeset ||
			dj["endpoints"].([]any)[0].(map[string]any)["formats"].([]any)[1] != "application/json" {
			t.Errorf("discovery.json: %d %s", st, body)
		}

		// GET Service List: the sample URL names city.gov, which is no
		// jurisdiction here; with the county's code it lists the services.
		st, body, _ = anon.get(specServices)
		wantO311Errors(t, "services.xml?jurisdiction_id=city.gov", "xml", st, body, 404, "city.gov")
		sample := strings.Replace(specServices, "city.gov", specJurisdiction, 1)
		st, body, ct = anon.get(sample)
		if st != 200 {
			t.Fatalf("%s: %d %s", sample, st, body)
		}
		services := decodeXML[xmlServices](t, body, ct).Services
		codes := map[string]xmlService{}
		for _, s := range services {
			codes[s.ServiceCode] = s
		}
		want := xmlService{ServiceCode: "LE0103", ServiceName: "道路塌陷", Description: "路面塌陷、出现空洞或明显沉降，危及行人车辆安全",
			Metadata: "true", Type: "realtime", Keywords: "道路塌陷, Road collapse, 突发事件类, Emergencies, 事件, event", Group: "突发事件类"}
		if diff := cmp.Diff(want, codes["LE0103"]); diff != "" {
			t.Errorf("services.xml LE0103 (-want +got):\n%s", diff)
		}
		// Leaves only, of the service kinds, without the special groups.
		for _, code := range []string{"LE01", "S04", "S0401", "LH0101", "N01", "LN06"} {
			if _, ok := codes[code]; ok {
				t.Errorf("services.xml offers %s", code)
			}
		}
		for _, code := range []string{"LE0102", "S0102", "LS0201", "C01011", "LS0501"} {
			if _, ok := codes[code]; !ok {
				t.Errorf("services.xml lacks %s", code)
			}
		}
		// The same list in JSON, codes as strings, in English on request.
		st, body, _ = anon.get("/services.json?jurisdiction_id=330110&lang=en")
		var lej map[string]any
		for _, s := range decodeList(t, body) {
			if s["service_code"] == "LE0103" {
				lej = s
			}
		}
		wantJ := map[string]any{"service_code": "LE0103", "service_name": "Road collapse", "description": want.Description, "metadata": true,
			"type": "realtime", "keywords": want.Keywords, "group": "Emergencies"}
		if diff := cmp.Diff(wantJ, lej); st != 200 || diff != "" {
			t.Errorf("services.json LE0103: %d (-want +got):\n%s", st, diff)
		}
		if n := len(decodeList(t, body)); n != len(services) {
			t.Errorf("services.json lists %d, services.xml %d", n, len(services))
		}

		// GET Service Definition: the sample's 033 is no service here.
		st, body, _ = anon.get(strings.Replace(specDefinition, "city.gov", specJurisdiction, 1))
		wantO311Errors(t, "services/033.xml", "xml", st, body, 404, "033")
		st, body, ct = anon.get("/services/LE0103.xml?jurisdiction_id=330110")
		if st != 200 {
			t.Fatalf("services/LE0103.xml: %d %s", st, body)
		}
		def := decodeXML[xmlDefinition](t, body, ct)
		var gotCodes []string
		for _, a := range def.Attributes {
			gotCodes = append(gotCodes, a.Code+":"+a.Datatype+":"+a.Required+":"+a.Order)
		}
		wantCodes := []string{"in_danger:singlevaluelist:true:1", "observed_at:datetime:false:2", "location_detail:text:false:3",
			"building_id:number:false:4", "unit_id:number:false:5", "public:singlevaluelist:false:6", "nature:singlevaluelist:false:7"}
		if def.ServiceCode != "LE0103" || !slices.Equal(gotCodes, wantCodes) {
			t.Errorf("services/LE0103.xml = %s %v, want %v", def.ServiceCode, gotCodes, wantCodes)
		}
		if a := def.Attributes[0]; a.Variable != "true" || a.Description != "现场是否有人身安全危险？" || len(a.Values) != 3 ||
			a.Values[0].Key != "yes" || a.Values[0].Name != "是" || a.Values[2].Key != "unknown" {
			t.Errorf("in_danger = %+v", a)
		}
		st, body, _ = anon.get("/services/LE0103.json?jurisdiction_id=330110")
		var dj2 map[string]any
		if err := json.Unmarshal([]byte(body), &dj2); err != nil || st != 200 {
			t.Fatalf("services/LE0103.json: %d %s", st, body)
		}
		attrs := dj2["attributes"].([]any)
		first := attrs[0].(map[string]any)
		if dj2["service_code"] != "LE0103" || len(attrs) != 7 || first["code"] != "in_danger" || first["order"] != 1.0 ||
			first["required"] != true || first["values"].([]any)[0].(map[string]any)["key"] != "yes" {
			t.Errorf("services/LE0103.json = %s", body)
		}
		var natures []string
		for _, v := range attrs[6].(map[string]any)["values"].([]any) {
			natures = append(natures, v.(map[string]any)["key"].(string))
		}
		if !slices.Equal(natures, []string{"LN06", "N01", "N02", "N03", "N04", "N05"}) {
			t.Errorf("nature values = %v", natures)
		}
		// A component asks what is wrong with it (a multivaluelist).
		st, body, _ = anon.get("/services/C01011.json?jurisdiction_id=330110")
		if st != 200 || !strings.Contains(body, `"code":"condition","datatype":"multivaluelist"`) {
			t.Errorf("services/C01011.json: %d %s", st, body)
		}

		// POST Service Request, the example byte for byte: its api_key xyz
		// is no key here.
		casesBefore := w.count(t, "cases")
		st, body, _ = anon.send("POST", o311Base+"/requests.xml", "application/x-www-form-urlencoded", specPOST)
		wantO311Errors(t, "the example POST", "xml", st, body, 403, "api_key")
		// With a real key, city.gov is unknown; with the county, 001 is.
		ex, _ := url.ParseQuery(specPOST)
		ex.Set("api_key", w.key)
		st, body = anon.post("xml", ex)
		wantO311Errors(t, "the example POST with a key", "xml", st, body, 404, "city.gov")
		ex.Set("jurisdiction_id", specJurisdiction)
		st, body = anon.post("xml", ex)
		wantO311Errors(t, "the example POST in 330110", "xml", st, body, 404, "001")
		// With the road-collapse service, every remaining problem at once:
		// the example's attributes are not this service's, the required one
		// is missing, and 111111111 is no mainland phone number.
		ex.Set("service_code", roadCollapse)
		st, body = anon.post("xml", ex)
		wantO311Errors(t, "the example POST for LE0103", "xml", st, body, 400,
			"attribute[WHISDORN]", "attribute[WHISPAWN]", "attribute[in_danger]", "phone")
		st, body = anon.post("json", ex)
		wantO311Errors(t, "the example POST for LE0103 (JSON)", "json", st, body, 400,
			"attribute[WHISDORN]", "attribute[WHISPAWN]", "attribute[in_danger]", "phone")
		if n := w.count(t, "cases"); n != casesBefore {
			t.Fatalf("refused POSTs wrote %d cases", n-casesBefore)
		}

		// Adapted, it is taken in: XML answer field by field.
		st, body = anon.post("xml", w.adapted(t))
		if st != 200 {
			t.Fatalf("adapted example POST: %d %s", st, body)
		}
		posted := decodeXML[xmlRequests](t, body, "")
		if len(posted.Requests) != 1 {
			t.Fatalf("POST answered %d requests: %s", len(posted.Requests), body)
		}
		id := posted.Requests[0].ServiceRequestID
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			t.Fatalf("service_request_id %q", id)
		}
		wantPost := xmlRequest{ServiceRequestID: id, ServiceNotice: roadCollapseClose, AccountID: "123456"}
		if diff := cmp.Diff(wantPost, posted.Requests[0]); diff != "" {
			t.Errorf("POST answer (-want +got):\n%s", diff)
		}
		if strings.Contains(body, "<token>") {
			t.Errorf("a realtime service returned a token: %s", body)
		}

		// GET Service Request by the key that filed it (the request is not
		// public: only its client reads it), XML then JSON.
		st, body, ct = anon.get("/requests/" + id + ".xml?api_key=" + w.key)
		if st != 200 {
			t.Fatalf("requests/%s.xml: %d %s", id, st, body)
		}
		got := decodeXML[xmlRequests](t, body, ct)
		wantReq := xmlRequest{ServiceRequestID: id, Status: "open", StatusDetail: "reported", StatusNotes: "已上报",
			ServiceName: "道路塌陷", ServiceCode: "LE0103", Description: "A large sinkhole is destroying the street",
			AgencyResponsible: "市政设施管理处", ServiceNotice: roadCollapseClose,
			RequestedDatetime: "2026-03-06T22:40:00+08:00", UpdatedDatetime: "2026-03-06T22:40:00+08:00",
			Address: "1234 5th street", Lat: "37.76524078", Long: "-122.4212043", MediaURL: specMediaURL}
		if len(got.Requests) != 1 {
			t.Fatalf("requests/%s.xml: %s", id, body)
		}
		if diff := cmp.Diff(wantReq, got.Requests[0]); diff != "" {
			t.Errorf("requests/%s.xml (-want +got):\n%s", id, diff)
		}
		for _, el := range []string{"<expected_datetime></expected_datetime>", "<address_id></address_id>", "<zipcode></zipcode>"} {
			if !strings.Contains(body, el) {
				t.Errorf("requests/%s.xml lacks the empty element %s", id, el)
			}
		}
		st, body, _ = anon.get("/requests/" + id + ".json?api_key=" + w.key)
		list := decodeList(t, body)
		wantJSON := map[string]any{"service_request_id": id, "status": "open", "status_detail": "reported", "status_notes": "已上报",
			"service_name": "道路塌陷", "service_code": "LE0103", "description": "A large sinkhole is destroying the street",
			"agency_responsible": "市政设施管理处", "service_notice": roadCollapseClose,
			"requested_datetime": "2026-03-06T22:40:00+08:00", "updated_datetime": "2026-03-06T22:40:00+08:00",
			"expected_datetime": nil, "address": "1234 5th street", "address_id": nil, "zipcode": nil,
			"lat": 37.76524078, "long": -122.4212043, "media_url": specMediaURL}
		if st != 200 || len(list) != 1 {
			t.Fatalf("requests/%s.json: %d %s", id, st, body)
		}
		if diff := cmp.Diff(wantJSON, list[0]); diff != "" {
			t.Errorf("requests/%s.json (-want +got):\n%s", id, diff)
		}
		// Not public: without the key it does not exist.
		st, body, _ = anon.get("/requests/" + id + ".json?jurisdiction_id=330110")
		wantO311Errors(t, "a private request without its key", "json", st, body, 404, id)

		// What the case loop took in: channel api, urgent (someone is in
		// danger), the reporter's name, the phone masked, the rest noted.
		disp := w.login(t, "dispatcher")
		st, body = disp.do("GET", "/api/v1/cases/"+id, "")
		var cv struct {
			Channel       string `json:"channel"`
			Urgency       string `json:"urgency"`
			ReporterName  string `json:"reporter_name"`
			ReporterPhone string `json:"reporter_phone"`
			Description   string `json:"description"`
			Category      string `json:"category"`
			Title         string `json:"title"`
			Public        bool   `json:"public"`
			Anonymous     bool   `json:"anonymous"`
		}
		if err := json.Unmarshal([]byte(body), &cv); err != nil || st != 200 {
			t.Fatalf("dispatcher reads case %s: %d %s", id, st, body)
		}
		if cv.Channel != "api" || cv.Urgency != "urgent" || cv.ReporterName != "john smith" || cv.ReporterPhone == "13812345678" ||
			!strings.HasPrefix(cv.ReporterPhone, "138") || cv.Category != "LE0103" || cv.Public || !cv.Anonymous ||
			cv.Title != "道路塌陷：A large sinkhole is destroying the street" ||
			!strings.Contains(cv.Description, "来自“FixMyStreet 临江”") || !strings.Contains(cv.Description, "地址：1234 5th street") ||
			!strings.Contains(cv.Description, "现场是否有人身安全危险？是") || !strings.Contains(cv.Description, "媒体链接："+specMediaURL) {
			t.Errorf("the case = %+v", cv)
		}
		// The e-mail is kept, encrypted.
		var email []byte
		var device, account string
		caseID, _ := strconv.ParseInt(id, 10, 64)
		if err := w.db.QueryRow(context.Background(), `SELECT email, device_id, account_id FROM open311_requests WHERE case_id = $1`, caseID).Scan(&email, &device, &account); err != nil {
			t.Fatal(err)
		}
		if len(email) == 0 || bytes.Contains(email, []byte("smit333")) || device != "tt222111" || account != "123456" {
			t.Errorf("stored extras: email %q device %q account %q", email, device, account)
		}

		// GET Service Requests, the sample URL: a window in 2010 holds
		// nothing; the same query over this week holds the request.
		st, body, ct = anon.get(strings.Replace(specRequests, "city.gov", specJurisdiction, 1))
		if st != 200 || len(decodeXML[xmlRequests](t, body, ct).Requests) != 0 {
			t.Errorf("the sample GET requests: %d %s", st, body)
		}
		st, body, _ = anon.get("/requests.json?start_date=2026-03-01T00:00:00Z&end_date=2026-03-07T00:00:00Z&status=open&jurisdiction_id=330110&api_key=" + w.key)
		if l := decodeList(t, body); st != 200 || len(l) != 1 || l[0]["service_request_id"] != id {
			t.Errorf("this week's open requests: %d %s", st, body)
		}
		// More than 90 days is refused.
		st, body, _ = anon.get("/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z&jurisdiction_id=330110")
		wantO311Errors(t, "a 91-day window", "json", st, body, 400, "90")

		// GET Service Request, the sample id: none such.
		st, body, _ = anon.get(strings.Replace(specRequest, "city.gov", specJurisdiction, 1))
		wantO311Errors(t, "requests/123456.xml", "xml", st, body, 404, "123456")
		// GET service_request_id from a token: the sample token is unknown
		// to the key; without a key it cannot be looked up.
		st, body, _ = anon.get(strings.Replace(specToken, "city.gov", specJurisdiction, 1) + "&api_key=" + w.key)
		wantO311Errors(t, "tokens/123456.xml", "xml", st, body, 404, "123456")
		st, body, _ = anon.get(strings.Replace(specToken, "city.gov", specJurisdiction, 1))
		wantO311Errors(t, "tokens/123456.xml without a key", "xml", st, body, 403, "api_key")

		// The token extension: a POST retried with its token answers the
		// first request, and GET tokens finds it.
		v := w.adapted(t)
		v.Set("token", "fms-report-77")
		st, body = anon.post("json", v)
		created := decodeList(t, body)
		if st != 200 || len(created) != 1 {
			t.Fatalf("POST with a token: %d %s", st, body)
		}
		wantCreated := map[string]any{"service_request_id": created[0]["service_request_id"], "service_notice": roadCollapseClose, "account_id": "123456"}
		if diff := cmp.Diff(wantCreated, created[0]); diff != "" {
			t.Errorf("POST .json answer (-want +got):\n%s", diff)
		}
		st, body = anon.post("json", v)
		if again := decodeList(t, body); st != 200 || again[0]["service_request_id"] != created[0]["service_request_id"] {
			t.Errorf("retried POST: %d %s, want request %v again", st, body, created[0]["service_request_id"])
		}
		st, body, ct = anon.get("/tokens/fms-report-77.xml?api_key=" + w.key)
		tok := decodeXML[xmlRequests](t, body, ct)
		if st != 200 || len(tok.Requests) != 1 || tok.Requests[0].ServiceRequestID != created[0]["service_request_id"] || tok.Requests[0].Token != "fms-report-77" {
			t.Errorf("tokens/fms-report-77.xml: %d %s", st, body)
		}
		st, body, _ = anon.get("/tokens/fms-report-77.json?api_key=" + w.key)
		if l := decodeList(t, body); st != 200 || l[0]["token"] != "fms-report-77" || l[0]["service_request_id"] != created[0]["service_request_id"] {
			t.Errorf("tokens/fms-report-77.json: %d %s", st, body)
		}
		// The same token for a different request is refused.
		v.Set("description", "another sinkhole")
		st, body = anon.post("json", v)
		wantO311Errors(t, "a token reused", "json", st, body, 400, "token")
	})
}

// TestOpen311CaseLoop: a request filed over Open311 lands in the
// dispatcher's queue as channel api, and every step the case loop takes
// shows back over Open311 as the request's status, status_detail and
// updates feed.
func TestOpen311CaseLoop(t *testing.T) {
	o311Engines(t, reportedAt, func(t *testing.T, w *o311World) {
		anon, fms := w.client(t), w.client(t)
		form := url.Values{"api_key": {w.key}, "service_code": {roadCollapse}, "address_id": {id(w.building.ID)},
			"attribute[in_danger]": {"no"}, "attribute[public]": {"yes"}, "attribute[location_detail]": {"北侧人行道"},
			"description": {"27号楼北侧人行道塌陷"}, "first_name": {"三"}, "last_name": {"张"}}
		st, body := fms.post("json", form)
		if st != 200 {
			t.Fatalf("POST: %d %s", st, body)
		}
		rid := decodeList(t, body)[0]["service_request_id"].(string)
		cid, _ := strconv.ParseInt(rid, 10, 64)

		// In the community dispatcher's queue, as an api case.
		disp := w.login(t, "dispatcher")
		st, body = disp.do("GET", "/api/v1/cases?queue_of="+id(w.regions["330110001001"].ID)+"&channel=api", "")
		var q struct {
			Items []struct {
				ID           int64  `json:"id"`
				Channel      string `json:"channel"`
				ReporterName string `json:"reporter_name"`
				State        string `json:"state"`
				GridID       int64  `json:"grid_id"`
				BuildingID   int64  `json:"building_id"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &q); err != nil || st != 200 || len(q.Items) != 1 || q.Items[0].ID != cid ||
			q.Items[0].Channel != "api" || q.Items[0].ReporterName != "张三" || q.Items[0].State != "reported" ||
			q.Items[0].GridID != w.regions["330110001001001"].ID || q.Items[0].BuildingID != w.building.ID {
			t.Fatalf("dispatcher's queue: %d %s", st, body)
		}

		// status as anyone sees it (the request is public).
		status := func(want, detail string) map[string]any {
			t.Helper()
			st, body, _ := anon.get("/requests/" + rid + ".json?jurisdiction_id=330110")
			l := decodeList(t, body)
			if st != 200 || len(l) != 1 || l[0]["status"] != want || l[0]["status_detail"] != detail {
				t.Fatalf("requests/%s.json: %d %s, want %s/%s", rid, st, body, want, detail)
			}
			st, body, ct := anon.get("/requests/" + rid + ".xml?jurisdiction_id=330110")
			x := decodeXML[xmlRequests](t, body, ct)
			if st != 200 || x.Requests[0].Status != want || x.Requests[0].StatusDetail != detail {
				t.Fatalf("requests/%s.xml: %d %s, want %s/%s", rid, st, body, want, detail)
			}
			return l[0]
		}
		r := status("open", "reported")
		if r["address"] != "水韵名都27号楼, 临江路88号" || r["address_id"] != id(w.building.ID) || r["lat"] != 37.76 || r["long"] != -122.43 ||
			r["description"] != "27号楼北侧人行道塌陷" {
			t.Errorf("request = %v", r)
		}

		roads := w.login(t, "roads")
		step := func(c *client, body string) caseView {
			t.Helper()
			w.clock.Add(7 * time.Minute)
			st, b := c.do("GET", "/api/v1/cases/"+rid, "")
			if st != 200 {
				t.Fatalf("read case: %d %s", st, b)
			}
			v := decodeCase(t, b).Version
			return c.act(t, cid, 200, strings.Replace(body, "{v}", strconv.FormatInt(v, 10), 1))
		}
		step(disp, `{"action":"register","version":{v}}`)
		status("open", "registered")
		cv := step(disp, `{"action":"dispatch","version":{v},"assignee_department_id":`+id(w.roads.ID)+`}`)
		r = status("open", "dispatched")
		if cv.Due.Handle == nil || r["expected_datetime"] != cv.Due.Handle.In(shanghai).Format(time.RFC3339) || r["agency_responsible"] != "市政设施管理处" {
			t.Errorf("dispatched: expected %v (due %v), agency %v", r["expected_datetime"], cv.Due.Handle, r["agency_responsible"])
		}
		step(roads, `{"action":"accept","version":{v}}`)
		status("open", "in_progress")
		step(roads, `{"action":"feedback","version":{v},"note":"已设围挡并回填修复"}`)
		status("open", "handled")
		step(disp, `{"action":"verify_ok","version":{v}}`)
		status("open", "verified")
		step(disp, `{"action":"close","version":{v}}`)
		closedAt := w.clock.Now().In(shanghai).Format(time.RFC3339)
		r = status("closed", "closed")
		if r["updated_datetime"] != closedAt || r["status_notes"] != "已结案" || r["expected_datetime"] != nil {
			t.Errorf("closed request = %v, want updated %s", r, closedAt)
		}

		// The updates feed: every public step, the notes for the filing
		// client only.
		wantDetails := []string{"reported", "registered", "dispatched", "in_progress", "handled", "verified", "closed"}
		st, body, _ = fms.get("/requests/" + rid + "/updates.json?api_key=" + w.key)
		ups := decodeList(t, body)
		var details []string
		for i, u := range ups {
			details = append(details, u["status_detail"].(string))
			if u["service_request_id"] != rid || u["update_id"] != rid+"_"+strconv.Itoa(i+1) {
				t.Errorf("update %d = %v", i, u)
			}
		}
		if st != 200 || !slices.Equal(details, wantDetails) {
			t.Fatalf("updates.json: %d %v, want %v", st, details, wantDetails)
		}
		if ups[4]["description"] != "处置反馈：已设围挡并回填修复" || ups[6]["status"] != "closed" || ups[5]["status"] != "open" ||
			ups[6]["updated_datetime"] != closedAt || ups[0]["updated_datetime"] != "2026-03-06T22:40:00+08:00" {
			t.Errorf("updates = %v", ups)
		}
		st, body, ct := anon.get("/requests/" + rid + "/updates.xml?jurisdiction_id=330110")
		xu := decodeXML[xmlUpdates](t, body, ct)
		if st != 200 || len(xu.Updates) != 7 || xu.Updates[4].Description != "处置反馈" || xu.Updates[6].StatusDetail != "closed" ||
			xu.Updates[6].UpdateID != rid+"_7" {
			t.Errorf("updates.xml for anyone: %d %s", st, body)
		}

		// The list's filters and extensions.
		w.clock.Add(time.Hour)
		fms.post("json", url.Values{"api_key": {w.key}, "service_code": {"LE0102"}, "lat": {"37.76"}, "long": {"-122.42"},
			"attribute[in_danger]": {"no"}, "attribute[public]": {"yes"}})
		w.clock.Add(time.Hour)
		fms.post("json", url.Values{"api_key": {w.key}, "service_code": {"S0102"}, "lat": {"37.77"}, "long": {"-122.41"}})
		ids := func(q string) []string {
			t.Helper()
			st, body, _ := anon.get("/requests.json?jurisdiction_id=330110&" + q)
			if st != 200 {
				t.Fatalf("requests.json?%s: %d %s", q, st, body)
			}
			var out []string
			for _, r := range decodeList(t, body) {
				out = append(out, r["service_code"].(string)+"/"+r["status"].(string))
			}
			return out
		}
		own := func(q string) []string { return ids("api_key=" + w.key + "&" + q) }
		for _, c := range []struct {
			q    string
			want []string
			mine bool
		}{
			{"", []string{"LE0102/open", "LE0103/closed"}, false}, // public ones, newest first
			{"", []string{"S0102/open", "LE0102/open", "LE0103/closed"}, true},
			{"status=closed", []string{"LE0103/closed"}, true},
			{"status=open", []string{"S0102/open", "LE0102/open"}, true},
			{"status=open,closed", []string{"S0102/open", "LE0102/open", "LE0103/closed"}, true},
			{"status_detail=closed,reported", []string{"S0102/open", "LE0102/open", "LE0103/closed"}, true},
			{"status_detail=closed", []string{"LE0103/closed"}, true},
			{"service_code=LE0102,S0102", []string{"S0102/open", "LE0102/open"}, true},
			{"service_code=LE01", nil, true}, // a class is no service code
			{"service_request_id=" + rid + ",999999", []string{"LE0103/closed"}, false},
			{"bbox=-122.425,37.755,-122.415,37.765", []string{"LE0102/open"}, true},
			{"bbox=-122.44,37.75,-122.425,37.77", []string{"LE0103/closed"}, true}, // by the building's point
			{"updated_after=" + url.QueryEscape(closedAt), []string{"S0102/open", "LE0102/open"}, true},
			{"updated_before=" + url.QueryEscape(closedAt), []string{"LE0103/closed"}, true},
			{"page_size=2", []string{"S0102/open", "LE0102/open"}, true},
			{"page_size=2&page=2", []string{"LE0103/closed"}, true},
			{"page=3&page_size=2", nil, true},
			{"start_date=2026-03-07T00:00:00%2B08:00", []string{"S0102/open", "LE0102/open"}, true},
			{"end_date=2026-03-07T00:00:00%2B08:00", []string{"LE0103/closed"}, true},
		} {
			get := ids
			if c.mine {
				get = own
			}
			if got := get(c.q); !slices.Equal(got, c.want) {
				t.Errorf("requests.json?%s (key %v) = %v, want %v", c.q, c.mine, got, c.want)
			}
		}
	})
}

// TestOpen311Errors: every error is the specification's list with the
// right status, in the route's format, and a refused request writes nothing.
func TestOpen311Errors(t *testing.T) {
	o311Engines(t, reportedAt, func(t *testing.T, w *o311World) {
		anon := w.client(t)
		good := func() url.Values {
			return url.Values{"api_key": {w.key}, "service_code": {roadCollapse}, "lat": {"37.76524078"}, "long": {"-122.4212043"},
				"attribute[in_danger]": {"no"}}
		}
		with := func(v url.Values, kv ...string) url.Values {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		before := [3]int{w.count(t, "cases"), w.count(t, "open311_requests"), w.count(t, "attachments")}
		other := w.makeKey(t, "admin_b", `{"client":"南湖 12345","jurisdictions":["330111"]}`)
		for _, c := range []struct {
			what, format string
			form         url.Values
			status       int
			fragments    []string
		}{
			{"no api_key", "xml", with(good(), "api_key", ""), 403, []string{"api_key"}},
			{"a wrong api_key", "json", with(good(), "api_key", "o311_nosuchkey"), 403, []string{"api_key"}},
			{"a key of another county", "json", with(good(), "api_key", other, "jurisdiction_id", "330110"), 403, []string{"330110"}},
			{"a county the key does not serve", "json", with(good(), "jurisdiction_id", "330111"), 403, []string{"330111"}},
			{"an unknown jurisdiction", "xml", with(good(), "jurisdiction_id", "330199"), 404, []string{"330199"}},
			{"a township is no jurisdiction", "json", with(good(), "jurisdiction_id", "330110001000"), 404, []string{"330110001000"}},
			{"an unknown service", "xml", with(good(), "service_code", "X999"), 404, []string{"X999"}},
			{"a class is no service", "json", with(good(), "service_code", "LE01"), 404, []string{"LE01"}},
			{"a withheld class", "json", with(good(), "service_code", "S0401"), 404, []string{"S0401"}},
			{"no service_code", "json", with(good(), "service_code", ""), 400, []string{"service_code"}},
			{"no location", "xml", with(good(), "lat", "", "long", ""), 400, []string{"location"}},
			{"an address text alone", "json", with(good(), "lat", "", "long", "", "address_string", "临江路88号"), 400, []string{"address_string"}},
			{"lat without long", "json", with(good(), "long", ""), 400, []string{"lat"}},
			{"lat not a number", "json", with(good(), "lat", "north"), 400, []string{"lat"}},
			{"a point outside the county", "json", with(good(), "lat", "30.05", "long", "120.02"), 400, []string{"330110"}},
			{"an unknown building", "json", with(good(), "lat", "", "long", "", "address_id", "999999"), 400, []string{"999999"}},
			{"a malformed address_id", "json", with(good(), "address_id", "B-27"), 400, []string{"address_id"}},
			{"a bad list value", "json", with(good(), "attribute[in_danger]", "maybe"), 400, []string{"maybe"}},
			{"a bad datetime", "json", with(good(), "attribute[observed_at]", "yesterday"), 400, []string{"attribute[observed_at]"}},
			{"a bad e-mail and media_url", "json", with(good(), "email", "not-an-address", "media_url", "ftp://x/y.jpg"), 400, []string{"email", "media_url"}},
			{"a landline without its area code", "json", with(good(), "phone", "12345"), 400, []string{"phone"}},
		} {
			st, body := anon.post(c.format, c.form)
			wantO311Errors(t, c.what, c.format, st, body, c.status, c.fragments...)
		}
		if after := [3]int{w.count(t, "cases"), w.count(t, "open311_requests"), w.count(t, "attachments")}; after != before {
			t.Errorf("refused POSTs wrote: cases, extras, attachments %v → %v", before, after)
		}

		// Reads: a wrong key is refused even where none is needed; several
		// counties need jurisdiction_id unless the key names one.
		st, body, _ := anon.get("/services.json?api_key=o311_wrong")
		wantO311Errors(t, "a wrong key on a read", "json", st, body, 403, "api_key")
		st, body, _ = anon.get("/services.xml")
		wantO311Errors(t, "no jurisdiction_id on a two-county server", "xml", st, body, 400, "jurisdiction_id")
		if st, body, _ = anon.get("/services.json?api_key=" + w.key); st != 200 {
			t.Errorf("the key's own county by default: %d %s", st, body)
		}
		st, body, _ = anon.get("/services.json?jurisdiction_id=city.gov")
		wantO311Errors(t, "an unknown jurisdiction on a read", "json", st, body, 404, "city.gov")
		st, body, _ = anon.get("/services/LE0103?jurisdiction_id=330110")
		wantO311Errors(t, "no format", "json", st, body, 404, ".json")
		st, body, _ = anon.get("/requests.json?jurisdiction_id=330110&status=pending")
		wantO311Errors(t, "a bad status", "json", st, body, 400, "status")
		st, body, _ = anon.get("/requests.json?jurisdiction_id=330110&bbox=1,2,3")
		wantO311Errors(t, "a bad bbox", "json", st, body, 400, "bbox")
		st, body, _ = anon.get("/requests.xml?jurisdiction_id=330110&start_date=2026-03-01")
		wantO311Errors(t, "a date without time and zone", "xml", st, body, 400, "start_date")
		st, body, _ = anon.get("/requests.json?jurisdiction_id=330110&page_size=1001")
		wantO311Errors(t, "a page too large", "json", st, body, 400, "page_size")

		// Rate limit: a key of 2 a minute gets the third refused (429,
		// the error list, Retry-After), and no more until time passes.
		slow := w.makeKey(t, "admin", `{"client":"慢客户端","jurisdictions":["330110"],"per_minute":2}`)
		for i, want := range []int{200, 200, 429} {
			st, body, h := anon.send("GET", o311Base+"/services.json?api_key="+slow, "", "")
			if st != want {
				t.Fatalf("request %d with a 2/min key: %d %s", i+1, st, body)
			}
			if st == 429 {
				wantO311Errors(t, "the third request", "json", st, body, 429, "api_key")
				if h.Get("Retry-After") != "60" {
					t.Errorf("Retry-After = %q", h.Get("Retry-After"))
				}
			}
		}
		st, body = anon.post("xml", with(good(), "api_key", slow))
		wantO311Errors(t, "a POST over the rate", "xml", st, body, 429, "api_key")
		w.clock.Add(time.Minute)
		if st, body, _ := anon.get("/services.json?api_key=" + slow); st != 200 {
			t.Errorf("after a minute: %d %s", st, body)
		}

		// A key turned off is refused.
		admin := w.login(t, "admin")
		st, body = admin.do("GET", "/api/v1/open311/keys?active=true", "")
		var keys struct {
			Items []struct {
				ID            int64    `json:"id"`
				Client        string   `json:"client"`
				Prefix        string   `json:"prefix"`
				Jurisdictions []string `json:"jurisdictions"`
			} `json:"items"`
			Total int `json:"total"`
		}
		if err := json.Unmarshal([]byte(body), &keys); err != nil || st != 200 || keys.Total != 2 || keys.Items[0].Client != "慢客户端" ||
			!slices.Equal(keys.Items[0].Jurisdictions, []string{"330110"}) || !strings.HasPrefix(slow, keys.Items[0].Prefix) || strings.Contains(body, slow) {
			t.Fatalf("county admin's keys: %d %s", st, body)
		}
		if st, body := admin.do("PATCH", "/api/v1/open311/keys/"+id(keys.Items[0].ID), `{"active":false}`); st != 200 || !strings.Contains(body, `"active":false`) {
			t.Fatalf("turn the key off: %d %s", st, body)
		}
		st, body, _ = anon.get("/services.json?api_key=" + slow)
		wantO311Errors(t, "a key turned off", "json", st, body, 403, "api_key")

		// Keys are managed at county scope: a street administrator can
		// neither make one for the county nor see or change the county's.
		street := w.login(t, "admin_street")
		st, body = street.do("POST", "/api/v1/open311/keys", `{"client":"x","jurisdictions":["330110"]}`)
		wantError(t, "a street admin makes a county key", st, body, 403, "", "")
		st, body = street.do("GET", "/api/v1/open311/keys", "")
		if !strings.Contains(body, `"total":0`) || st != 200 {
			t.Errorf("street admin's keys: %d %s", st, body)
		}
		st, body = street.do("PATCH", "/api/v1/open311/keys/"+id(keys.Items[0].ID), `{"active":true}`)
		wantError(t, "a street admin changes a county key", st, body, 404, "", "")
		// Bad input names the field.
		st, body = admin.do("POST", "/api/v1/open311/keys", `{"client":"","jurisdictions":["330110"]}`)
		wantError(t, "no client name", st, body, 400, "client", "")
		st, body = admin.do("POST", "/api/v1/open311/keys", `{"client":"x","jurisdictions":["330110001000"]}`)
		wantError(t, "a township as jurisdiction", st, body, 400, "jurisdictions", "330110001000")
		st, body = admin.do("POST", "/api/v1/open311/keys", `{"client":"x","jurisdictions":["330111"]}`)
		wantError(t, "another county's key", st, body, 403, "", "")
		st, body = admin.do("POST", "/api/v1/open311/keys", `{"client":"x","jurisdictions":["330110"],"per_minute":100000}`)
		wantError(t, "a rate too high", st, body, 400, "per_minute", "")
	})
}

// TestOpen311Media: a photo posted as multipart (extension) is checked by
// the media service and attached to the case.
func TestOpen311Media(t *testing.T) {
	o311Engines(t, reportedAt, func(t *testing.T, w *o311World) {
		anon := w.client(t)
		post := func(photo []byte) (int, string) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			for k, v := range map[string]string{"api_key": w.key, "service_code": "C01011", "lat": "37.76", "long": "-122.42",
				"attribute[condition][]": "damaged", "description": "燃气井盖破损"} {
				_ = mw.WriteField(k, v)
			}
			_ = mw.WriteField("attribute[condition][]", "displaced")
			fw, _ := mw.CreateFormFile("media", "cover.jpg")
			_, _ = fw.Write(photo)
			_ = mw.Close()
			st, body, _ := anon.send("POST", o311Base+"/requests.json", mw.FormDataContentType(), b.String())
			return st, body
		}
		st, body := post(testJPEG(t))
		if st != 200 {
			t.Fatalf("multipart POST: %d %s", st, body)
		}
		rid := decodeList(t, body)[0]["service_request_id"].(string)
		st, body = w.login(t, "dispatcher").do("GET", "/api/v1/cases/"+rid, "")
		var c struct {
			Attachments []int64 `json:"attachments"`
			Description string  `json:"description"`
		}
		if err := json.Unmarshal([]byte(body), &c); err != nil || st != 200 || len(c.Attachments) != 1 || !strings.Contains(c.Description, "部件状况：破损、移位") {
			t.Errorf("the case: %d %s", st, body)
		}
		before := w.count(t, "attachments")
		st, body = post([]byte("not a photo"))
		wantO311Errors(t, "a file that is no photo", "json", st, body, 400, "media")
		if w.count(t, "attachments") != before {
			t.Errorf("a refused photo was stored")
		}
	})
}

// TestOpen311Documented: every Open311 operation of the OpenAPI document is
// served (a documented path never meets the mux's own 404 or 405).
func TestOpen311Documented(t *testing.T) {
	w := newO311World(t, sqliteDB(t), newClock(reportedAt))
	c := w.client(t)
	oa := loadOpenAPI(t, c)
	n := 0
	for path, ops := range oa.doc["paths"].(map[string]any) {
		if !strings.HasPrefix(path, o311Base) && !strings.HasPrefix(path, "/api/v1/open311") {
			continue
		}
		for method := range ops.(map[string]any) {
			n++
			concrete := strings.NewReplacer("{service_code}", "LE0103.json", "{service_request_id}", "1", "{token}", "t.json", "{id}", "1").Replace(path)
			st, body, _ := c.send(strings.ToUpper(method), concrete+"?jurisdiction_id=330110", "", "")
			if (st == 404 || st == 405) && !strings.Contains(body, "code") {
				t.Errorf("%s %s is documented but not served: %d %q", method, path, st, body)
			}
		}
	}
	if n != 17 {
		t.Errorf("%d Open311 operations documented, want 17", n)
	}
}
