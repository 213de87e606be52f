package web

import (
	"net/http"
)

// route is one endpoint: the mux pattern, its handler, and what the OpenAPI
// document says of it. The table is the single source of both, so the
// document cannot name a route the server lacks, nor miss one.
type route struct {
	method, path string
	tag          string
	summary      string
	public       bool // needs no sign-in
	query        []param
	request      any    // zero value of the JSON request body type, nil if none
	requestType  string // a non-JSON request body's media type (e.g. multipart/form-data)
	response     any    // zero value of the JSON response body type, nil if none
	responseType string // a non-JSON response's media type (several: "a, b")
	status       int    // the success status; 200 if 0
	handle       func(w http.ResponseWriter, r *http.Request) error
	raw          http.Handler // for handlers that are not JSON API handlers

	// pathTypes gives the schema type of path parameters that are not
	// integer ids: "string", "integer", or a type and a format such as
	// "string:date". Parameters not named here are int64 ids.
	pathTypes map[string]string
	also      map[int]any // further documented answers: status → zero value of the JSON body (e.g. 422 with an import report)
}

// param is a documented query parameter.
type param struct {
	name, typ, desc string
	required        bool
}

// pageQuery are the paging parameters of every list.
var pageQuery = []param{{name: "limit", typ: "integer", desc: "page size"}, {name: "offset", typ: "integer", desc: "items to skip"}}

// idParam is an optional integer query parameter.
func idParam(name string) param { return param{name: name, typ: "integer", desc: name} }

// strParam is an optional string query parameter.
func strParam(name, desc string) param { return param{name: name, typ: "string", desc: desc} }

func withPaging(ps ...param) []param { return append(append([]param{}, ps...), pageQuery...) }

func (s *Server) routeTable() []route {
	rs := s.foundationRoutes()
	rs = append(rs, s.caseRoutes()...)
	rs = append(rs, s.adminRoutes()...)
	rs = append(rs, s.open311Routes()...)
	rs = append(rs, s.statsRoutes()...)
	rs = append(rs, s.statsExportRoutes()...)
	return rs
}

