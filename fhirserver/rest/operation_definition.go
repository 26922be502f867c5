package rest

import (
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// changesDefinitionID is the id under which the OperationDefinition of
// $changes is served, so the CapabilityStatement's reference resolves.
const changesDefinitionID = "changes"

// buildChangesDefinition is the OperationDefinition of the change feed.
func (h *Handler) buildChangesDefinition() []byte {
	d := fhirjson.NewObject()
	d.Set("resourceType", fhirjson.NewString("OperationDefinition"))
	d.Set("id", fhirjson.NewString(changesDefinitionID))
	d.Set("url", fhirjson.NewString(h.base+"/OperationDefinition/"+changesDefinitionID))
	d.Set("name", fhirjson.NewString("changes"))
	d.Set("status", fhirjson.NewString("active"))
	d.Set("kind", fhirjson.NewString("operation"))
	if h.ver.Name == "STU3" {
		d.Set("idempotent", fhirjson.NewBool(true))
	} else {
		d.Set("affectsState", fhirjson.NewBool(false))
	}
	d.Set("description", fhirjson.NewString("Every committed create, update and delete of this server in commit order, "+
		"from an opaque cursor, as a history Bundle whose next link carries the cursor to continue from. See docs/change-feed.md."))
	d.Set("code", fhirjson.NewString("changes"))
	d.Set("system", fhirjson.NewBool(true))
	d.Set("type", fhirjson.NewBool(false))
	d.Set("instance", fhirjson.NewBool(false))
	params := fhirjson.NewArray(
		opParam("_cursor", "in", "0", "1", "string", "Where to continue: the _cursor of the previous page's next link; absent = the start of the feed."),
		opParam("_count", "in", "0", "1", "integer", "Most changes per page (default 50, at most 1000)."),
		opParam("_wait", "in", "0", "1", "integer", "Seconds to wait for a first change when there is none (long poll, at most 60)."),
		opParam("return", "out", "1", "1", "Bundle", "A history Bundle of the changes, oldest first."),
	)
	d.Set("parameter", params)
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
