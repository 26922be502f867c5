package rest

import (
	"net/http"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// The interaction codes of a CapabilityStatement, in the spec's order; the
// statement lists those the route table serves.
var (
	typeInteractions   = []string{"read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create", "search-type"}
	systemInteractions = []string{"transaction", "batch", "search-system", "history-system"}
)

// capabilities: GET /fhir/metadata. The statement is built once, on the
// first request, from the definitions and the server's real features, so
// it cannot drift from what the handler does.
func (h *Handler) capabilities(c *call) error {
	if err := h.allow(c.ctx, auth.InteractionCapabilities, ""); err != nil {
		return err
	}
	if c.view.Pretty {
		v, err := fhirjson.Parse(h.capability())
		if err != nil {
			return err
		}
		c.writeValue(http.StatusOK, v)
		return nil
	}
	c.writeBody(http.StatusOK, h.capability())
	return nil
}

// buildCapability assembles the CapabilityStatement for the version.
func (h *Handler) buildCapability() []byte {
	stu3 := h.ver.Name == "STU3"
	cs := fhirjson.NewObject()
	cs.Set("resourceType", fhirjson.NewString("CapabilityStatement"))
	cs.Set("name", fhirjson.NewString("fhirfleet"))
	cs.Set("title", fhirjson.NewString("fhirfleet FHIR server"))
	cs.Set("status", fhirjson.NewString("active"))
	cs.Set("date", fhirjson.NewString(h.started.UTC().Format("2006-01-02T15:04:05Z07:00")))
	cs.Set("publisher", fhirjson.NewString("fhirfleet"))
	cs.Set("kind", fhirjson.NewString("instance"))
	cs.Set("software", object("name", "fhirfleet"))
	cs.Set("implementation", object("description", h.description, "url", h.base))
	cs.Set("fhirVersion", fhirjson.NewString(h.ver.FHIRVersion))
	if stu3 {
		// STU3 requires acceptUnknown: unknown elements are rejected by validation.
		cs.Set("acceptUnknown", fhirjson.NewString("no"))
	}
	cs.Set("format", stringArray("application/fhir+json", "json"))
	if h.routes.serves("patch") {
		cs.Set("patchFormat", stringArray(patchFormats(stu3)...))
	}

	rest := fhirjson.NewObject()
	rest.Set("mode", fhirjson.NewString("server"))
	doc := "Every interaction of every resource type; see docs/rest-api.md."
	if h.readOnly {
		doc = "A read-only endpoint: read, vread, history and search of every resource type; see docs/rest-api.md."
	}
	rest.Set("documentation", fhirjson.NewString(doc))
	if sec := h.security(stu3); sec != nil {
		rest.Set("security", sec)
	}
	resources := fhirjson.NewArray()
	for _, typ := range h.ver.ResourceTypes() {
		resources.Items = append(resources.Items, h.resourceCapability(typ, stu3))
	}
	rest.Set("resource", resources)
	sys := fhirjson.NewArray()
	for _, code := range systemInteractions {
		if h.routes.serves(code) {
			sys.Items = append(sys.Items, object("code", code))
		}
	}
	rest.Set("interaction", sys)
	op := object("name", "changes")
	def := h.base + "/OperationDefinition/changes"
	if stu3 {
		op.Set("definition", object("reference", def))
	} else {
		op.Set("definition", fhirjson.NewString(def))
	}
	if !stu3 { // STU3's rest.operation has no documentation element
		op.Set("documentation", fhirjson.NewString(
			"GET [base]/$changes?_cursor=&_count=&_wait= : every committed change in commit order, as a history Bundle whose next link carries the cursor; see docs/change-feed.md."))
	}
	agg := object("name", "aggregation-outcome")
	aggDef := h.base + "/OperationDefinition/" + aggOutcomeDefinitionID
	if stu3 {
		agg.Set("definition", object("reference", aggDef))
	} else {
		agg.Set("definition", fhirjson.NewString(aggDef))
		agg.Set("documentation", fhirjson.NewString(
			"GET [base]/[type]/[id]/$aggregation-outcome : what the aggregator did with the current version (information accepted, error excluded, warning pending); "+
				"GET [base]/$aggregation-outcome?outcome=excluded|pending&_count= : a searchset Bundle of them; "+
				"POST [base]/$aggregation-outcome : the aggregator client reports outcomes. See docs/aggregator.md."))
	}
	ops := fhirjson.NewArray()
	if h.routes.serves("changes") {
		ops.Items = append(ops.Items, op)
	}
	if h.routes.serves("aggregation-outcome") {
		ops.Items = append(ops.Items, agg)
	}
	if !stu3 {
		ev := object("name", "everything")
		ev.Set("definition", fhirjson.NewString(everythingDefinition))
		ev.Set("documentation", fhirjson.NewString(
			"GET [base]/Patient/[id]/$everything?_count=&_cursor= : the patient and every resource in its compartment, as a paged searchset Bundle."))
		ops.Items = append(ops.Items, ev)
	}
	rest.Set("operation", ops)
	cs.Set("rest", fhirjson.NewArray(rest))
	return fhirjson.Marshal(cs)
}

func patchFormats(stu3 bool) []string {
	if stu3 {
		return []string{"application/json-patch+json"}
	}
	return []string{"application/json-patch+json", "application/fhir+json"}
}

// paramSupporter is the optional part of a Searcher that says which
// parameters it evaluates (search.Engine has it); without it every defined
// parameter is listed.
type paramSupporter interface {
	Supports(resourceType, code string) bool
}

func (h *Handler) resourceCapability(typ string, stu3 bool) *fhirjson.Value {
	r := object("type", typ)
	in := fhirjson.NewArray()
	for _, code := range typeInteractions {
		if h.routes.serves(code) {
			in.Items = append(in.Items, object("code", code))
		}
	}
	r.Set("interaction", in)
	writes := h.routes.serves("create")
	if writes {
		r.Set("versioning", fhirjson.NewString("versioned-update"))
	} else {
		r.Set("versioning", fhirjson.NewString("versioned"))
	}
	r.Set("readHistory", fhirjson.NewBool(true))
	if writes {
		r.Set("updateCreate", fhirjson.NewBool(true))
		r.Set("conditionalCreate", fhirjson.NewBool(true))
	}
	r.Set("conditionalRead", fhirjson.NewString("full-support"))
	if writes {
		r.Set("conditionalUpdate", fhirjson.NewBool(true))
		r.Set("conditionalDelete", fhirjson.NewString("multiple"))
	}
	refs := fhirjson.NewArray(fhirjson.NewString("literal"), fhirjson.NewString("logical"), fhirjson.NewString("resolves"))
	if !stu3 {
		refs.Items = append(refs.Items, fhirjson.NewString("local"))
	}
	r.Set("referencePolicy", refs)
	r.Set("searchInclude", stringArray("*"))
	r.Set("searchRevInclude", stringArray("*"))
	params := fhirjson.NewArray()
	sup, _ := h.search.(paramSupporter)
	for _, p := range h.ver.SearchParams(typ) {
		if sup != nil && !sup.Supports(typ, p.Code) {
			continue // the engine would ignore it: do not advertise it
		}
		sp := object("name", p.Code, "definition", p.URL, "type", p.Type)
		params.Items = append(params.Items, sp)
	}
	if len(params.Items) > 0 {
		r.Set("searchParam", params)
	}
	if ops := h.ops.forType(typ); len(ops) > 0 && !stu3 {
		arr := fhirjson.NewArray()
		for _, o := range ops {
			op := object("name", o.Name, "definition", h.base+"/OperationDefinition/"+o.definitionID())
			op.Set("documentation", fhirjson.NewString("POST [base]/"+typ+"/$"+o.Name+" : "+o.Description))
			arr.Items = append(arr.Items, op)
		}
		r.Set("operation", arr)
	}
	return r
}

// security describes SMART on FHIR with the OAuth URIs extension when the
// server authorizes requests.
func (h *Handler) security(stu3 bool) *fhirjson.Value {
	if h.auth == nil {
		return nil
	}
	system := "http://terminology.hl7.org/CodeSystem/restful-security-service"
	if stu3 {
		system = "http://hl7.org/fhir/restful-security-service"
	}
	token := fhirjson.NewObject()
	token.Set("url", fhirjson.NewString("token"))
	token.Set("valueUri", fhirjson.NewString(h.auth.TokenURL()))
	uris := fhirjson.NewObject()
	uris.Set("url", fhirjson.NewString("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"))
	uris.Set("extension", fhirjson.NewArray(token))
	coding := object("system", system, "code", "SMART-on-FHIR", "display", "SMART on FHIR")
	svc := fhirjson.NewObject()
	svc.Set("coding", fhirjson.NewArray(coding))
	sec := fhirjson.NewObject()
	sec.Set("extension", fhirjson.NewArray(uris))
	sec.Set("cors", fhirjson.NewBool(false))
	sec.Set("service", fhirjson.NewArray(svc))
	sec.Set("description", fhirjson.NewString(h.auth.SecurityDescription()))
	return sec
}

// stringArray is an array of strings.
func stringArray(ss ...string) *fhirjson.Value {
	arr := fhirjson.NewArray()
	for _, s := range ss {
		arr.Items = append(arr.Items, fhirjson.NewString(s))
	}
	return arr
}
