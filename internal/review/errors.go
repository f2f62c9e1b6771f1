package review

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kind classifies an error for the caller: one function in the HTTP layer
// maps a kind to a status code, and only KindInternal is logged with detail.
type Kind string

// Error kinds.
const (
	KindInvalid      Kind = "invalid"      // bad input: 400
	KindUnauthorized Kind = "unauthorized" // not signed in: 401
	KindForbidden    Kind = "forbidden"    // signed in, may not: 403
	KindNotFound     Kind = "not_found"    // absent, or its existence is confidential: 404
	KindConflict     Kind = "conflict"     // illegal transition, concurrent edit, duplicate: 409
	KindTooLarge     Kind = "too_large"    // body or upload over its limit: 413
	KindRateLimited  Kind = "rate_limited" // too many requests from one client: 429
	KindTimeout      Kind = "timeout"      // a client too slow to send its request: 408
	KindInternal     Kind = "internal"     // our fault: 500
)

// Error is the one error type that crosses layers. Code is stable and names
// a message in every locale; Params fill the message's placeholders, so the
// message is rendered in the caller's language at the edge.
type Error struct {
	Kind   Kind
	Code   string            // stable, e.g. "field_required"
	Field  string            // the input field at fault, if any
	Params map[string]string // message parameters; "field" is added from Field
	// Allowed lists the actions the caller may take instead (illegal transitions).
	Allowed []string
	Err     error // underlying cause, never shown to callers
}

// Error renders a plain English form for logs and tests.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Field != "" {
		fmt.Fprintf(&b, " (field %s)", e.Field)
	}
	keys := make([]string, 0, len(e.Params))
	for k := range e.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, e.Params[k])
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// E builds an error of a kind and code with key/value parameters.
func E(kind Kind, code string, kv ...string) *Error {
	e := &Error{Kind: kind, Code: code}
	for i := 0; i+1 < len(kv); i += 2 {
		if e.Params == nil {
			e.Params = map[string]string{}
		}
		e.Params[kv[i]] = kv[i+1]
	}
	return e
}

// Invalid reports a bad field: code names the reason (e.g. "field_required").
func Invalid(field, code string, kv ...string) *Error {
	e := E(KindInvalid, code, kv...)
	e.Field = field
	if e.Params == nil {
		e.Params = map[string]string{}
	}
	e.Params["field"] = field
	return e
}

// Required reports a missing field.
func Required(field string) *Error { return Invalid(field, "field_required") }

// NotFound reports an absent thing (or one the caller may not know exists).
func NotFound(what string) *Error { return E(KindNotFound, "not_found", "what", what) }

// Forbidden reports that the caller may not do something it may know about.
func Forbidden(action string) *Error { return E(KindForbidden, "forbidden", "action", action) }

// Unauthorized reports a missing or bad credential.
func Unauthorized() *Error { return E(KindUnauthorized, "unauthorized") }

// RateLimited reports that a client has used up its request rate.
func RateLimited() *Error { return E(KindRateLimited, "rate_limited") }

// Conflict reports a state conflict with a code naming it.
func Conflict(code string, kv ...string) *Error { return E(KindConflict, code, kv...) }

// Internal wraps an unexpected failure; its cause is logged, never shown.
func Internal(err error) *Error { return &Error{Kind: KindInternal, Code: "internal", Err: err} }

// KindOf returns the kind of err, KindInternal for errors of other types.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// ErrorCodes lists every code this package and its callers may return, so a
// test can check each has a message in every locale.
var ErrorCodes = []string{
	"field_required", "field_invalid", "field_too_long", "field_too_short", "field_unknown_value",
	"field_out_of_range", "field_unknown", "body_invalid", "form_invalid", "body_too_large",
	"unauthorized", "forbidden", "not_found", "internal", "rate_limited",
	"illegal_transition", "guard_failed", "concurrent_update", "duplicate",
	"conflict_of_interest", "accreditation_invalid", "declaration_required",
	"already_done", "clock_not_extendable", "login_failed",
	"departs_from_rule", "report_incomplete", "criterion_not_in_plan", "signature_invalid", "no_signing_key",
	"assignment_ended", "too_many_reports",
}
