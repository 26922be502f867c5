package rest

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// Operation is a type-level operation the embedder of the handler adds:
// POST [base]/Type/$Name with a Parameters body, answered with the
// Parameters (or other resource) Invoke returns. The handler routes it,
// serves its OperationDefinition at [base]/OperationDefinition/Type-Name
// and lists it under the type in the CapabilityStatement, so what is
// advertised is what is served. The aggregated endpoint's mass
// registration operations are these (aggregator/registration).
type Operation struct {
	Type, Name  string // "Patient", "status-query" (no "$")
	Description string
	// AffectsState says whether invoking it changes state (the
	// OperationDefinition's affectsState).
	AffectsState bool
	Params       []OperationParam
	// Invoke runs the operation. ctx carries the request's principal (and
	// whatever the embedder's middleware added): Invoke decides who may
	// call it. Its errors are answered as OperationOutcomes
	// (outcome.Error keeps its status and expression).
	Invoke func(ctx context.Context, in *fhirjson.Value) (*fhirjson.Value, error)
}

// OperationParam is one parameter of an Operation's definition.
type OperationParam struct {
	Name, Use, Min, Max, Type, Documentation string
}

// definitionID is the id its OperationDefinition is served under.
func (o *Operation) definitionID() string { return o.Type + "-" + o.Name }

// typeOps indexes the embedder's operations by "Type/$name".
type typeOps map[string]*Operation

func newTypeOps(list []Operation) typeOps {
	m := typeOps{}
	for i := range list {
		o := &list[i]
		m[o.Type+"/$"+o.Name] = o
	}
	return m
}

// forType lists the operations of one type, for the CapabilityStatement.
func (t typeOps) forType(typ string) []*Operation {
	var out []*Operation
	for k, o := range t {
		if strings.HasPrefix(k, typ+"/$") {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b *Operation) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// definition is the OperationDefinition of the operation whose
// definitionID is id, nil when there is none.
func (h *Handler) typeOpDefinition(id string) []byte {
	for _, o := range h.ops {
		if o.definitionID() == id {
			params := make([]*fhirjson.Value, 0, len(o.Params))
			for _, p := range o.Params {
				params = append(params, opParam(p.Name, p.Use, p.Min, p.Max, p.Type, p.Documentation))
			}
			return h.operationDefinition(opDef{id: o.definitionID(), code: o.Name, description: o.Description,
				affectsState: o.AffectsState, typ: o.Type, params: params})
		}
	}
	return nil
}

// typeOperation: POST /fhir/Type/$name.
func (h *Handler) typeOperation(c *call, rt route) error {
	o := h.ops[rt.Type+"/"+rt.ID]
	if o == nil {
		return outcome.NotFound("%s has no operation %s here", rt.Type, rt.ID)
	}
	if h.auth != nil {
		if err := h.allowAny(c.ctx); err != nil {
			return err
		}
	}
	in, err := h.readResource(c, "Parameters")
	if err != nil {
		return err
	}
	out, err := o.Invoke(c.ctx, in)
	if err != nil {
		return err
	}
	c.writeValue(http.StatusOK, out)
	return nil
}
