package rest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
)

// entry is one parsed Bundle.entry of a batch or transaction.
type entry struct {
	Index    int
	FullURL  string
	Method   string
	Rel      string // request.url relative to the base, query included
	Route    route
	Query    url.Values
	Resource *fhirjson.Value
	// The conditional headers of Bundle.entry.request.
	IfMatch, IfNoneMatch, IfModifiedSince, IfNoneExist string
}

func (e *entry) where(suffix string) string {
	return fmt.Sprintf("Bundle.entry[%d]%s", e.Index, suffix)
}

// bundle: POST /fhir with a batch or transaction Bundle.
func (h *Handler) bundle(c *call) error {
	var b *fhirjson.Value
	err := h.repo.ExpectingWrite(func() error { // see readResource
		data, err := h.readFHIRJSON(c, "a batch or transaction is a Bundle as application/fhir+json")
		if err != nil {
			return err
		}
		// data is this request's own slice and is only read from here on.
		b, err = h.repo.ParseBatch(data)
		return err
	})
	if err != nil {
		return err
	}
	kind := b.Str("type")
	switch kind {
	case "batch":
	case "transaction":
		c.interaction = "transaction"
	default:
		return outcome.BadRequest(outcome.CodeValue, "Bundle.type",
			"the base accepts a batch or transaction Bundle, not type %q", kind)
	}
	var items []*fhirjson.Value
	if arr := b.Get("entry"); arr != nil && arr.Kind == fhirjson.Array {
		items = arr.Items
	}
	if len(items) > maxBundleEntries {
		return outcome.New(http.StatusRequestEntityTooLarge, outcome.CodeTooCostly, "Bundle.entry",
			"the Bundle has %d entries; at most %d are accepted", len(items), maxBundleEntries)
	}
	if kind == "batch" {
		return h.batch(c, items)
	}
	return h.transaction(c, items)
}

// parseEntry reads entry i's request and resource.
func (h *Handler) parseEntry(i int, item *fhirjson.Value) (*entry, error) {
	e := &entry{Index: i, FullURL: item.Str("fullUrl"), Resource: item.Get("resource")}
	req := item.Get("request")
	if req == nil || req.Kind != fhirjson.Object {
		return nil, outcome.BadRequest(outcome.CodeRequired, e.where(".request"), "the entry has no request")
	}
	e.Method = req.Str("method")
	e.IfMatch, e.IfNoneMatch = req.Str("ifMatch"), req.Str("ifNoneMatch")
	e.IfModifiedSince, e.IfNoneExist = req.Str("ifModifiedSince"), req.Str("ifNoneExist")
	switch e.Method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE":
	default:
		return nil, outcome.BadRequest(outcome.CodeValue, e.where(".request.method"), "request.method %q is not an HTTP method FHIR uses", e.Method)
	}
	raw := req.Str("url")
	raw = strings.TrimPrefix(raw, h.base)
	raw = strings.TrimPrefix(raw, "/")
	if raw == "" {
		return nil, outcome.BadRequest(outcome.CodeRequired, e.where(".request.url"), "request.url must name a resource, a type or a search")
	}
	u, err := url.Parse(raw)
	if err != nil || u.IsAbs() || u.Host != "" {
		return nil, outcome.BadRequest(outcome.CodeValue, e.where(".request.url"), "request.url %q is not a URL relative to this server's base", raw)
	}
	if e.Query, err = url.ParseQuery(u.RawQuery); err != nil {
		return nil, outcome.BadRequest(outcome.CodeValue, e.where(".request.url"), "the query of request.url is malformed: %v", err)
	}
	e.Rel = raw
	e.Route = parseRoute("/" + u.Path)
	// The base itself is only a search target here ("?_type=..."): a
	// bundle posted inside a bundle is not processed.
	if e.Route.Kind == routeUnknown || (e.Route.Kind == routeBase && e.Method != "GET" && e.Method != "HEAD") {
		return nil, outcome.BadRequest(outcome.CodeValue, e.where(".request.url"), "request.url %q is not an endpoint of this server", raw)
	}
	if e.Route.Type != "" && !h.repo.IsType(e.Route.Type) {
		return nil, outcome.NotFound("%s: %q is not a resource type of FHIR %s", e.where(".request.url"), e.Route.Type, h.ver.FHIRVersion)
	}
	switch e.Method {
	case "POST", "PUT":
		if e.Resource == nil || e.Resource.Kind != fhirjson.Object {
			return nil, outcome.BadRequest(outcome.CodeRequired, e.where(".resource"), "a %s entry needs a resource", e.Method)
		}
	}
	return e, nil
}

