package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
)

// adminRoutes are the administration of the case loop: the work calendar,
// the category dictionary and time limits, departments, the inbox and
// webhooks.
func (s *Server) adminRoutes() []route {
	boolean := func(name, desc string) param { return param{name: name, typ: "boolean", desc: desc} }
	year := map[string]string{"year": "integer"}
	date := map[string]string{"date": "string:date"}
	code := map[string]string{"code": "string"}
	return []route{
		{method: "GET", path: "/api/v1/calendar/years", tag: "calendar", summary: "Years the work calendar has data for", response: calendarYearsJSON{}, handle: s.handleCalendarYears},
		{method: "POST", path: "/api/v1/calendar/years", tag: "calendar", summary: "Enter a year (county administrators), with the notice it rests on", request: addYearRequest{}, response: calendarYearJSON{}, status: http.StatusCreated, handle: s.handleAddCalendarYear},
		{method: "GET", path: "/api/v1/calendar/years/{year}/days", tag: "calendar", summary: "A year's holiday and swapped working days", pathTypes: year, response: calendarDaysJSON{}, handle: s.handleCalendarDays},
		{method: "GET", path: "/api/v1/calendar/years/{year}/export", tag: "calendar", summary: "A year's days as CSV (date,kind,festival; UTF-8 with BOM)", pathTypes: year, responseType: "text/csv", handle: s.handleCalendarExport},
		{method: "PUT", path: "/api/v1/calendar/days/{date}", tag: "calendar", summary: "Make a day off (holiday block) or a working day (swapped weekend day)", pathTypes: date, request: setDayRequest{}, response: calendarDayJSON{}, handle: s.handleSetCalendarDay},
		{method: "DELETE", path: "/api/v1/calendar/days/{date}", tag: "calendar", summary: "Remove a day's entry: the Monday–Friday rule applies again", pathTypes: date, status: http.StatusNoContent, handle: s.handleDeleteCalendarDay},
		{method: "POST", path: "/api/v1/calendar/import", tag: "calendar", summary: "Import days from CSV (date,kind,festival), replacing the years the file covers; all or nothing: 422 lists every bad row", requestType: "text/csv", response: calendarImportJSON{}, also: map[int]any{http.StatusUnprocessableEntity: calendarImportJSON{}}, handle: s.handleCalendarImport},
		{method: "GET", path: "/api/v1/calendar/deadline", tag: "calendar", summary: "When a time limit counted from start runs out on the work calendar (400 on field calendar for a year without data)", query: []param{{name: "start", typ: "string", required: true, desc: "RFC 3339 instant"}, {name: "limit", typ: "string", required: true, desc: "30m, 6h, 4wh or 15wd"}}, response: deadlineJSON{}, handle: s.handleDeadline},

		{method: "GET", path: "/api/v1/categories", tag: "categories", summary: "The category dictionary, by code", public: true, query: withPaging(strParam("kind", "component, event, social, hotline or request_nature"), strParam("parent", "parent code; empty for the top-level classes"), boolean("active", "true or false"), boolean("local", "true or false"), strParam("q", "code or name contains")), response: page[categoryJSON]{}, handle: s.handleListCategories},
		{method: "POST", path: "/api/v1/categories", tag: "categories", summary: "Add a category (county administrators)", request: categoryInputJSON{}, response: categoryJSON{}, status: http.StatusCreated, handle: s.handleCreateCategory},
		{method: "GET", path: "/api/v1/categories/{code}", tag: "categories", summary: "One category, retired or not", public: true, pathTypes: code, response: categoryJSON{}, handle: s.handleGetCategory},
		{method: "PATCH", path: "/api/v1/categories/{code}", tag: "categories", summary: "Change a category (code, kind and local flag are fixed)", pathTypes: code, request: categoryUpdateJSON{}, response: categoryJSON{}, handle: s.handleUpdateCategory},
		{method: "DELETE", path: "/api/v1/categories/{code}", tag: "categories", summary: "Delete a category nothing uses, or retire it; the answer says which", pathTypes: code, response: categoryRemovedJSON{}, handle: s.handleDeleteCategory},
		{method: "POST", path: "/api/v1/categories/import", tag: "categories", summary: "Import the dictionary from CSV (the export's columns); all or nothing: 422 lists every bad cell", requestType: "text/csv", response: categoryImportJSON{}, also: map[int]any{http.StatusUnprocessableEntity: categoryImportJSON{}}, handle: s.handleImportCategories},
		{method: "GET", path: "/api/v1/categories/export", tag: "categories", summary: "The whole dictionary as CSV (UTF-8 with BOM)", responseType: "text/csv", handle: s.handleExportCategories},
		{method: "GET", path: "/api/v1/time-limits", tag: "categories", summary: "Time-limit policies", query: withPaging(strParam("category", "category code; empty for the policies of any category"), strParam("step", "register, dispatch, accept, handle or verify")), response: page[timeLimitJSON]{}, handle: s.handleListTimeLimits},
		{method: "POST", path: "/api/v1/time-limits", tag: "categories", summary: "Add a time-limit policy (county administrators)", request: timeLimitInputJSON{}, response: timeLimitJSON{}, status: http.StatusCreated, handle: s.handleCreateTimeLimit},
		{method: "PATCH", path: "/api/v1/time-limits/{id}", tag: "categories", summary: "Change a policy's limit or note", request: timeLimitUpdateJSON{}, response: timeLimitJSON{}, handle: s.handleUpdateTimeLimit},
		{method: "DELETE", path: "/api/v1/time-limits/{id}", tag: "categories", summary: "Remove a policy", status: http.StatusNoContent, handle: s.handleDeleteTimeLimit},
		{method: "GET", path: "/api/v1/time-limits/explain", tag: "categories", summary: "The limit of a step and where it comes from (a policy or a default)", query: []param{{name: "category", typ: "string", required: true, desc: "category code"}, strParam("urgency", "normal (default) or urgent"), strParam("tier", "grid (default), community, street, district or city"), {name: "step", typ: "string", required: true, desc: "register, dispatch, accept, handle or verify"}}, response: limitChoiceJSON{}, handle: s.handleExplainLimit},

		{method: "GET", path: "/api/v1/departments", tag: "departments", summary: "Departments the actor may see", query: withPaging(idParam("region_id"), strParam("kind", "department kind"), strParam("name", "name contains")), response: page[departmentJSON]{}, handle: s.handleListDepartments},
		{method: "POST", path: "/api/v1/departments", tag: "departments", summary: "Register a department at a region", request: departmentInputJSON{}, response: departmentJSON{}, status: http.StatusCreated, handle: s.handleCreateDepartment},
		{method: "GET", path: "/api/v1/departments/{id}", tag: "departments", summary: "One department", response: departmentJSON{}, handle: s.handleGetDepartment},
		{method: "PATCH", path: "/api/v1/departments/{id}", tag: "departments", summary: "Change a department's name, kind or phone", request: departmentUpdateJSON{}, response: departmentJSON{}, handle: s.handleUpdateDepartment},
		{method: "DELETE", path: "/api/v1/departments/{id}", tag: "departments", summary: "Remove a department (409 while cases reference it)", status: http.StatusNoContent, handle: s.handleDeleteDepartment},
		{method: "GET", path: "/api/v1/departments/{id}/members", tag: "departments", summary: "The accounts acting for a department", response: departmentMembersJSON{}, handle: s.handleListMembers},
		{method: "POST", path: "/api/v1/departments/{id}/members", tag: "departments", summary: "Let an account act for a department (idempotent)", request: memberRequest{}, status: http.StatusNoContent, handle: s.handleAddMember},
		{method: "DELETE", path: "/api/v1/departments/{id}/members/{user_id}", tag: "departments", summary: "End an account's membership", status: http.StatusNoContent, handle: s.handleRemoveMember},

		{method: "GET", path: "/api/v1/inbox", tag: "notifications", summary: "The actor's own notifications, newest first", query: withPaging(boolean("unread", "true: unread only; false: read only")), response: page[inboxItemJSON]{}, handle: s.handleInbox},
		{method: "POST", path: "/api/v1/inbox/read", tag: "notifications", summary: "Mark notifications read (ids, or all); answers the unread count", request: markReadRequest{}, response: unreadJSON{}, handle: s.handleMarkRead},
		{method: "GET", path: "/api/v1/inbox/unread-count", tag: "notifications", summary: "How many notifications are unread", response: unreadJSON{}, handle: s.handleUnreadCount},
		{method: "GET", path: "/api/v1/webhooks", tag: "notifications", summary: "Webhooks the actor may manage (secrets are never shown)", query: withPaging(boolean("active", "true or false")), response: page[webhookJSON]{}, handle: s.handleListWebhooks},
		{method: "POST", path: "/api/v1/webhooks", tag: "notifications", summary: "Add a webhook; without a secret one is generated and shown this once", request: webhookInputJSON{}, response: webhookCreatedJSON{}, status: http.StatusCreated, handle: s.handleCreateWebhook},
		{method: "GET", path: "/api/v1/webhooks/{id}", tag: "notifications", summary: "One webhook", response: webhookJSON{}, handle: s.handleGetWebhook},
		{method: "PATCH", path: "/api/v1/webhooks/{id}", tag: "notifications", summary: "Change a webhook (a new secret is accepted, never shown)", request: webhookUpdateJSON{}, response: webhookJSON{}, handle: s.handleUpdateWebhook},
		{method: "DELETE", path: "/api/v1/webhooks/{id}", tag: "notifications", summary: "Remove a webhook and its deliveries", status: http.StatusNoContent, handle: s.handleDeleteWebhook},
		{method: "GET", path: "/api/v1/webhook-deliveries", tag: "notifications", summary: "Webhook deliveries, newest first; status=dead is the dead-letter list", query: withPaging(strParam("status", "pending, delivered or dead"), idParam("webhook_id")), response: page[deliveryJSON]{}, handle: s.handleListDeliveries},
		{method: "POST", path: "/api/v1/webhook-deliveries/{id}/redeliver", tag: "notifications", summary: "Send a dead delivery again (409 unless it is dead)", response: deliveryJSON{}, handle: s.handleRedeliver},
	}
}

