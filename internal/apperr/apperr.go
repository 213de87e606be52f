// Package apperr defines Gridwork's one error type: a closed set of codes, a
// safe message in the user's languages, the field it concerns and the wrapped
// cause. The web layer maps codes to HTTP statuses in one place.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error; the set is closed.
type Code string

// The codes. The web layer maps each to one HTTP status.
const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Forbidden       Code = "forbidden"
	Unauthenticated Code = "unauthenticated"
	TooMany         Code = "too_many_requests"
	Internal        Code = "internal"
)

// Text is a message safe to show to a user, in Simplified Chinese (the
// default) and English.
type Text struct {
	ZH string
	EN string
}

// In returns the text in the given language ("en" or anything else for
// Chinese), falling back to Chinese when the English text is missing.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.ZH
}

// Error is the error type every domain package returns for expected failures.
type Error struct {
	Code  Code
	Field string // the input field concerned, if any (e.g. "id_number")
	Msg   Text   // safe for users
	Err   error  // the cause, for logs; never shown to users
}

// Error implements error with the English message and the cause.
func (e *Error) Error() string {
	s := string(e.Code)
	if e.Field != "" {
		s += " " + e.Field
	}
	if m := e.Msg.In("en"); m != "" {
		s += ": " + m
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code, a field (may be empty) and a bilingual message.
func New(code Code, field, zh, en string) *Error {
	return &Error{Code: code, Field: field, Msg: Text{ZH: zh, EN: en}}
}

// Newf is New with the same fmt arguments applied to both message formats.
func Newf(code Code, field, zhFormat, enFormat string, args ...any) *Error {
	return New(code, field, fmt.Sprintf(zhFormat, args...), fmt.Sprintf(enFormat, args...))
}

// Wrap returns an error with a code and message that wraps cause.
func Wrap(cause error, code Code, field, zh, en string) *Error {
	e := New(code, field, zh, en)
	e.Err = cause
	return e
}

// Invalidf is Newf with code Invalid: bad input in a named field.
func Invalidf(field, zhFormat, enFormat string, args ...any) *Error {
	return Newf(Invalid, field, zhFormat, enFormat, args...)
}

// NotFoundf is Newf with code NotFound.
func NotFoundf(zhFormat, enFormat string, args ...any) *Error {
	return Newf(NotFound, "", zhFormat, enFormat, args...)
}

// Conflictf is Newf with code Conflict.
func Conflictf(field, zhFormat, enFormat string, args ...any) *Error {
	return Newf(Conflict, field, zhFormat, enFormat, args...)
}

// ErrForbidden is returned when an actor lacks a permission; it says nothing
// about whether the resource exists.
func ErrForbidden() *Error {
	return New(Forbidden, "", "无权执行此操作", "you are not allowed to do this")
}

// ErrUnauthenticated is returned when no actor is signed in.
func ErrUnauthenticated() *Error {
	return New(Unauthenticated, "", "请先登录", "please sign in")
}

// CodeOf returns the code of err: the code of the first *Error in its chain,
// or Internal for any other non-nil error, or "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var l List
	if errors.As(err, &l) {
		return Invalid
	}
	return Internal
}

// As returns the first *Error in err's chain (the first of a List), or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var l List
	if errors.As(err, &l) && len(l) > 0 {
		return l[0]
	}
	return nil
}

// List collects several field errors, e.g. every bad cell of an import row
// or every bad field of a form. It is itself an error with code Invalid.
type List []*Error

// Error implements error.
func (l List) Error() string {
	if len(l) == 0 {
		return "no errors"
	}
	s := l[0].Error()
	if len(l) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(l)-1)
	}
	return s
}

// Err returns l as an error, or nil when it is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// RowError is a problem with one row of a batch such as an Excel ledger:
// Row is the 1-based row number in the source sheet, Err.Field the column
// key, Err.Msg the reason.
type RowError struct {
	Sheet string
	Row   int
	Err   *Error
}

// Error implements error.
func (r RowError) Error() string { return fmt.Sprintf("%s row %d: %v", r.Sheet, r.Row, r.Err) }
