package outcome

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Severity is OperationOutcome.issue.severity.
type Severity string

const (
	Fatal       Severity = "fatal"
	SeverityErr Severity = "error"
	Warning     Severity = "warning"
	Information Severity = "information"
)

// Code is OperationOutcome.issue.code (the IssueType value set; the same in STU3 and R4).
type Code string

const (
	CodeInvalid       Code = "invalid"
	CodeStructure     Code = "structure"
	CodeRequired      Code = "required"
	CodeValue         Code = "value"
	CodeInvariant     Code = "invariant"
	CodeSecurity      Code = "security"
	CodeLogin         Code = "login"
	CodeForbidden     Code = "forbidden"
	CodeExpired       Code = "expired"
	CodeProcessing    Code = "processing"
	CodeNotSupported  Code = "not-supported"
	CodeDuplicate     Code = "duplicate"
	CodeMultipleMatch Code = "multiple-matches"
	CodeNotFound      Code = "not-found"
	CodeDeleted       Code = "deleted"
	CodeTooLong       Code = "too-long"
	CodeTooCostly     Code = "too-costly"
	CodeConflict      Code = "conflict"
	CodeException     Code = "exception"
	CodeTimeout       Code = "timeout"
	CodeThrottled     Code = "throttled"
	CodeInformational Code = "informational"
	CodeBusinessRule  Code = "business-rule"
)

// Issue is one OperationOutcome.issue.
type Issue struct {
	Severity    Severity
	Code        Code
	Diagnostics string
	// Expression holds FHIRPath locations such as Patient.name[0].given[1].
	Expression []string
}

// Error is an error a client can cause (or a server fault reported to it):
// an HTTP status and the issues of an OperationOutcome.
type Error struct {
	Status int
	Issues []Issue
	// RetryAfter, when positive, is sent as Retry-After (seconds): the
	// server cannot answer now for a known, passing reason (a 503).
	RetryAfter int
}

// New returns an Error with one issue of severity error. expression may be "".
func New(status int, code Code, expression, format string, args ...any) *Error {
	is := Issue{Severity: SeverityErr, Code: code, Diagnostics: fmt.Sprintf(format, args...)}
	if expression != "" {
		is.Expression = []string{expression}
	}
	return &Error{Status: status, Issues: []Issue{is}}
}

// Convenience constructors for the statuses the REST API uses most.
func BadRequest(code Code, expression, format string, args ...any) *Error {
	return New(http.StatusBadRequest, code, expression, format, args...)
}

func NotFound(format string, args ...any) *Error {
	return New(http.StatusNotFound, CodeNotFound, "", format, args...)
}

func Unprocessable(code Code, expression, format string, args ...any) *Error {
	return New(http.StatusUnprocessableEntity, code, expression, format, args...)
}

// Internal reports a server fault without leaking its details to the client.
func Internal(format string, args ...any) *Error {
	return New(http.StatusInternalServerError, CodeException, "", format, args...)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", e.Status)
	for i, is := range e.Issues {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if len(is.Expression) > 0 {
			b.WriteString(strings.Join(is.Expression, ","))
			b.WriteString(": ")
		}
		b.WriteString(is.Diagnostics)
	}
	return b.String()
}

// As returns err as an *Error when it is (or wraps) one.
func As(err error) (*Error, bool) {
	var oe *Error
	ok := errors.As(err, &oe)
	return oe, ok
}

// Resource returns the OperationOutcome resource for e.
func (e *Error) Resource() *fhirjson.Value {
	return Resource(e.Issues)
}

// Resource builds an OperationOutcome resource from issues. An empty list
// yields the single informational "All OK" issue FHIR requires (issue is 1..*).
func Resource(issues []Issue) *fhirjson.Value {
	if len(issues) == 0 {
		issues = []Issue{{Severity: Information, Code: CodeInformational, Diagnostics: "All OK"}}
	}
	arr := fhirjson.NewArray()
	for _, is := range issues {
		o := fhirjson.NewObject()
		o.Set("severity", fhirjson.NewString(string(is.Severity)))
		o.Set("code", fhirjson.NewString(string(is.Code)))
		if is.Diagnostics != "" {
			o.Set("diagnostics", fhirjson.NewString(is.Diagnostics))
		}
		if len(is.Expression) > 0 {
			ex := fhirjson.NewArray()
			for _, x := range is.Expression {
				ex.Items = append(ex.Items, fhirjson.NewString(x))
			}
			o.Set("expression", ex)
		}
		arr.Items = append(arr.Items, o)
	}
	r := fhirjson.NewObject()
	r.Set("resourceType", fhirjson.NewString("OperationOutcome"))
	r.Set("issue", arr)
	return r
}
