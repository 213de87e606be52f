package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gridwork/gridwork/internal/apperr"
)

// statusOf is the one table mapping error codes to HTTP statuses.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:         http.StatusBadRequest,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusConflict,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.TooMany:         http.StatusTooManyRequests,
	apperr.Internal:        http.StatusInternalServerError,
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Code    apperr.Code  `json:"code"`
	Message string       `json:"message"`
	Field   string       `json:"field,omitempty"`
	Errors  []fieldError `json:"errors,omitempty"` // every field error, when there are several
}

type fieldError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// writeError answers with the error's status and a {code, message, field}
// body in the request's language. Only internal errors are logged, once,
// here; their cause never reaches the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	lang := langOf(r)
	body := errorBody{Code: code}
	if code == apperr.Internal {
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(r.Context()))
		body.Message = apperr.Text{ZH: "服务器内部错误，请稍后重试", EN: "internal server error, please try again later"}.In(lang)
	} else {
		e := apperr.As(err)
		body.Message, body.Field = e.Msg.In(lang), e.Field
		var list apperr.List
		if errors.As(err, &list) && len(list) > 1 {
			for _, fe := range list {
				body.Errors = append(body.Errors, fieldError{Field: fe.Field, Message: fe.Msg.In(lang)})
			}
		}
	}
	if code == apperr.TooMany {
		w.Header().Set("Retry-After", "60")
	}
	writeJSON(w, statusOf[code], body)
}

// logAttr returns the attributes logged for every request.
func logAttr(r *http.Request, status int) []slog.Attr {
	return []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status)}
}
