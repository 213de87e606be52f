package web

import (
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// The OpenAPI 3.1 document is generated from the route table and from the
// Go types of request and response bodies (their json tags), so it moves
// with the code; a test checks live responses against it.

type oaDoc struct {
	OpenAPI    string                       `json:"openapi"`
	Info       oaInfo                       `json:"info"`
	Paths      map[string]map[string]*oaOp  `json:"paths"`
	Components oaComponents                 `json:"components"`
	Security   []map[string][]string        `json:"security"`
	Tags       []map[string]string          `json:"tags,omitempty"`
	Extra      map[string]map[string]string `json:"x-error-codes,omitempty"`
}

type oaInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

type oaComponents struct {
	Schemas         map[string]*oaSchema `json:"schemas"`
	SecuritySchemes map[string]any       `json:"securitySchemes"`
}

type oaOp struct {
	OperationID string                 `json:"operationId"`
	Summary     string                 `json:"summary"`
	Tags        []string               `json:"tags"`
	Parameters  []oaParam              `json:"parameters,omitempty"`
	RequestBody *oaBody                `json:"requestBody,omitempty"`
	Responses   map[string]*oaResponse `json:"responses"`
	Security    []map[string][]string  `json:"security,omitempty"`
}

type oaParam struct {
	Name        string    `json:"name"`
	In          string    `json:"in"`
	Required    bool      `json:"required"`
	Description string    `json:"description,omitempty"`
	Schema      *oaSchema `json:"schema"`
}

type oaBody struct {
	Required bool                    `json:"required"`
	Content  map[string]*oaMediaType `json:"content"`
}

type oaMediaType struct {
	Schema *oaSchema `json:"schema"`
}

type oaResponse struct {
	Description string                  `json:"description"`
	Content     map[string]*oaMediaType `json:"content,omitempty"`
}

// oaSchema is the subset of JSON Schema 2020-12 the document uses.
type oaSchema struct {
	Ref                  string               `json:"$ref,omitempty"`
	Type                 any                  `json:"type,omitempty"` // a string, or ["string","null"]
	Format               string               `json:"format,omitempty"`
	Properties           map[string]*oaSchema `json:"properties,omitempty"`
	Required             []string             `json:"required,omitempty"`
	Items                *oaSchema            `json:"items,omitempty"`
	AdditionalProperties any                  `json:"additionalProperties,omitempty"`
	Description          string               `json:"description,omitempty"`
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// buildOpenAPI renders the document once at start-up.
func (s *Server) buildOpenAPI() []byte {
	doc := oaDoc{
		OpenAPI: "3.1.0",
		Info: oaInfo{Title: "Gridwork API", Version: "1",
			Description: "Grid-based community governance. Errors are {code, message, field}; message is in the language of Accept-Language (zh by default, en)."},
		Paths: map[string]map[string]*oaOp{},
		Components: oaComponents{Schemas: map[string]*oaSchema{}, SecuritySchemes: map[string]any{
			"session": map[string]string{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			"token":   map[string]string{"type": "http", "scheme": "bearer", "description": "an API token (gw_…) or a session token"},
		}},
		Security: []map[string][]string{{"session": {}}, {"token": {}}},
	}
	g := &schemaGen{schemas: doc.Components.Schemas}
	errRef := g.schema(reflect.TypeFor[errorBody]())
	for _, rt := range s.routeTable() {
		op := &oaOp{
			OperationID: operationID(rt.method, rt.path),
			Summary:     rt.summary,
			Tags:        []string{rt.tag},
			Responses:   map[string]*oaResponse{},
		}
		if rt.public {
			op.Security = []map[string][]string{{}}
		}
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			schema := &oaSchema{Type: "integer", Format: "int64"}
			if t, ok := rt.pathTypes[m[1]]; ok {
				typ, format, _ := strings.Cut(t, ":")
				schema = &oaSchema{Type: typ, Format: format}
			}
			op.Parameters = append(op.Parameters, oaParam{Name: m[1], In: "path", Required: true, Schema: schema})
		}
		for _, q := range rt.query {
			op.Parameters = append(op.Parameters, oaParam{Name: q.name, In: "query", Required: q.required, Description: q.desc, Schema: &oaSchema{Type: q.typ}})
		}
		if rt.request != nil {
			op.RequestBody = &oaBody{Required: true, Content: map[string]*oaMediaType{"application/json": {Schema: g.schema(reflect.TypeOf(rt.request))}}}
		} else if rt.requestType != "" {
			op.RequestBody = &oaBody{Required: true, Content: map[string]*oaMediaType{rt.requestType: {Schema: &oaSchema{}}}}
		}
		status := rt.status
		if status == 0 {
			status = http.StatusOK
		}
		ok := &oaResponse{Description: http.StatusText(status)}
		switch {
		case rt.response != nil:
			ok.Content = map[string]*oaMediaType{"application/json": {Schema: g.schema(reflect.TypeOf(rt.response))}}
		case rt.responseType != "":
			ok.Content = map[string]*oaMediaType{}
			for _, t := range strings.Split(rt.responseType, ", ") { // a file in one of several formats
				ok.Content[t] = &oaMediaType{Schema: &oaSchema{}}
			}
		}
		op.Responses[itoa(status)] = ok
		for st, body := range rt.also {
			op.Responses[itoa(st)] = &oaResponse{Description: http.StatusText(st), Content: map[string]*oaMediaType{"application/json": {Schema: g.schema(reflect.TypeOf(body))}}}
		}
		if rt.raw == nil {
			for _, st := range []int{400, 401, 403, 404, 409, 429, 500} {
				op.Responses[itoa(st)] = &oaResponse{Description: http.StatusText(st), Content: map[string]*oaMediaType{"application/json": {Schema: errRef}}}
			}
		}
		if doc.Paths[rt.path] == nil {
			doc.Paths[rt.path] = map[string]*oaOp{}
		}
		doc.Paths[rt.path][strings.ToLower(rt.method)] = op
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("web: openapi: " + err.Error()) // the document is built from static types: a failure is a programming error
	}
	return b
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.openapi)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// operationID turns "GET /api/v1/regions/{id}" into "getRegionsId".
func operationID(method, path string) string {
	path = strings.TrimPrefix(path, "/api/v1")
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '-' || r == '{' || r == '}' || r == '.' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// schemaGen turns Go types into JSON Schemas, naming struct types as
// components.
type schemaGen struct {
	schemas map[string]*oaSchema
}

var timeType = reflect.TypeFor[time.Time]()
var rawJSONType = reflect.TypeFor[json.RawMessage]()
var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

func (g *schemaGen) schema(t reflect.Type) *oaSchema {
	switch {
	case t == timeType:
		return &oaSchema{Type: "string", Format: "date-time"}
	case t == rawJSONType:
		return &oaSchema{Description: "any JSON value"}
	case t.Kind() != reflect.Pointer && (t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler)):
		// Not for pointers: *time.Time is a TextMarshaler too, and its
		// schema must stay nullable (the pointer case below).
		return &oaSchema{Type: "string"} // e.g. a time limit written "4wh"
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schema(t.Elem())
		if typ, ok := s.Type.(string); ok {
			s.Type = []string{typ, "null"}
		}
		return s
	case reflect.String:
		return &oaSchema{Type: "string"}
	case reflect.Bool:
		return &oaSchema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return &oaSchema{Type: "integer"}
	case reflect.Int64, reflect.Uint64:
		return &oaSchema{Type: "integer", Format: "int64"}
	case reflect.Float32, reflect.Float64:
		return &oaSchema{Type: "number"}
	case reflect.Slice, reflect.Array:
		return &oaSchema{Type: "array", Items: g.schema(t.Elem())}
	case reflect.Map:
		return &oaSchema{Type: "object", AdditionalProperties: g.schema(t.Elem())}
	case reflect.Interface:
		return &oaSchema{}
	case reflect.Struct:
		name := schemaName(t)
		if _, done := g.schemas[name]; !done {
			obj := &oaSchema{Type: "object", Properties: map[string]*oaSchema{}}
			g.schemas[name] = obj // before the fields, for recursive types
			g.fields(t, obj)
		}
		return &oaSchema{Ref: "#/components/schemas/" + name}
	}
	return &oaSchema{}
}

// fields adds the JSON fields of struct type t to obj; an embedded struct
// without a json name adds its own fields, as encoding/json flattens it.
func (g *schemaGen) fields(t reflect.Type, obj *oaSchema) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		fname, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && fname == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, obj)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if fname == "" {
			fname = f.Name
		}
		obj.Properties[fname] = g.schema(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			obj.Required = append(obj.Required, fname)
		}
	}
}

// schemaName names a struct type for components: "regionJSON" → "Region",
// "page[…regionJSON]" → "RegionPage".
func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.Index(n, "["); i >= 0 {
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndex(inner, "."); j >= 0 {
			inner = inner[j+1:]
		}
		return clean(inner) + "Page"
	}
	return clean(n)
}

func clean(n string) string {
	n = strings.TrimSuffix(n, "JSON")
	if n == "" {
		return n
	}
	return strings.ToUpper(n[:1]) + n[1:]
}