// foundationRoutes are accounts, territory, people and ledgers.
func (s *Server) foundationRoutes() []route {
	return []route{
		{method: "GET", path: "/healthz", tag: "operations", summary: "Liveness and database check", public: true, response: healthJSON{}, raw: http.HandlerFunc(s.handleHealthz)},
		{method: "GET", path: "/metrics", tag: "operations", summary: "Prometheus metrics", public: true, responseType: "text/plain", raw: s.metricsHandler()},
		{method: "GET", path: "/api/v1/openapi.json", tag: "operations", summary: "This document", public: true, responseType: "application/json", raw: http.HandlerFunc(s.handleOpenAPI)},

		{method: "POST", path: "/api/v1/auth/login", tag: "accounts", summary: "Sign in; sets the session cookie", public: true, request: loginRequest{}, response: meJSON{}, handle: s.handleLogin},
		{method: "POST", path: "/api/v1/auth/logout", tag: "accounts", summary: "Sign out", public: true, status: http.StatusNoContent, handle: s.handleLogout},
		{method: "GET", path: "/api/v1/me", tag: "accounts", summary: "The signed-in actor and its grants", response: meJSON{}, handle: s.handleMe},
		{method: "POST", path: "/api/v1/me/password", tag: "accounts", summary: "Change one's own password (ends all sessions)", request: passwordRequest{}, status: http.StatusNoContent, handle: s.handleChangePassword},
		{method: "GET", path: "/api/v1/users", tag: "accounts", summary: "Users holding a grant inside the actor's scope", query: withPaging(strParam("q", "username or name contains"), strParam("role", "holds this role")), response: page[userJSON]{}, handle: s.handleListUsers},
		{method: "POST", path: "/api/v1/users", tag: "accounts", summary: "Create a user with grants", request: createUserRequest{}, response: userJSON{}, status: http.StatusCreated, handle: s.handleCreateUser},
		{method: "GET", path: "/api/v1/users/{id}", tag: "accounts", summary: "One user", response: userJSON{}, handle: s.handleGetUser},
		{method: "POST", path: "/api/v1/users/{id}/grants", tag: "accounts", summary: "Grant a role at a scope", request: grantJSON{}, response: grantJSON{}, status: http.StatusCreated, handle: s.handleGrant},
		{method: "POST", path: "/api/v1/tokens", tag: "accounts", summary: "Create an API token for the actor (shown once)", request: tokenRequest{}, response: tokenJSON{}, status: http.StatusCreated, handle: s.handleCreateToken},

		{method: "GET", path: "/api/v1/regions", tag: "territory", summary: "Regions in scope", query: withPaging(idParam("parent_id"), idParam("subtree_of"), strParam("level", "county, township, village or grid"), strParam("name", "name contains")), response: page[regionJSON]{}, handle: s.handleListRegions},
		{method: "POST", path: "/api/v1/regions", tag: "territory", summary: "Create a region", request: createRegionRequest{}, response: regionJSON{}, status: http.StatusCreated, handle: s.handleCreateRegion},
		{method: "GET", path: "/api/v1/regions/{id}", tag: "territory", summary: "One region", response: regionJSON{}, handle: s.handleGetRegion},
		{method: "PATCH", path: "/api/v1/regions/{id}", tag: "territory", summary: "Rename a region", request: updateRegionRequest{}, response: regionJSON{}, handle: s.handleUpdateRegion},
		{method: "GET", path: "/api/v1/regions/{id}/boundary", tag: "territory", summary: "The boundary valid at a date", query: []param{strParam("date", "YYYY-MM-DD, default today")}, response: boundaryJSON{}, handle: s.handleGetBoundary},
		{method: "PUT", path: "/api/v1/regions/{id}/boundary", tag: "territory", summary: "Set a new boundary version (GeoJSON Polygon/MultiPolygon, Feature or FeatureCollection)", query: []param{strParam("valid_from", "YYYY-MM-DD, default today")}, requestType: "application/geo+json", status: http.StatusNoContent, handle: s.handleSetBoundary},
		{method: "GET", path: "/api/v1/regions/{id}/party-coverage", tag: "party", summary: "Share of the region's grids with a party branch", response: coverageJSON{}, handle: s.handlePartyCoverage},
		{method: "GET", path: "/api/v1/locate", tag: "territory", summary: "The grid (or smallest region) holding a point", query: []param{{name: "lon", typ: "number", required: true, desc: "WGS84 longitude"}, {name: "lat", typ: "number", required: true, desc: "WGS84 latitude"}}, response: regionJSON{}, handle: s.handleLocate},
		{method: "GET", path: "/api/v1/buildings", tag: "territory", summary: "Buildings and courtyards in scope", query: withPaging(idParam("grid_id"), idParam("subtree_of"), strParam("compound", "compound name"), strParam("name", "name contains")), response: page[buildingJSON]{}, handle: s.handleListBuildings},
		{method: "POST", path: "/api/v1/buildings", tag: "territory", summary: "Create a building", request: buildingJSON{}, response: buildingJSON{}, status: http.StatusCreated, handle: s.handleCreateBuilding},
		{method: "GET", path: "/api/v1/buildings/{id}", tag: "territory", summary: "One building", response: buildingJSON{}, handle: s.handleGetBuilding},
		{method: "GET", path: "/api/v1/service-points", tag: "territory", summary: "Mediation rooms, police posts, party-mass service centres, warm stations", query: withPaging(idParam("subtree_of"), strParam("kind", "service point kind")), response: page[servicePointJSON]{}, handle: s.handleListServicePoints},

		{method: "GET", path: "/api/v1/residents", tag: "people", summary: "Residents in scope, personal data masked", query: withPaging(idParam("region_id"), idParam("household_id"), strParam("tag", "resident tag"), strParam("name", "name contains"), strParam("id_number", "exact ID number"), strParam("phone", "exact phone")), response: page[residentJSON]{}, handle: s.handleListResidents},
		{method: "POST", path: "/api/v1/residents", tag: "people", summary: "Register a resident", request: createResidentRequest{}, response: residentJSON{}, status: http.StatusCreated, handle: s.handleCreateResident},
		{method: "GET", path: "/api/v1/residents/{id}", tag: "people", summary: "One resident, personal data masked", response: residentJSON{}, handle: s.handleGetResident},
		{method: "POST", path: "/api/v1/residents/{id}/reveal", tag: "people", summary: "Full ID number and phone; the view is audited with its reason", request: revealRequest{}, response: residentPIIJSON{}, handle: s.handleRevealResident},
		{method: "GET", path: "/api/v1/pii-views", tag: "people", summary: "Audit of personal-data views", query: withPaging(idParam("resident_id")), response: page[piiViewJSON]{}, handle: s.handleListPIIViews},
		{method: "GET", path: "/api/v1/party-orgs", tag: "party", summary: "Party organisations in scope", query: withPaging(idParam("parent_id"), idParam("region_id"), strParam("kind", "committee, general_branch, branch or group")), response: page[orgJSON]{}, handle: s.handleListPartyOrgs},

		{method: "GET", path: "/api/v1/ledger/template", tag: "ledgers", summary: "The empty Excel ledger template", public: true, responseType: xlsxType, handle: s.handleLedgerTemplate},
		{method: "POST", path: "/api/v1/ledger/import", tag: "ledgers", summary: "Import an Excel ledger (multipart field file; good_rows_only=true)", requestType: "multipart/form-data", response: ledgerReportJSON{}, handle: s.handleLedgerImport},
		{method: "GET", path: "/api/v1/ledger/export", tag: "ledgers", summary: "Export a region's ledger", query: []param{{name: "region_id", typ: "integer", required: true, desc: "region"}, strParam("sheets", "buildings,households,residents"), strParam("reveal", "true to include full personal data (audited)"), strParam("reason", "why personal data is revealed")}, responseType: xlsxType, handle: s.handleLedgerExport},
	}
}

// register adds every route of the table to the mux, and the pages.
func (s *Server) register(mux *http.ServeMux) {
	for _, rt := range s.routeTable() {
		h := rt.raw
		if h == nil {
			h = s.api(rt.handle)
		}
		mux.Handle(rt.method+" "+rt.path, h)
	}
	s.registerPages(mux)
}
