package event

import (
	"errors"
	"fmt"
)

// Code classifies an error for the people and programs that receive it.
// Each code maps to one HTTP status in the API layer.
type Code string

// The error codes, spelled as the compatible API spells them.
const (
	CodeInvalid      Code = "invalid_argument"
	CodeRequired     Code = "required_field"
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeNotFound     Code = "resource_not_found"
	CodeConflict     Code = "conflict"
	CodeTooLarge     Code = "payload_too_large"
	CodeRateLimited  Code = "too_many_requests"
	CodeUnavailable  Code = "unavailable" // for the moment: retry later
	CodeInternal     Code = "internal"
)

// Error is an error meant for the user: its message says what was wrong
// and, where it helps, what to do instead. It never carries event values
// or personal data.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf makes a user-facing error with the given code.
func Errorf(code Code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid makes an invalid_argument error.
func Invalid(format string, args ...any) error {
	return Errorf(CodeInvalid, format, args...)
}

// NotFound makes a resource_not_found error.
func NotFound(format string, args ...any) error {
	return Errorf(CodeNotFound, format, args...)
}

// ErrorCode is the code of err, or CodeInternal when err is not a
// user-facing error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
