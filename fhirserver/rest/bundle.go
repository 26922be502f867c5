package rest

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// bundle is a Bundle the server answers with (searchset, history,
// batch-response, transaction-response). Entries carry their resource as
// the stored bytes, so a page of results is written without parsing and
// re-serialising every resource.
type bundle struct {
	Type string
	// Total is Bundle.total; -1 leaves it out.
	Total   int
	Links   []link
	Entries []bundleEntry
}

type link struct{ Relation, URL string }

type bundleEntry struct {
	FullURL string
	// Raw is the resource JSON (nil for none); Resource is used instead
	// when set (an OperationOutcome, a transformed resource).
	Raw      []byte
	Resource *fhirjson.Value
	Search   *fhirjson.Value
	Request  *fhirjson.Value
	Response *fhirjson.Value
}

// encodeTo writes the bundle, compact output appended to dst. Compact
// output splices the raw resources in; indented output (_pretty) needs the
// full tree and parses them, and is a new slice.
func (b *bundle) encodeTo(dst []byte, pretty bool) ([]byte, error) {
	if pretty {
		v, err := b.value()
		if err != nil {
			return nil, err
		}
		return fhirjson.MarshalIndent(v), nil
	}
	out := slices.Grow(dst, 256+b.rawSize())
	out = append(out, `{"resourceType":"Bundle","type":`...)
	out = fhirjson.AppendString(out, b.Type)
	if b.Total >= 0 {
		out = append(out, `,"total":`...)
		out = strconv.AppendInt(out, int64(b.Total), 10)
	}
	if len(b.Links) > 0 {
		out = append(out, `,"link":`...)
		out = fhirjson.AppendJSON(out, linksValue(b.Links))
	}
	if len(b.Entries) > 0 {
		out = append(out, `,"entry":[`...)
		for i, e := range b.Entries {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, '{')
			sep := false
			field := func(name string) {
				if sep {
					out = append(out, ',')
				}
				sep = true
				out = fhirjson.AppendString(out, name)
				out = append(out, ':')
			}
			if e.FullURL != "" {
				field("fullUrl")
				out = fhirjson.AppendString(out, e.FullURL)
			}
			switch {
			case e.Resource != nil:
				field("resource")
				out = fhirjson.AppendJSON(out, e.Resource)
			case e.Raw != nil:
				field("resource")
				out = append(out, e.Raw...)
			}
			for _, part := range []struct {
				name string
				v    *fhirjson.Value
			}{{"search", e.Search}, {"request", e.Request}, {"response", e.Response}} {
				if part.v != nil {
					field(part.name)
					out = fhirjson.AppendJSON(out, part.v)
				}
			}
			out = append(out, '}')
		}
		out = append(out, ']')
	}
	return append(out, '}'), nil
}

func (b *bundle) rawSize() int {
	n := 0
	for _, e := range b.Entries {
		n += len(e.Raw) + 128
	}
	return n
}

// value is the bundle as a tree (for _pretty and for tests).
func (b *bundle) value() (*fhirjson.Value, error) {
	v := fhirjson.NewObject()
	v.Set("resourceType", fhirjson.NewString("Bundle"))
	v.Set("type", fhirjson.NewString(b.Type))
	if b.Total >= 0 {
		v.Set("total", fhirjson.NewNumber(strconv.Itoa(b.Total)))
	}
	if len(b.Links) > 0 {
		v.Set("link", linksValue(b.Links))
	}
	if len(b.Entries) > 0 {
		arr := fhirjson.NewArray()
		for _, e := range b.Entries {
			ev := fhirjson.NewObject()
			if e.FullURL != "" {
				ev.Set("fullUrl", fhirjson.NewString(e.FullURL))
			}
			switch {
			case e.Resource != nil:
				ev.Set("resource", e.Resource)
			case e.Raw != nil:
				r, err := fhirjson.Parse(e.Raw)
				if err != nil {
					return nil, fmt.Errorf("bundle entry %s: %w", e.FullURL, err)
				}
				ev.Set("resource", r)
			}
			if e.Search != nil {
				ev.Set("search", e.Search)
			}
			if e.Request != nil {
				ev.Set("request", e.Request)
			}
			if e.Response != nil {
				ev.Set("response", e.Response)
			}
			arr.Items = append(arr.Items, ev)
		}
		v.Set("entry", arr)
	}
	return v, nil
}

func linksValue(links []link) *fhirjson.Value {
	arr := fhirjson.NewArray()
	for _, l := range links {
		o := fhirjson.NewObject()
		o.Set("relation", fhirjson.NewString(l.Relation))
		o.Set("url", fhirjson.NewString(l.URL))
		arr.Items = append(arr.Items, o)
	}
	return arr
}

// object builds a small object from name/value string pairs, skipping
// empty values.
func object(pairs ...string) *fhirjson.Value {
	o := fhirjson.NewObject()
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			o.Set(pairs[i], fhirjson.NewString(pairs[i+1]))
		}
	}
	return o
}

// historyEntry is the entry of one version in a history Bundle (and in the
// change feed): the resource, or none for a deletion, with the request that
// made the version and its response.
func (h *Handler) historyEntry(rec *storage.Record, raw []byte) bundleEntry {
	e := bundleEntry{FullURL: h.resourceURL(rec.Type, rec.ID), Raw: raw}
	method, url, status := "PUT", rec.Type+"/"+rec.ID, "200 OK"
	switch rec.Op {
	case storage.OpCreate:
		status = "201 Created"
		if rec.VersionID == 1 && storage.IsServerID(rec.ID) {
			// The store does not record the request; a create has a
			// server-assigned id unless it was a create-on-update, whose
			// client id rarely has that shape.
			method, url = "POST", rec.Type
		}
	case storage.OpDelete:
		method, status = "DELETE", "410 Gone"
		e.Raw = nil
	}
	e.Request = object("method", method, "url", url)
	e.Response = object("status", status, "etag", etag(strconv.FormatInt(rec.VersionID, 10)),
		"lastModified", repository.FormatInstant(rec.LastUpdated))
	if rec.Op == storage.OpCreate {
		e.Response.Set("location", fhirjson.NewString(rec.Type+"/"+rec.ID+"/_history/"+strconv.FormatInt(rec.VersionID, 10)))
	}
	return e
}
