package web

import (
	"net/http"

	"github.com/gridwork/gridwork/internal/cases"
)

// caseRoutes are the case loop: intake, transitions, history, photos, the
// live stream.
func (s *Server) caseRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/cases", tag: "cases", summary: "Report a case (idempotent with Idempotency-Key or idempotency_key)", request: reportRequest{}, response: &cases.Case{}, status: http.StatusCreated, handle: s.handleReport},
		{method: "POST", path: "/api/v1/public/cases", tag: "cases", summary: "Report a case anonymously with a phone number (rate-limited per address)", public: true, request: reportRequest{}, response: publicCaseJSON{}, status: http.StatusCreated, handle: s.handleReportPublic},
		{method: "GET", path: "/api/v1/cases", tag: "cases", summary: "Cases in scope, by traffic light then due time", query: withPaging(idParam("queue_of"), idParam("region_of"), idParam("grid_id"), strParam("state", "comma-separated states"), strParam("open", "true or false"), strParam("light", "green, yellow or red"), strParam("supervision", "normal, yellow or red"), strParam("channel", "intake channel"), strParam("category", "category code"), strParam("q", "number, title or description contains"), strParam("mine", "assigned or reported")), response: page[*cases.Case]{}, handle: s.handleListCases},
		{method: "GET", path: "/api/v1/cases/machine", tag: "cases", summary: "The state machine: actions, from and to states, who may act, fields needed", public: true, response: []transitionJSON{}, handle: s.handleMachine},
		{method: "GET", path: "/api/v1/cases/{id}", tag: "cases", summary: "One case", response: &cases.Case{}, handle: s.handleGetCase},
		{method: "POST", path: "/api/v1/cases/{id}/actions", tag: "cases", summary: "Act on a case (register, dispatch, accept, feedback, verify_ok, rate, escalate …); a stale version answers 409", request: actRequest{}, response: &cases.Case{}, handle: s.handleAct},
		{method: "GET", path: "/api/v1/cases/{id}/events", tag: "cases", summary: "The case's hash-chained history", response: []*cases.Event{}, handle: s.handleCaseEvents},
		{method: "POST", path: "/api/v1/photos", tag: "cases", summary: "Upload a photo (multipart: keep_location first, then photo); JPEG, PNG or WebP; location metadata stripped unless kept", public: true, requestType: "multipart/form-data", response: attachmentJSON{}, status: http.StatusCreated, handle: s.handleUploadPhoto},
		{method: "GET", path: "/api/v1/photos/{id}", tag: "cases", summary: "A photo of a case the actor may see", responseType: "image/*", handle: s.handleGetPhoto},
		{method: "GET", path: "/api/v1/stream", tag: "cases", summary: "Server-sent events: the case events the actor may see", responseType: "text/event-stream", handle: s.handleStream},
	}
}
