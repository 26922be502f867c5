package rest

import (
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// changesDefinitionID is the id under which the OperationDefinition of
// $changes is served, so the CapabilityStatement's reference resolves.
const changesDefinitionID = "changes"

// buildChangesDefinition is the OperationDefinition of the change feed.
func (h *Handler) buildChangesDefinition() []byte {
	return h.operationDefinition(opDef{
		id: changesDefinitionID, code: "changes",
		description: "Every committed create, update and delete of this server in commit order, " +
			"from an opaque cursor, as a history Bundle whose next link carries the cursor to continue from. See docs/change-feed.md.",
		system: true,
		params: []*fhirjson.Value{
			opParam("_cursor", "in", "0", "1", "string", "Where to continue: the _cursor of the previous page's next link; absent = the start of the feed."),
			opParam("_count", "in", "0", "1", "integer", "Most changes per page (default 50, at most 1000)."),
			opParam("_wait", "in", "0", "1", "integer", "Seconds to wait for a first change when there is none (long poll, at most 60)."),
			opParam("return", "out", "1", "1", "Bundle", "A history Bundle of the changes, oldest first."),
		},
	})
}

// opDef is what differs between the server's built-in OperationDefinitions.
type opDef struct {
	id, code, description string
	affectsState          bool
	system, instance      bool
	typ                   string // a type-level operation's resource type
	params                []*fhirjson.Value
}

func (h *Handler) operationDefinition(o opDef) []byte {
	d := fhirjson.NewObject()
	d.Set("resourceType", fhirjson.NewString("OperationDefinition"))
	d.Set("id", fhirjson.NewString(o.id))
	d.Set("url", fhirjson.NewString(h.base+"/OperationDefinition/"+o.id))
	d.Set("name", fhirjson.NewString(o.code))
	d.Set("status", fhirjson.NewString("active"))
	d.Set("kind", fhirjson.NewString("operation"))
	if h.ver.Name == "STU3" {
		d.Set("idempotent", fhirjson.NewBool(!o.affectsState))
	} else {
		d.Set("affectsState", fhirjson.NewBool(o.affectsState))
	}
	d.Set("description", fhirjson.NewString(o.description))
	d.Set("code", fhirjson.NewString(o.code))
	d.Set("system", fhirjson.NewBool(o.system))
	d.Set("type", fhirjson.NewBool(o.typ != ""))
	if o.typ != "" {
		d.Set("resource", stringArray(o.typ))
	}
	d.Set("instance", fhirjson.NewBool(o.instance))
	d.Set("parameter", fhirjson.NewArray(o.params...))
	return fhirjson.Marshal(d)
}

func opParam(name, use, lo, hi, typ, doc string) *fhirjson.Value {
	p := object("name", name, "use", use)
	p.Set("min", fhirjson.NewNumber(lo))
	p.Set("max", fhirjson.NewString(hi))
	p.Set("documentation", fhirjson.NewString(doc))
	p.Set("type", fhirjson.NewString(typ))
	return p
}

// aggOutcomeDefinitionID is the id of the OperationDefinition of
// $aggregation-outcome.
const aggOutcomeDefinitionID = "aggregation-outcome"

// buildAggOutcomeDefinition is the OperationDefinition of the aggregator's
// outcomes: reported by the aggregator client (POST, system level), read by
// the customer per resource (instance level) or as a list (system level).
func (h *Handler) buildAggOutcomeDefinition() []byte {
	return h.operationDefinition(opDef{
		id: aggOutcomeDefinitionID, code: "aggregation-outcome",
		description: "What the aggregator did with each version of this endpoint's resources: " +
			"accepted (information, with the downstream reference), excluded (error, with the rule and the expression) or pending (warning, with what it waits for). " +
			"Only the aggregator client may report (POST a Parameters of outcome parts). Outcomes are not resources: " +
			"no search, history or $changes shows them. See docs/aggregator.md.",
		affectsState: true, // the POST does; the GETs do not
		system:       true, instance: true,
		params: []*fhirjson.Value{
			opParam("outcome", "in", "0", "*", "string", "System level: accepted, excluded or pending to list (GET); one outcome reported, with parts reference, versionId, status, downstream, rule, expression, message, waitingFor (POST)."),
			opParam("_count", "in", "0", "1", "integer", "System level GET: most outcomes per page."),
			opParam("_cursor", "in", "0", "1", "string", "System level GET: where to continue, from the previous page's next link."),
			opParam("return", "out", "1", "1", "Resource", "An OperationOutcome (instance level), a searchset Bundle of them (system GET) or an OperationOutcome saying how many were stored (POST)."),
		},
	})
}
