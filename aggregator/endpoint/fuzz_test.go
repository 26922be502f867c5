package endpoint

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// FuzzVisibility: whatever the query — any type (or a system search),
// any parameters, chains, _has, includes, sorts, counts, cursors — a
// search run with a reader's View returns no resource the reader may not
// see, as match or include, and its total never counts more than the
// reader may see of the searched types.
func FuzzVisibility(f *testing.F) {
	w := buildWorld(f, "http://127.0.0.1:8080")
	pol := access.NewPolicy(w.store, w.engine)
	readers := w.readers()
	hidden := `https://fhir.nhs.uk/Id/nhs-number|` + w.nhs[1]
	for _, seed := range []struct {
		typ   uint8
		query string
	}{
		{1, "_total=accurate"},
		{1, "subject:Patient.identifier=" + url.QueryEscape(hidden)},
		{1, "subject.identifier=" + url.QueryEscape(hidden) + "&_include=Condition:subject"},
		{0, "_has:Condition:subject:_security=" + url.QueryEscape(access.PrivacyLabelSystem+"|SEXUAL_HEALTH")},
		{0, "_revinclude=*&_include=*&_count=1"},
		{0, "_revinclude:iterate=Condition:subject&_include:iterate=Condition:asserter"},
		{4, "_revinclude=Condition:asserter&_revinclude=Appointment:actor"},
		{1, "_sort=-_lastUpdated&_count=2&_total=accurate"},
		{1, "_summary=count"},
		{1, "_security:not=" + url.QueryEscape(access.PrivacyLabelSystem+"|MENTAL_HEALTH")},
		{1, "subject:missing=false&asserter:Practitioner.name=Careful"},
		{3, "actor:Patient._has:Condition:subject:code:text=c2"},
		{0, "identifier=" + url.QueryEscape(hidden) + "&_elements=id"},
		{7, "_type=Patient,Condition&_id:not=x"},
		{2, "patient:Patient.name=Person4"},
		{0, "_id=" + w.patients[2] + "&_revinclude=*"},
	} {
		for r := range readers {
			f.Add(seed.typ, uint8(r), seed.query)
		}
	}
	types := append(append([]string(nil), worldTypes...), "")
	f.Fuzz(func(t *testing.T, typIdx, readerIdx uint8, query string) {
		params, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		r := readers[int(readerIdx)%len(readers)]
		typ := types[int(typIdx)%len(types)]
		req := search.Request{ResourceType: typ, Params: params}
		if typ == "" {
			if v := params.Get("_type"); v != "" {
				req.Types = strings.FieldsFunc(v, func(r rune) bool { return r == ',' })
				delete(params, "_type")
			}
		}
		res, err := w.engine.Search(search.WithVisibility(context.Background(), pol.View(r.subject)), req)
		if err != nil {
			return // a refused query shows nothing
		}
		for _, en := range res.Entries {
			if k := en.Record.Type + "/" + en.Record.ID; !w.visible(r, k) {
				t.Fatalf("%s: %s?%s returned hidden %s (%s)", r.name, typ, query, k, en.Mode)
			}
		}
		limit := 0
		for _, x := range w.res {
			if (typ == "" || x.typ == typ) && w.visible(r, x.key()) {
				limit++
			}
		}
		if res.Total > limit {
			t.Fatalf("%s: %s?%s total %d, but only %d visible", r.name, typ, query, res.Total, limit)
		}
	})
}
