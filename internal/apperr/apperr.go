// Package apperr holds the errors that domain packages return to their
// callers. A handful of codes carry the meaning; the HTTP layer maps each code
// to a status in one place and never shows the text of an unexpected error.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an application error.
type Code string

const (
	CodeInvalid      Code = "invalid"      // input failed validation (422)
	CodeMalformed    Code = "malformed"    // request could not be parsed (400)
	CodeUnauthorized Code = "unauthorized" // missing or bad credentials (401)
	CodeForbidden    Code = "forbidden"    // authenticated but not allowed (403)
	CodeNotFound     Code = "not_found"    // absent, or owned by another tenant (404)
	CodeConflict     Code = "conflict"     // state does not allow it (409)
	CodeTooLarge     Code = "too_large"    // body over the limit (413)
	CodeRateLimited  Code = "rate_limited" // too many attempts (429)
	CodeUnavailable  Code = "unavailable"  // a dependency is down (503)
)

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an expected failure with a message safe to show to the caller.
type Error struct {
	Code Code
	// Reason is a stable machine-readable identifier, e.g. "seats_exhausted".
	// Empty means the code alone describes the problem.
	Reason  string
	Message string
	Fields  []FieldError
	// RetryAfter is set on rate-limit and dependency errors: the client
	// is told when to try again (Retry-After).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Reason, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Is reports whether err carries an *Error with the given code.
func Is(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// HasReason reports whether err carries an *Error with the given reason.
func HasReason(err error, reason string) bool {
	e, ok := As(err)
	return ok && e.Reason == reason
}

func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Message: what + " not found"}
}

func Conflict(reason, message string) *Error {
	return &Error{Code: CodeConflict, Reason: reason, Message: message}
}

func Forbidden(message string) *Error {
	return &Error{Code: CodeForbidden, Message: message}
}

func Unauthorized(message string) *Error {
	return &Error{Code: CodeUnauthorized, Message: message}
}

func Malformed(message string) *Error {
	return &Error{Code: CodeMalformed, Message: message}
}

func RateLimited(message string, retryAfter time.Duration) *Error {
	return &Error{Code: CodeRateLimited, Message: message, RetryAfter: retryAfter}
}

func Unavailable(message string) *Error {
	return &Error{Code: CodeUnavailable, Message: message}
}

// ReasonDependencyUnavailable names a 503 for a dependency that is down
// or too slow (the database, Stripe), as opposed to one not configured.
const ReasonDependencyUnavailable = "dependency_unavailable"

// DependencyUnavailable is a dependency down or timing out: 503
// dependency_unavailable, to be retried after retryAfter.
func DependencyUnavailable(message string, retryAfter time.Duration) *Error {
	return &Error{Code: CodeUnavailable, Reason: ReasonDependencyUnavailable, Message: message, RetryAfter: retryAfter}
}

// Invalid is a validation failure on one or more fields.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: CodeInvalid, Message: "validation failed", Fields: fields}
}

// InvalidField is a validation failure on one field.
func InvalidField(field, message string) *Error {
	return Invalid(FieldError{Field: field, Message: message})
}

// Validator collects field errors so that a caller sees every problem with
// its input at once rather than one per round trip.
type Validator struct{ fields []FieldError }

// Check records message against field when ok is false.
func (v *Validator) Check(ok bool, field, message string) {
	if !ok {
		v.fields = append(v.fields, FieldError{Field: field, Message: message})
	}
}

// Err returns the collected failures as one *Error, or nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return Invalid(v.fields...)
}
