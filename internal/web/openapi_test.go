package web_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// exchange is one request and response seen by a test client.
type exchange struct {
	method, path string
	status       int
	contentType  string
	body         string
}

// recorder keeps every exchange of a fixture, to check them against the
// OpenAPI document when the test ends.
type recorder struct {
	mu  sync.Mutex
	all []exchange
}

func (r *recorder) add(e exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, e)
}

// openAPI is the parsed document with a matcher per path template.
type openAPI struct {
	doc   map[string]any
	paths []pathMatcher
}

type pathMatcher struct {
	template string
	re       *regexp.Regexp
}

func loadOpenAPI(t *testing.T, c *client) *openAPI {
	t.Helper()
	st, body := c.do("GET", "/api/v1/openapi.json", "")
	if st != 200 {
		t.Fatalf("openapi.json: %d", st)
	}
	oa := &openAPI{}
	if err := json.Unmarshal([]byte(body), &oa.doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	for p := range oa.doc["paths"].(map[string]any) {
		re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[a-z_]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$")
		oa.paths = append(oa.paths, pathMatcher{template: p, re: re})
	}
	// Literal segments win over parameters, as in the mux: /cases/machine
	// before /cases/{id}.
	slices.SortFunc(oa.paths, func(a, b pathMatcher) int {
		return strings.Count(a.template, "{") - strings.Count(b.template, "{")
	})
	return oa
}

// operation finds the documented operation of a request.
func (oa *openAPI) operation(method, path string) (map[string]any, string) {
	path, _, _ = strings.Cut(path, "?")
	for _, m := range oa.paths {
		if m.re.MatchString(path) {
			ops := oa.doc["paths"].(map[string]any)[m.template].(map[string]any)
			if op, ok := ops[strings.ToLower(method)].(map[string]any); ok {
				return op, m.template
			}
		}
	}
	return nil, ""
}

// check validates one exchange: its route and status are documented, and a
// JSON body matches the documented schema.
func (oa *openAPI) check(e exchange) error {
	if !strings.HasPrefix(e.path, "/api/") && e.path != "/healthz" && e.path != "/metrics" {
		return nil // pages are not part of the API
	}
	op, _ := oa.operation(e.method, e.path)
	if op == nil {
		return fmt.Errorf("%s %s is not in the OpenAPI document", e.method, e.path)
	}
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(e.status)].(map[string]any)
	if !ok {
		return fmt.Errorf("%s %s answered %d, which is not documented", e.method, e.path, e.status)
	}
	content, _ := resp["content"].(map[string]any)
	if !strings.HasPrefix(e.contentType, "application/json") || e.path == "/api/v1/openapi.json" {
		return nil
	}
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

// validate checks v against the subset of JSON Schema the document uses.
func (oa *openAPI) validate(s map[string]any, v any, at string) error {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := oa.doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
		if !ok {
			return fmt.Errorf("%s: unresolved %s", at, ref)
		}
		return oa.validate(target, v, at)
	}
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	default:
		return nil // any value
	}
	got := jsonType(v)
	if !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
		return fmt.Errorf("%s: %s, want %v", at, got, types)
	}
	switch got {
	case "object":
		obj := v.(map[string]any)
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := obj[r]; !ok {
				return fmt.Errorf("%s: missing required %q", at, r)
			}
		}
		for k, x := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if props != nil {
					return fmt.Errorf("%s: undocumented property %q", at, k)
				}
				continue
			}
			if err := oa.validate(ps, x, at+"."+k); err != nil {
				return err
			}
		}
	case "array":
		items, _ := s["items"].(map[string]any)
		for i, x := range v.([]any) {
			if err := oa.validate(items, x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func asStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}

// TestOpenAPIDocument: the document is OpenAPI 3.1, every operation has an
// id, every path parameter is declared, every $ref resolves.
func TestOpenAPIDocument(t *testing.T) {
	f := newFixture(t, sqliteDB(t))
	oa := loadOpenAPI(t, f.client(t))
	if oa.doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", oa.doc["openapi"])
	}
	ids := map[string]bool{}
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([A-Za-z]+)"`)
	raw, _ := json.Marshal(oa.doc)
	for _, m := range refs.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := oa.doc["components"].(map[string]any)["schemas"].(map[string]any)[m[1]]; !ok {
			t.Errorf("unresolved schema %s", m[1])
		}
	}
	for path, ops := range oa.doc["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			o := op.(map[string]any)
			id, _ := o["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: operationId %q empty or repeated", method, path, id)
			}
			ids[id] = true
			for _, m := range regexp.MustCompile(`\{([a-z_]+)\}`).FindAllStringSubmatch(path, -1) {
				found := false
				for _, p := range asAny(o["parameters"]) {
					pm := p.(map[string]any)
					found = found || (pm["in"] == "path" && pm["name"] == m[1])
				}
				if !found {
					t.Errorf("%s %s: path parameter %s not declared", method, path, m[1])
				}
			}
		}
	}
	// Every documented operation exists on the server: none answers with the
	// mux's own 404/405 (handlers' 404s are JSON with a code).
	c := f.login(t, "admin")
	for path, ops := range oa.doc["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			if strings.Contains(fmt.Sprint(op), "text/event-stream") {
				continue // a stream never ends; TestStream covers it
			}
			concrete := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(path, "1")
			st, body := c.do(strings.ToUpper(method), concrete, "")
			if (st == 404 || st == 405) && !strings.Contains(body, `"code"`) {
				t.Errorf("%s %s is documented but not served: %d %q", method, path, st, body)
			}
		}
	}
}

func asAny(v any) []any {
	a, _ := v.([]any)
	return a
}

// TestOpenAPICheckCatchesDrift: the conformance check itself fails on a
// body, a status or a route the document does not describe.
func TestOpenAPICheckCatchesDrift(t *testing.T) {
	f := newFixture(t, sqliteDB(t))
	oa := loadOpenAPI(t, f.client(t))
	bad := []exchange{
		{method: "GET", path: "/api/v1/regions/1", status: 200, contentType: "application/json", body: `{"id":"seven","level":"grid","kind":"grid","code":"1","name":"x","path":"/1/"}`},
		{method: "GET", path: "/api/v1/regions/1", status: 200, contentType: "application/json", body: `{"id":7,"level":"grid","kind":"grid","code":"1","name":"x","path":"/1/","colour":"red"}`},
		{method: "GET", path: "/api/v1/regions/1", status: 200, contentType: "application/json", body: `{"id":7}`},
		{method: "GET", path: "/api/v1/regions/1", status: 418, contentType: "application/json", body: `{}`},
		{method: "DELETE", path: "/api/v1/regions/1", status: 204},
		{method: "GET", path: "/api/v1/regions", status: 400, contentType: "application/json", body: `{"code":"invalid"}`},
	}
	for _, e := range bad {
		if err := oa.check(e); err == nil {
			t.Errorf("check passed a drifted exchange: %+v", e)
		}
	}
	good := exchange{method: "GET", path: "/api/v1/regions/1", status: 200, contentType: "application/json", body: `{"id":7,"level":"grid","kind":"grid","code":"1","name":"x","path":"/1/"}`}
	if err := oa.check(good); err != nil {
		t.Errorf("check refused a conforming exchange: %v", err)
	}
}
