package registration

import (
	"context"
	"fmt"
	"net/http"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// customer is the calling customer: the operations are for system
// clients, so a patient token (or none) is refused.
func customer(ctx context.Context, op string) (access.Subject, error) {
	who, ok := access.SubjectFrom(ctx)
	if !ok || who.Customer == "" {
		return access.Subject{}, outcome.New(http.StatusForbidden, outcome.CodeForbidden, "",
			"$%s is for customers' system clients only, not for patient tokens", op)
	}
	return who, nil
}

// subjectOf is the customer as a reader.
func subjectOf(customer string) access.Subject { return access.Subject{Customer: customer} }

// identifiers reads the Identifier parameters called name, between 1 and
// max of them; anything else in the Parameters is a 400 naming it.
func identifiers(in *fhirjson.Value, name string, limit int) ([]identifier, error) {
	var out []identifier
	params := in.Get("parameter")
	if params != nil && params.Kind == fhirjson.Array {
		for i, p := range params.Items {
			expr := fmt.Sprintf("Parameters.parameter[%d]", i)
			if p.Str("name") != name {
				return nil, outcome.BadRequest(outcome.CodeNotSupported, expr+".name",
					"unknown parameter %q (this operation takes %s)", p.Str("name"), name)
			}
			v := p.Get("valueIdentifier")
			if v == nil || v.Kind != fhirjson.Object || v.Str("value") == "" {
				return nil, outcome.BadRequest(outcome.CodeRequired, expr+".valueIdentifier.value",
					"%s must be an Identifier with a value", name)
			}
			if len(out) == limit {
				return nil, outcome.BadRequest(outcome.CodeTooCostly, "Parameters.parameter",
					"at most %d %s in one call", limit, name)
			}
			out = append(out, identifier{System: v.Str("system"), Value: v.Str("value")})
		}
	}
	if len(out) == 0 {
		return nil, outcome.BadRequest(outcome.CodeRequired, "Parameters.parameter",
			"at least one %s is required", name)
	}
	return out, nil
}

// part is one Parameters part.
func part(name, valueKey string, v *fhirjson.Value) *fhirjson.Value {
	p := fhirjson.NewObject()
	p.Set("name", fhirjson.NewString(name))
	p.Set(valueKey, v)
	return p
}

// group is a parameter made of parts.
func group(name string, parts ...*fhirjson.Value) *fhirjson.Value {
	p := fhirjson.NewObject()
	p.Set("name", fhirjson.NewString(name))
	p.Set("part", fhirjson.NewArray(parts...))
	return p
}

// parameters wraps the output parameters.
func parameters(params []*fhirjson.Value) *fhirjson.Value {
	v := fhirjson.NewObject()
	v.Set("resourceType", fhirjson.NewString("Parameters"))
	v.Set("parameter", fhirjson.NewArray(params...))
	return v
}
