package web

import (
	"net/http"

	"github.com/gridwork/gridwork/internal/open311"
)

// open311Routes are Open311 GeoReport v2 at /open311/v2 and the
// administration of its API keys; none when the server has no Open311
// service.
//
// Routes whose last segment is fixed come once per format (.json, .xml);
// those whose last segment is a code carry the extension in it ("001.xml")
// and are documented with their JSON answer. Errors are the specification's
// list of {code, description}, in the route's format.
func (s *Server) open311Routes() []route {
	if s.open311 == nil {
		return nil
	}
	errs := map[int]any{}
	for _, st := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests, http.StatusInternalServerError} {
		errs[st] = open311.Errors{}
	}
	juris := param{name: "jurisdiction_id", typ: "string", desc: "the county's division code; needed when the server serves several and the api_key does not name one"}
	key := param{name: "api_key", typ: "string", desc: "a client's API key: optional for reads (shows the key's own non-public requests), required to post"}
	listQuery := []param{juris, key,
		strParam("service_request_id", "comma-separated ids; overrides every other argument"),
		strParam("service_code", "comma-separated service codes"),
		strParam("start_date", "W3C date-time; requested at or after (window at most 90 days; default the last 90 days)"),
		strParam("end_date", "W3C date-time; requested at or before"),
		strParam("status", "open, closed or both, comma-separated"),
		strParam("status_detail", "extension: comma-separated Gridwork states (reported, registered, dispatched, in_progress, handled, verified, closed, rejected)"),
		strParam("updated_after", "extension: W3C date-time; updated after"),
		strParam("updated_before", "extension: W3C date-time; updated at or before"),
		strParam("bbox", "extension: minlon,minlat,maxlon,maxlat"),
		{name: "page", typ: "integer", desc: "extension: page number from 1"},
		{name: "page_size", typ: "integer", desc: "extension: requests per page, 1–1000 (1000)"}}
	code := map[string]string{"service_code": "string", "service_request_id": "string", "token": "string"}
	form := "application/x-www-form-urlencoded"
	var rs []route
	for _, f := range []struct {
		format           o311Format
		ext, contentType string
	}{{o311JSON, ".json", ""}, {o311XML, ".xml", "text/xml"}} {
		doc := func(v any) any {
			if f.format == o311XML {
				return nil
			}
			return v
		}
		rs = append(rs,
			route{method: "GET", path: "/open311/v2/discovery" + f.ext, tag: "open311", summary: "Open311 service discovery", public: true,
				response: doc(&open311.Discovery{}), responseType: f.contentType, also: errs, raw: s.o311Handler(f.format, "", s.handleO311Discovery)},
			route{method: "GET", path: "/open311/v2/services" + f.ext, tag: "open311", summary: "Open311 GET Service List: the categories offered as services", public: true,
				query: []param{juris, key}, response: doc(open311.Services{}), responseType: f.contentType, also: errs, raw: s.o311Handler(f.format, "", s.handleO311Services)},
			route{method: "POST", path: "/open311/v2/requests" + f.ext, tag: "open311",
				summary: "Open311 POST Service Request (form-encoded: api_key, jurisdiction_id, service_code, lat/long or address_id, attribute[code], email, device_id, account_id, first_name, last_name, phone, description, media_url; extensions: token, and multipart/form-data with a photo in media); the case enters the case loop as channel api",
				public:  true, requestType: form, response: doc(open311.CreatedRequests{}), responseType: f.contentType, also: errs, raw: s.o311Handler(f.format, "", s.handleO311Post)},
			route{method: "GET", path: "/open311/v2/requests" + f.ext, tag: "open311", summary: "Open311 GET Service Requests: public requests of the jurisdiction and the key's own, newest first",
				public: true, query: listQuery, response: doc(open311.ServiceRequests{}), responseType: f.contentType, also: errs, raw: s.o311Handler(f.format, "", s.handleO311Requests)},
			route{method: "GET", path: "/open311/v2/requests/{service_request_id}/updates" + f.ext, tag: "open311", summary: "Open311 updates feed (extension): the request's public history",
				public: true, query: []param{juris, key}, pathTypes: code, response: doc(open311.RequestUpdates{}), responseType: f.contentType, also: errs,
				raw: s.o311Handler(f.format, "service_request_id", s.handleO311Updates)},
		)
	}
	rs = append(rs,
		route{method: "GET", path: "/open311/v2/services/{service_code}", tag: "open311", summary: "Open311 GET Service Definition; the code ends in .json or .xml (text/xml, same fields)",
			public: true, query: []param{juris, key}, pathTypes: code, response: &open311.ServiceDefinition{}, also: errs, raw: s.o311Handler("", "service_code", s.handleO311Definition)},
		route{method: "GET", path: "/open311/v2/requests/{service_request_id}", tag: "open311", summary: "Open311 GET Service Request; the id ends in .json or .xml (text/xml, same fields)",
			public: true, query: []param{juris, key}, pathTypes: code, response: open311.ServiceRequests{}, also: errs, raw: s.o311Handler("", "service_request_id", s.handleO311Request)},
		route{method: "GET", path: "/open311/v2/tokens/{token}", tag: "open311", summary: "Open311 GET service_request_id from a token: a token the key sent with its POST; ends in .json or .xml",
			public: true, query: []param{juris, key}, pathTypes: code, response: open311.RequestTokens{}, also: errs, raw: s.o311Handler("", "token", s.handleO311Token)},

		route{method: "GET", path: "/api/v1/open311/keys", tag: "open311", summary: "Open311 API keys over the actor's jurisdictions (user.read)", query: withPaging(strParam("active", "true or false")), response: page[open311KeyJSON]{}, handle: s.handleListOpen311Keys},
		route{method: "POST", path: "/api/v1/open311/keys", tag: "open311", summary: "Make an Open311 API key for a client (user.write over its jurisdictions); the secret is shown once", request: open311KeyInputJSON{}, response: open311KeyCreatedJSON{}, status: http.StatusCreated, handle: s.handleCreateOpen311Key},
		route{method: "GET", path: "/api/v1/open311/keys/{id}", tag: "open311", summary: "One Open311 API key", response: open311KeyJSON{}, handle: s.handleGetOpen311Key},
		route{method: "PATCH", path: "/api/v1/open311/keys/{id}", tag: "open311", summary: "Change an Open311 API key: client, jurisdictions, per_minute, or turn it off", request: open311KeyUpdateJSON{}, response: open311KeyJSON{}, handle: s.handleUpdateOpen311Key},
	)
	return rs
}
