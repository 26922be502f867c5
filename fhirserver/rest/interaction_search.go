package rest

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// searchType: GET /fhir/Type?…, GET|POST /fhir/Type/_search.
func (h *Handler) searchType(c *call, rt route) error {
	if err := h.allow(c.ctx, auth.InteractionSearch, rt.Type); err != nil {
		return err
	}
	params, err := h.searchParams(c)
	if err != nil {
		return err
	}
	return h.runSearch(c, search.Request{ResourceType: rt.Type, Params: params})
}

// searchSystem: GET /fhir?_type=…, GET|POST /fhir/_search. With _type the
// caller needs search permission on each type named, else on the system.
func (h *Handler) searchSystem(c *call) error {
	params, err := h.searchParams(c)
	if err != nil {
		return err
	}
	var types []string
	for _, v := range params["_type"] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			if !h.repo.IsType(t) {
				return outcome.BadRequest(outcome.CodeValue, "", "_type names %q, which is not a resource type of FHIR %s", t, h.ver.FHIRVersion)
			}
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		if err := h.allow(c.ctx, auth.InteractionSearch, ""); err != nil {
			return err
		}
	}
	for _, t := range types {
		if err := h.allow(c.ctx, auth.InteractionSearch, t); err != nil {
			return err
		}
	}
	delete(params, "_type")
	return h.runSearch(c, search.Request{Types: types, Params: params})
}

// searchCompartment: GET /fhir/Patient/id/Observation (or /*).
func (h *Handler) searchCompartment(c *call, rt route) error {
	if h.ver.Compartment(rt.Type) == nil {
		return outcome.NotFound("%s is not a compartment of FHIR %s", rt.Type, h.ver.FHIRVersion)
	}
	target := rt.Target
	if target == "*" {
		target = ""
	}
	if err := h.allow(c.ctx, auth.InteractionSearch, target); err != nil {
		return err
	}
	params, err := h.searchParams(c)
	if err != nil {
		return err
	}
	return h.runSearch(c, search.Request{ResourceType: target, Compartment: &search.CompartmentRef{Type: rt.Type, ID: rt.ID}, Params: params})
}

// searchParams merges the query string and, for POST, the form body; the
// formatting parameters are the REST layer's, not the search's.
func (h *Handler) searchParams(c *call) (url.Values, error) {
	params := url.Values{}
	for k, v := range c.query {
		params[k] = v
	}
	if c.r.Method == http.MethodPost {
		data, kind, err := h.readBody(c)
		if err != nil {
			return nil, err
		}
		if len(data) > 0 {
			if kind != bodyForm {
				return nil, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
					"POST _search takes application/x-www-form-urlencoded parameters")
			}
			form, err := url.ParseQuery(string(data))
			if err != nil {
				return nil, outcome.BadRequest(outcome.CodeInvalid, "", "the form body is malformed: %v", err)
			}
			for k, v := range form {
				params[k] = append(params[k], v...)
			}
		}
	}
	// The merged parameters stand in for the query in links.
	c.query = params
	out := url.Values{}
	for k, v := range params {
		switch k {
		case "_format", "_pretty", "_cursor":
			continue
		}
		out[k] = v
	}
	return out, nil
}

// runSearch runs req and answers the searchset Bundle.
func (h *Handler) runSearch(c *call, req search.Request) error {
	req.Strict = c.prefer.Strict
	req.Cursor = first(c.query, "_cursor")
	res, err := h.reads.Search(c.ctx, req)
	if err != nil {
		return err
	}
	if len(req.Types) > 0 && res.Self != nil && res.Self.Get("_type") == "" {
		res.Self.Set("_type", strings.Join(req.Types, ","))
	}
	b := &bundle{Type: "searchset", Total: res.Total}
	b.Links = append(b.Links, link{"self", h.linkURL(c, res.Self, "")})
	if res.Next != "" {
		b.Links = append(b.Links, link{"next", h.linkURL(c, res.Self, res.Next)})
	}
	if res.Prev != "" {
		b.Links = append(b.Links, link{"previous", h.linkURL(c, res.Self, res.Prev)})
	}
	v := view{Summary: c.view.Summary, Elements: c.view.Elements}
	// One search.mode object per mode, shared by the page's entries (the
	// encoder only reads them): two allocations each for 20 entries were a
	// twentieth of what a search allocated.
	modes := map[string]*fhirjson.Value{}
	b.Entries = make([]bundleEntry, 0, len(res.Entries)+1)
	for _, e := range res.Entries {
		if e.Record == nil || e.Record.Deleted {
			continue
		}
		if e.Mode == "include" && h.allow(c.ctx, auth.InteractionRead, e.Record.Type) != nil {
			continue // included resources the caller may not read are left out
		}
		raw, err := h.recordBody(v, e.Record)
		if err != nil {
			return err
		}
		mode := e.Mode
		if mode == "" {
			mode = "match"
		}
		if modes[mode] == nil {
			modes[mode] = object("mode", mode)
		}
		b.Entries = append(b.Entries, bundleEntry{
			FullURL: h.resourceURL(e.Record.Type, e.Record.ID),
			Raw:     raw,
			Search:  modes[mode],
		})
	}
	if len(res.Warnings) > 0 {
		b.Entries = append(b.Entries, bundleEntry{
			Resource: outcome.Resource(res.Warnings),
			Search:   object("mode", "outcome"),
		})
	}
	return c.sendBundle(b)
}

// linkURL builds a self/next/previous link: the request's path with the
// parameters the search used, plus a cursor when paging.
func (h *Handler) linkURL(c *call, used url.Values, cursor string) string {
	q := url.Values{}
	for k, v := range used {
		q[k] = v
	}
	for _, k := range []string{"_format", "_pretty"} {
		if v, ok := c.query[k]; ok {
			q[k] = v
		}
	}
	if cursor != "" {
		q.Set("_cursor", cursor)
	}
	p := trimMount(c.r.URL.Path)
	p = strings.TrimSuffix(p, "/_search")
	u := h.base + p
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}