// authorize checks the caller's scopes for entry e (each entry is checked,
// as if it were its own request).
func (h *Handler) authorize(c *call, e *entry) error {
	var in auth.Interaction
	switch e.Method {
	case "POST":
		in = auth.InteractionCreate
	case "PUT":
		in = auth.InteractionUpdate
	case "PATCH":
		in = auth.InteractionPatch
	case "DELETE":
		in = auth.InteractionDelete
	default:
		switch e.Route.Kind {
		case routeInstance:
			in = auth.InteractionRead
		case routeVersion:
			in = auth.InteractionVRead
		case routeTypeHist, routeInstHist, routeSystemHist:
			in = auth.InteractionHistory
		case routeMetadata:
			in = auth.InteractionCapabilities
		case routeChanges:
			in = auth.InteractionChangeFeed
		default:
			in = auth.InteractionSearch
		}
	}
	if err := h.allow(c.ctx, in, e.Route.Type); err != nil {
		return withEntry(err, e.Index)
	}
	if e.IfNoneExist != "" || (e.Route.Kind == routeType && e.Method != "POST" && e.Method != "GET" && e.Method != "HEAD") {
		if err := h.allow(c.ctx, auth.InteractionSearch, e.Route.Type); err != nil {
			return withEntry(err, e.Index)
		}
	}
	return nil
}

// withEntry puts an error in the context of entry i: the expressions of its
// issues are rewritten to start at Bundle.entry[i].resource, and an issue
// without one gets Bundle.entry[i].
func withEntry(err error, i int) error {
	oe, ok := outcome.As(err)
	if !ok {
		return err
	}
	out := &outcome.Error{Status: oe.Status}
	prefix := fmt.Sprintf("Bundle.entry[%d]", i)
	for _, is := range oe.Issues {
		is.Expression = append([]string(nil), is.Expression...)
		if len(is.Expression) == 0 {
			is.Expression = []string{prefix}
		}
		for j, x := range is.Expression {
			if strings.HasPrefix(x, "Bundle.entry[") {
				continue
			}
			if dot := strings.IndexByte(x, '.'); dot > 0 && repository.IsTypeName(x[:dot]) {
				is.Expression[j] = prefix + ".resource" + x[dot:]
			} else if repository.IsTypeName(x) {
				is.Expression[j] = prefix + ".resource"
			} else if !strings.HasPrefix(x, prefix) {
				is.Expression[j] = prefix + "." + x
			}
		}
		out.Issues = append(out.Issues, is)
	}
	return out
}

// batch processes every entry on its own, each with its own answer; one
// failing entry does not affect the others.
func (h *Handler) batch(c *call, items []*fhirjson.Value) error {
	resp := &bundle{Type: "batch-response", Total: -1}
	for i, item := range items {
		e, err := h.parseEntry(i, item)
		if err == nil {
			err = h.authorize(c, e)
		}
		if err != nil {
			resp.Entries = append(resp.Entries, failedEntry(err))
			continue
		}
		hdr, body, err := h.entryHTTP(c, e)
		if err != nil {
			resp.Entries = append(resp.Entries, failedEntry(withEntry(err, i)))
			continue
		}
		resp.Entries = append(resp.Entries, h.entryResponse(h.subRequest(c, e.Method, e.Rel, hdr, body)))
	}
	return c.sendBundle(resp)
}

// failedEntry is the response entry of an entry that could not be run.
func failedEntry(err error) bundleEntry {
	oe := errorOutcome(err)
	resp := object("status", statusLine(oe.Status))
	resp.Set("outcome", oe.Resource())
	return bundleEntry{Response: resp}
}

// entryHTTP is the headers and body that run entry e as a request.
func (h *Handler) entryHTTP(c *call, e *entry) (http.Header, []byte, error) {
	hdr := http.Header{}
	for k, v := range map[string]string{"If-Match": e.IfMatch, "If-None-Match": e.IfNoneMatch,
		"If-Modified-Since": e.IfModifiedSince, "If-None-Exist": e.IfNoneExist} {
		if v != "" {
			hdr.Set(k, v)
		}
	}
	for _, p := range c.r.Header.Values("Prefer") {
		hdr.Add("Prefer", p)
	}
	if e.Resource == nil {
		return hdr, nil, nil
	}
	if e.Method == "PATCH" {
		data, kind, err := patchFromEntry(e.Resource)
		if err != nil {
			return nil, nil, err
		}
		hdr.Set("Content-Type", kind)
		return hdr, data, nil
	}
	hdr.Set("Content-Type", "application/fhir+json")
	return hdr, fhirjson.Marshal(e.Resource), nil
}

// patchFromEntry is the patch a PATCH entry carries: a Parameters resource
// (FHIRPath Patch) or a Binary holding a JSON Patch, as the spec allows
// (its bytes are Binary.data in R4, Binary.content in STU3).
func patchFromEntry(res *fhirjson.Value) ([]byte, string, error) {
	if res.Str("resourceType") == "Binary" {
		b64 := res.Str("data")
		if b64 == "" {
			b64 = res.Str("content")
		}
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, "", outcome.BadRequest(outcome.CodeValue, "Binary.data", "the Binary's data is not base64: %v", err)
		}
		ct := res.Str("contentType")
		if ct == "" {
			ct = "application/json-patch+json"
		}
		return data, ct, nil
	}
	return fhirjson.Marshal(res), "application/fhir+json", nil
}
