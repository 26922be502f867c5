package validation

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// DefaultMaxIssues caps the issues one response reports. A client that sends
// a wholly wrong document learns enough from the first hundred, and the cap
// bounds the work and the response size a hostile body can cause.
const DefaultMaxIssues = 100

// Validator validates resources of one FHIR version. It is read-only after
// New and safe for concurrent use.
type Validator struct {
	version *defs.Version
	// prims holds the value rule of every primitive type, by its Type.
	prims     map[*defs.Type]*primRule
	maxIssues int
}

// New builds the validator for a version: it resolves the value rule of
// every primitive type once, so validating is map lookups and hand-written
// checks. The required elements of each node come from the definitions
// (defs.Node.Required), which build a type's tables when it is first
// validated, so a validator costs nothing for the types it never sees.
func New(v *defs.Version) (*Validator, error) {
	val := &Validator{
		version:   v,
		prims:     map[*defs.Type]*primRule{},
		maxIssues: DefaultMaxIssues,
	}
	for _, name := range v.TypeNames() {
		t := v.Type(name)
		if t.Kind == defs.KindPrimitive {
			r, err := newPrimRule(v, t)
			if err != nil {
				return nil, fmt.Errorf("validation rules for %s %s: %w", v.Name, name, err)
			}
			val.prims[t] = r
		}
	}
	return val, nil
}

// validators holds the one validator of each version the server knows,
// built on first use and read-only afterwards (like defs.R4 itself).
var validators = map[*defs.Version]func() (*Validator, error){
	defs.R4:   sync.OnceValues(func() (*Validator, error) { return New(defs.R4) }),
	defs.STU3: sync.OnceValues(func() (*Validator, error) { return New(defs.STU3) }),
}

// For returns the shared validator of a version.
func For(v *defs.Version) (*Validator, error) {
	if v == nil {
		return nil, errors.New("validation: no FHIR version given")
	}
	if get, ok := validators[v]; ok {
		return get()
	}
	return New(v)
}

// Validate parses data and validates it as a resource of version v; see
// Validator.Validate.
func Validate(v *defs.Version, data []byte) (*fhirjson.Value, *outcome.Error) {
	val, err := For(v)
	if err != nil {
		return nil, outcome.Internal("validation rules: %v", err)
	}
	return val.Validate(data)
}

// ValidateValue validates an already parsed resource of version v.
func ValidateValue(v *defs.Version, res *fhirjson.Value) *outcome.Error {
	val, err := For(v)
	if err != nil {
		return outcome.Internal("validation rules: %v", err)
	}
	return val.ValidateValue(res)
}

// ValidateOwned is Validate for a caller that hands data over: the returned
// tree shares data's memory instead of copying it (fhirjson.OwnInput), so
// data must never be modified afterwards. The REST layer's request bodies,
// read into a fresh slice per request, are the use it is meant for.
func ValidateOwned(v *defs.Version, data []byte) (*fhirjson.Value, *outcome.Error) {
	val, err := For(v)
	if err != nil {
		return nil, outcome.Internal("validation rules: %v", err)
	}
	return val.validate(data, fhirjson.OwnInput())
}

// Validate parses data as JSON and validates it as a resource. It returns
// the parsed resource, or an OperationOutcome error with status 400: one
// issue for malformed JSON, or one issue per problem found (capped).
func (val *Validator) Validate(data []byte) (*fhirjson.Value, *outcome.Error) {
	return val.validate(data)
}

// ValidateOwned is Validate that takes data over; see the function
// ValidateOwned.
func (val *Validator) ValidateOwned(data []byte) (*fhirjson.Value, *outcome.Error) {
	return val.validate(data, fhirjson.OwnInput())
}

// ValidateIn is Validate parsing into a: the returned tree lives only until
// a.Reset (see fhirjson.Arena). A caller that validates body after body
// with one Arena allocates next to nothing, which is what keeps the
// garbage collector out of the write path.
func (val *Validator) ValidateIn(a *fhirjson.Arena, data []byte) (*fhirjson.Value, *outcome.Error) {
	return val.validate(data, fhirjson.InArena(a))
}

func (val *Validator) validate(data []byte, opts ...fhirjson.Option) (*fhirjson.Value, *outcome.Error) {
	res, err := fhirjson.Parse(data, opts...)
	if err != nil {
		return nil, syntaxError(err)
	}
	if oe := val.ValidateValue(res); oe != nil {
		return nil, oe
	}
	return res, nil
}

func syntaxError(err error) *outcome.Error {
	var se *fhirjson.SyntaxError
	if errors.As(err, &se) {
		return outcome.BadRequest(outcome.CodeStructure, "",
			"The body is not valid JSON: %s", se.Error())
	}
	return outcome.BadRequest(outcome.CodeStructure, "", "The body is not valid JSON: %v", err)
}

// ValidateValue validates a parsed resource; nil means valid. FHIR answers
// content that fails basic validation on create and update with 400 Bad
// Request, so that is the status.
func (val *Validator) ValidateValue(res *fhirjson.Value) *outcome.Error {
	w := walker{val: val, path: make([]byte, 0, 128), present: make([]*defs.Element, 0, 32)}
	if res == nil || res.Kind != fhirjson.Object {
		w.add(outcome.CodeStructure, "The body must be a JSON object holding a FHIR resource")
	} else {
		w.resource(res, nil)
	}
	if len(w.issues) == 0 {
		return nil
	}
	if w.omitted {
		w.issues = append(w.issues, outcome.Issue{
			Severity: outcome.Information, Code: outcome.CodeInformational,
			Diagnostics: fmt.Sprintf("More than %d problems were found; only the first %d are reported", val.maxIssues, val.maxIssues),
		})
	}
	return &outcome.Error{Status: http.StatusBadRequest, Issues: w.issues}
}
