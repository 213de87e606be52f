package open311

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/cases"
)

// xmlOf encodes v as the HTTP layer does (without the declaration).
func xmlOf(t *testing.T, v any) string {
	t.Helper()
	b, err := xml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEncodings: each document's XML root and elements, in the
// specification's order, empty elements for absent values; JSON as bare
// arrays with null for absent values and codes as strings.
func TestEncodings(t *testing.T) {
	lat, long := 37.762221815, -122.4651145
	req := ServiceRequest{ServiceRequestID: "638344", Status: "closed", StatusDetail: "closed", StatusNotes: opt("Duplicate request."),
		ServiceName: "Sidewalk and Curb Issues", ServiceCode: "006", RequestedDatetime: "2010-04-14T06:37:38-08:00",
		UpdatedDatetime: "2010-04-14T06:37:38-08:00", ExpectedDatetime: opt("2010-04-15T06:37:38-08:00"),
		Address: opt("8TH AVE and JUDAH ST"), AddressID: opt("545483"), Zipcode: opt("94122"), Lat: &lat, Long: &long,
		MediaURL: opt("http://city.gov.s3.amazonaws.com/requests/media/638344.jpg")}
	for _, c := range []struct {
		name     string
		v        any
		xml, js  string
		contains bool
	}{
		{name: "the specification's GET Service Request example", v: ServiceRequests{req},
			xml: `<service_requests><request><service_request_id>638344</service_request_id><status>closed</status><status_detail>closed</status_detail>` +
				`<status_notes>Duplicate request.</status_notes><service_name>Sidewalk and Curb Issues</service_name><service_code>006</service_code>` +
				`<description></description><agency_responsible></agency_responsible><service_notice></service_notice>` +
				`<requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime><updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>` +
				`<expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime><address>8TH AVE and JUDAH ST</address><address_id>545483</address_id>` +
				`<zipcode>94122</zipcode><lat>37.762221815</lat><long>-122.4651145</long>` +
				`<media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg</media_url></request></service_requests>`,
			js: `[{"service_request_id":"638344","status":"closed","status_detail":"closed","status_notes":"Duplicate request.",` +
				`"service_name":"Sidewalk and Curb Issues","service_code":"006","description":null,"agency_responsible":null,"service_notice":null,` +
				`"requested_datetime":"2010-04-14T06:37:38-08:00","updated_datetime":"2010-04-14T06:37:38-08:00",` +
				`"expected_datetime":"2010-04-15T06:37:38-08:00","address":"8TH AVE and JUDAH ST","address_id":"545483","zipcode":"94122",` +
				`"lat":37.762221815,"long":-122.4651145,"media_url":"http://city.gov.s3.amazonaws.com/requests/media/638344.jpg"}]`},
		{name: "the POST answer", v: CreatedRequests{{ServiceRequestID: "293944", ServiceNotice: opt("The City will inspect")}},
			xml: `<service_requests><request><service_request_id>293944</service_request_id><service_notice>The City will inspect</service_notice>` +
				`<account_id></account_id></request></service_requests>`,
			js: `[{"service_request_id":"293944","service_notice":"The City will inspect","account_id":null}]`},
		{name: "a token", v: RequestTokens{{ServiceRequestID: "638344", Token: "12345"}},
			xml: `<service_requests><request><service_request_id>638344</service_request_id><token>12345</token></request></service_requests>`,
			js:  `[{"service_request_id":"638344","token":"12345"}]`},
		{name: "errors", v: Errors{{Code: 403, Description: "Invalid api_key received -- can't proceed with create_request."}},
			xml: `<errors><error><code>403</code><description>Invalid api_key received -- can&#39;t proceed with create_request.</description></error></errors>`,
			js:  `[{"code":403,"description":"Invalid api_key received -- can't proceed with create_request."}]`},
		{name: "services", v: Services{{ServiceCode: "001", ServiceName: "Cans left out 24x7", Description: "d", Metadata: true, Type: "realtime", Keywords: "lorem, ipsum, dolor", Group: "sanitation"}},
			xml: `<services><service><service_code>001</service_code><service_name>Cans left out 24x7</service_name><description>d</description>` +
				`<metadata>true</metadata><type>realtime</type><keywords>lorem, ipsum, dolor</keywords><group>sanitation</group></service></services>`,
			js: `[{"service_code":"001","service_name":"Cans left out 24x7","description":"d","metadata":true,"type":"realtime","keywords":"lorem, ipsum, dolor","group":"sanitation"}]`},
		{name: "a service definition", v: &ServiceDefinition{ServiceCode: "DMV66", Attributes: []ServiceAttribute{{Variable: true, Code: "WHISHETN",
			Datatype: SingleValueList, Required: true, Order: 1, Description: "What is the ticket/tag/DL number?",
			Values: []AttributeValue{{Key: "123", Name: "Ford"}, {Key: "124", Name: "Chrysler"}}}}},
			xml: `<service_definition><service_code>DMV66</service_code><attributes><attribute><variable>true</variable><code>WHISHETN</code>` +
				`<datatype>singlevaluelist</datatype><required>true</required><datatype_description></datatype_description><order>1</order>` +
				`<description>What is the ticket/tag/DL number?</description><values><value><key>123</key><name>Ford</name></value>` +
				`<value><key>124</key><name>Chrysler</name></value></values></attribute></attributes></service_definition>`,
			js: `{"service_code":"DMV66","attributes":[{"variable":true,"code":"WHISHETN","datatype":"singlevaluelist","required":true,` +
				`"datatype_description":"","order":1,"description":"What is the ticket/tag/DL number?","values":[{"key":"123","name":"Ford"},{"key":"124","name":"Chrysler"}]}]}`},
		{name: "discovery", v: &Discovery{Changeset: "2011-02-03 14:18", Contact: "c", KeyService: "k", Endpoints: []DiscoveryEndpoint{{
			Specification: Specification, URL: "http://open311.mycity.gov/v2", Changeset: "2010-11-23 09:01", Type: "production", Formats: []string{"text/xml", "application/json"}}}},
			xml: `<discovery><changeset>2011-02-03 14:18</changeset><contact>c</contact><key_service>k</key_service><endpoints><endpoint>` +
				`<specification>http://wiki.open311.org/GeoReport_v2</specification><url>http://open311.mycity.gov/v2</url><changeset>2010-11-23 09:01</changeset>` +
				`<type>production</type><formats><format>text/xml</format><format>application/json</format></formats></endpoint></endpoints></discovery>`,
			js: `{"changeset":"2011-02-03 14:18","contact":"c","key_service":"k","endpoints":[{"specification":"http://wiki.open311.org/GeoReport_v2",` +
				`"url":"http://open311.mycity.gov/v2","changeset":"2010-11-23 09:01","type":"production","formats":["text/xml","application/json"]}]}`},
		{name: "updates", v: RequestUpdates{{UpdateID: "7_2", ServiceRequestID: "7", Status: "open", StatusDetail: "registered", UpdatedDatetime: "2026-03-06T22:50:00+08:00", Description: "立案"}},
			xml: `<service_request_updates><request_update><update_id>7_2</update_id><service_request_id>7</service_request_id><status>open</status>` +
				`<status_detail>registered</status_detail><updated_datetime>2026-03-06T22:50:00+08:00</updated_datetime><description>立案</description>` +
				`<media_url></media_url></request_update></service_request_updates>`,
			js: `[{"update_id":"7_2","service_request_id":"7","status":"open","status_detail":"registered","updated_datetime":"2026-03-06T22:50:00+08:00","description":"立案","media_url":null}]`},
		{name: "empty lists", v: ServiceRequests{}, xml: `<service_requests></service_requests>`, js: `[]`},
	} {
		if got := xmlOf(t, c.v); got != c.xml {
			t.Errorf("%s: XML\n got %s\nwant %s", c.name, got, c.xml)
		}
		if got := jsonOf(t, c.v); got != c.js {
			t.Errorf("%s: JSON\n got %s\nwant %s", c.name, got, c.js)
		}
	}
}

func TestW3C(t *testing.T) {
	at := time.Date(2026, 3, 6, 14, 40, 0, 0, time.UTC)
	if got := W3C(at, time.FixedZone("CST", 8*3600)); got != "2026-03-06T22:40:00+08:00" {
		t.Errorf("W3C = %s", got)
	}
	if got := W3C(at, time.UTC); got != "2026-03-06T14:40:00Z" {
		t.Errorf("W3C in UTC = %s", got)
	}
}

// TestStatusOf: closed and rejected cases are closed requests; every
// other state is open.
func TestStatusOf(t *testing.T) {
	for _, st := range cases.States {
		want := "open"
		if st == cases.Closed || st == cases.Rejected {
			want = "closed"
		}
		if got := statusOf(st); got != want {
			t.Errorf("statusOf(%s) = %s, want %s", st, got, want)
		}
	}
}

// TestDescription: the footer that carries a request's extras to the
// staff is cut off again when the request is shown.
func TestDescription(t *testing.T) {
	d := describe("A large sinkhole\nin the road", "FixMyStreet", "1234 5th street", []string{"发现时间：2026-03-06 22:00"}, "http://x/y.jpg")
	want := "A large sinkhole\nin the road\n\n【Open311】来自“FixMyStreet”\n地址：1234 5th street\n发现时间：2026-03-06 22:00\n媒体链接：http://x/y.jpg"
	if d != want {
		t.Errorf("describe =\n%s\nwant\n%s", d, want)
	}
	if got := presentDescription(d); got != "A large sinkhole\nin the road" {
		t.Errorf("presentDescription = %q", got)
	}
	if got := presentDescription(describe("", "c", "", nil, "")); got != "" {
		t.Errorf("presentDescription of an empty text = %q", got)
	}
	for _, c := range [][3]string{{"三", "张", "张三"}, {"john", "smith", "john smith"}, {"", "smith", "smith"}, {"Li", "王", "Li 王"}} {
		if got := reporterName(c[0], c[1]); got != c[2] {
			t.Errorf("reporterName(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	if got := []rune(titleOf(nil2cat("道路塌陷"), strings.Repeat("很长", 80))); len(got) != maxTitle || got[len(got)-1] != '…' {
		t.Errorf("a long title is %d runes: %s", len(got), string(got))
	}
}