// Helpers shared by the administration handlers.

// importRowJSON is one bad row (or cell) of an imported file.
type importRowJSON struct {
	Row     int    `json:"row"`   // line of the file, the header being 1
	Field   string `json:"field"` // the column, "" when the row as a whole is wrong
	Message string `json:"message"`
}

// rowErrorsJSON converts row errors, in the request's language.
func rowErrorsJSON(errs []apperr.RowError, lang string) []importRowJSON {
	out := make([]importRowJSON, 0, len(errs))
	for _, e := range errs {
		row := importRowJSON{Row: e.Row}
		if e.Err != nil {
			row.Field, row.Message = e.Err.Field, e.Err.Msg.In(lang)
		}
		out = append(out, row)
	}
	return out
}

// readCSVBody reads a CSV request body of at most max bytes; field names
// the upload in errors. A multipart form is refused with a hint, since its
// envelope would otherwise be read as the file's first rows.
func readCSVBody(w http.ResponseWriter, r *http.Request, max int64, field string) ([]byte, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); strings.HasPrefix(mt, "multipart/") {
		return nil, apperr.Invalidf(field, "请直接以请求正文发送 CSV 文件（Content-Type: text/csv），而不是表单上传", "send the CSV file as the request body (Content-Type: text/csv), not as a form upload")
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, apperr.Invalidf(field, "文件超过 %d KB", "the file is larger than %d KB", max>>10)
	case err != nil:
		return nil, apperr.Invalidf(field, "无法读取上传的文件", "cannot read the uploaded file")
	case len(b) == 0:
		return nil, apperr.Invalidf(field, "文件为空", "the file is empty")
	}
	return b, nil
}

// utf8BOM starts exported CSV files, so that spreadsheet programs read
// Chinese text as UTF-8; the imports skip it.
const utf8BOM = "\ufeff"

// writeCSVFile answers a CSV download.
func writeCSVFile(w http.ResponseWriter, name string, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// optBool parses an optional true/false query parameter: nil when absent.
func optBool(r *http.Request, name string) (*bool, error) {
	switch r.URL.Query().Get(name) {
	case "":
		return nil, nil
	case "true":
		return new(true), nil
	case "false":
		return new(false), nil
	}
	return nil, apperr.Invalidf(name, "%s 应为 true 或 false", "%s must be true or false", name)
}

// nonNil returns s, or an empty slice for nil, so that JSON shows [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
