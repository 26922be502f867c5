package rest

import (
	"net/url"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// opEverything is the operation's name in paths.
const opEverything = "$everything"

// everythingDefinition is the R4 OperationDefinition of Patient/$everything.
const everythingDefinition = "http://hl7.org/fhir/OperationDefinition/Patient-everything"

// everything: GET /fhir/Patient/id/$everything. It is the compartment
// search Patient/id/* (the patient itself and every resource of its
// compartment), run through the same reads as every search, so a read
// policy or visibility filter holds for it as for any search: a patient the
// caller may not see is a 404, and the page holds only what it may see.
// _count and _cursor page it; _since and _type are not supported (400),
// and other search parameters are ignored as in a compartment search.
func (h *Handler) everything(c *call, rt route) error {
	if rt.Type != "Patient" {
		return outcome.NotFound("$everything is defined on Patient only, not on %s", rt.Type)
	}
	ctx := c.ctx
	if err := h.allow(ctx, auth.InteractionRead, rt.Type); err != nil {
		return err
	}
	if err := h.allow(ctx, auth.InteractionSearch, ""); err != nil {
		return err
	}
	rec, err := h.reads.Read(ctx, rt.Type, rt.ID)
	if err != nil {
		return err
	}
	if rec.Deleted {
		return repository.Gone(rt.Type, rt.ID)
	}
	for _, k := range []string{"_since", "_type", "start", "end"} {
		if c.query.Has(k) {
			return outcome.BadRequest(outcome.CodeNotSupported, k,
				"$everything does not support %s here; search the patient's compartment instead (Patient/%s/<Type>?_lastUpdated=…, or one type with its date parameter)", k, rt.ID)
		}
	}
	params := url.Values{}
	if v := c.query.Get("_count"); v != "" {
		params.Set("_count", v)
	}
	return h.runSearch(c, search.Request{Compartment: &search.CompartmentRef{Type: rt.Type, ID: rt.ID}, Params: params})
}
