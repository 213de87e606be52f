package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
)

// maxJSONBody bounds request bodies decoded as JSON.
const maxJSONBody = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON body into v, rejecting unknown fields, trailing
// data and oversized bodies with Invalid errors that name the field.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxJSONBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			return apperr.Invalidf(typeErr.Field, "字段 %s 的类型应为 %s", "field %s must be of type %s", typeErr.Field, typeErr.Type.String())
		case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
			return apperr.Invalidf("", "请求内容不是有效的 JSON", "the request body is not valid JSON")
		case errors.Is(err, io.EOF):
			return apperr.Invalidf("", "请求内容为空", "the request body is empty")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return apperr.Invalidf(f, "未知字段 %s", "unknown field %s", f)
		}
		return apperr.Invalidf("", "请求内容无法解析", "the request body cannot be parsed")
	}
	if dec.More() {
		return apperr.Invalidf("", "请求内容只能包含一个 JSON 对象", "the request body must hold a single JSON object")
	}
	return nil
}

// pathID parses the {name} path value as a positive integer ID.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Invalidf(name, "%s 必须是正整数", "%s must be a positive integer", name)
	}
	return id, nil
}

// queryInt parses an optional integer query parameter within [min, max].
func queryInt(r *http.Request, name string, def, min, max int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, apperr.Invalidf(name, "%s 必须是 %d 到 %d 之间的整数", "%s must be an integer from %d to %d", name, min, max)
	}
	return n, nil
}

// queryID parses an optional positive integer ID query parameter (0 if absent).
func queryID(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Invalidf(name, "%s 必须是正整数", "%s must be a positive integer", name)
	}
	return id, nil
}

// queryFloat parses a required float query parameter.
func queryFloat(r *http.Request, name string) (float64, error) {
	f, err := strconv.ParseFloat(r.URL.Query().Get(name), 64)
	if err != nil {
		return 0, apperr.Invalidf(name, "%s 必须是数字", "%s must be a number", name)
	}
	return f, nil
}

// optID parses an optional positive integer ID query parameter into a
// filter field: nil when absent.
func optID(r *http.Request, name string) (*int64, error) {
	id, err := queryID(r, name)
	if err != nil || id == 0 {
		return nil, err
	}
	return &id, nil
}

// optString returns a pointer to a non-empty query parameter, nil if empty.
func optString(r *http.Request, name string) *string {
	if v := r.URL.Query().Get(name); v != "" {
		return &v
	}
	return nil
}

// paging reads ?limit= (default 50, 1..max) and ?offset=.
func paging(r *http.Request, max int) (limit, offset int, err error) {
	if limit, err = queryInt(r, "limit", 50, 1, max); err != nil {
		return 0, 0, err
	}
	offset, err = queryInt(r, "offset", 0, 0, 1<<30)
	return limit, offset, err
}

// page is the envelope of list responses.
type page[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// writePage answers a list: the items converted for the API and the total
// count before paging.
func writePage[T, U any](w http.ResponseWriter, list []T, total, limit, offset int, conv func(T) U) {
	out := page[U]{Items: make([]U, 0, len(list)), Total: total, Offset: offset, Limit: limit}
	for _, x := range list {
		out.Items = append(out.Items, conv(x))
	}
	writeJSON(w, http.StatusOK, out)
}

// writeFound answers GET …/{id}: find by the path's id, convert, 200.
func writeFound[T, U any](w http.ResponseWriter, r *http.Request, find func(context.Context, int64) (T, error), conv func(T) U) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := find(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, conv(x))
	return nil
}
