package rest

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// validate parses a resource within the nesting limit and runs the syntax
// validation of package validation (elements, cardinalities, primitive
// formats against the definitions). Parsing here rather than in
// validation.Validate is what applies the server's MaxDepth.
func (h *Handler) validate(data []byte) (*fhirjson.Value, error) {
	return h.validateAs(data, "")
}

// validateAs is validate for a body that must be a typ ("" = any): a body of
// the wrong type is reported as that, before its content is judged.
func (h *Handler) validateAs(data []byte, typ string, opts ...fhirjson.Option) (*fhirjson.Value, error) {
	v, err := fhirjson.Parse(data, append(opts, h.parseLimits()...)...)
	if errors.Is(err, fhirjson.ErrTooManyElements) {
		return nil, outcome.New(http.StatusRequestEntityTooLarge, outcome.CodeTooCostly, h.syntaxExpression(err, typ, data),
			"a resource in the body has more than %d elements; this server accepts at most %d per resource", h.maxElements, h.maxElements)
	}
	if err != nil {
		return nil, outcome.BadRequest(outcome.CodeStructure, h.syntaxExpression(err, typ, data), "the body is not valid JSON: %v", err)
	}
	if v.Kind != fhirjson.Object {
		return nil, outcome.BadRequest(outcome.CodeStructure, "", "the body is not a JSON object")
	}
	rt := v.Str("resourceType")
	if rt == "" {
		return nil, outcome.BadRequest(outcome.CodeRequired, "resourceType", "the body has no resourceType")
	}
	if !h.types[rt] {
		return nil, outcome.BadRequest(outcome.CodeNotSupported, "resourceType", "%q is not a resource type of FHIR %s", rt, h.ver.FHIRVersion)
	}
	if typ != "" && rt != typ {
		return nil, outcome.BadRequest(outcome.CodeInvalid, "resourceType", "the body is a %s but the URL names %s", rt, typ)
	}
	if oe := h.validator.ValidateValue(v); oe != nil {
		return nil, oe
	}
	return v, nil
}

// parseLimits are the limits every request body is parsed within.
func (h *Handler) parseLimits() []fhirjson.Option {
	return []fhirjson.Option{fhirjson.WithMaxDepth(h.maxDepth), fhirjson.WithMaxElements(h.maxElements)}
}

// firstResourceType finds the first "resourceType" string of a body that
// did not parse; JSON writers put the top-level one first.
var firstResourceType = regexp.MustCompile(`"resourceType"\s*:\s*"([A-Za-z]{1,64})"`)

// syntaxExpression is the FHIRPath location of a parse error, such as
// Patient.name[0].family, or "" when the error names none. The type is the
// URL's, or else the body's own resourceType when it is a known type. A
// duplicate key is reported at the key itself, not the object holding it.
func (h *Handler) syntaxExpression(err error, typ string, data []byte) string {
	var se *fhirjson.SyntaxError
	if !errors.As(err, &se) {
		return ""
	}
	path := se.Path
	if rest, ok := strings.CutPrefix(se.Msg, "duplicate key "); ok {
		if key, err := strconv.Unquote(rest); err == nil {
			path = strings.TrimPrefix(path+"."+key, ".")
		}
	}
	if path == "" {
		return ""
	}
	if typ == "" {
		if m := firstResourceType.FindSubmatch(data); m != nil && h.types[string(m[1])] {
			typ = string(m[1])
		}
	}
	if typ == "" {
		return ""
	}
	return typ + "." + path
}
