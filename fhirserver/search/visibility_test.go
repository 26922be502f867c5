package search

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// hideSet is a Visibility hiding the resources it names ("Type/id").
type hideSet map[string]bool

func (h hideSet) Visible(_ context.Context, typ, id string) (bool, error) {
	return !h[typ+"/"+id], nil
}

// TestVisibilityEveryChannel: with Patient/p1 hidden, no channel of a
// search reveals it or anything only it would make match: the type search,
// _total and _summary=count, a chain through it, _has from it, _include of
// it, _revinclude from it, a compartment search, and _sort; what stays
// visible answers as before.
func TestVisibilityEveryChannel(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	vis := hideSet{"Patient/p1": true}
	ctx := WithVisibility(context.Background(), vis)
	tests := []struct {
		typ, query string
		comp       *CompartmentRef
		want       []string
		total      int
	}{
		{typ: "Patient", query: "", want: []string{"Patient/p2"}, total: 1},
		{typ: "Patient", query: "_sort=family", want: []string{"Patient/p2"}, total: 1},
		{typ: "Patient", query: "_id=p1", total: 0},
		{typ: "Patient", query: "family=Smith", total: 0},
		{typ: "Observation", query: "subject:Patient.family=Smith", total: 0},
		{typ: "Observation", query: "subject:Patient.family=Jones", want: []string{"Observation/o2"}, total: 1},
		{typ: "Organization", query: "_has:Patient:organization:family=Smith", total: 0},
		{typ: "Observation", query: "_id=o1&_include=Observation:subject", want: []string{"Observation/o1"}, total: 1},
		{typ: "Organization", query: "_id=org1&_revinclude=Patient:organization", want: []string{"Organization/org1"}, total: 1},
		{typ: "Practitioner", query: "_revinclude=Patient:general-practitioner", want: []string{"Practitioner/dr1"}, total: 1},
		{typ: "", query: "", comp: &CompartmentRef{Type: "Patient", ID: "p1"}, want: []string{"Observation/o1"}, total: 1},
	}
	for _, tc := range tests {
		params, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		params.Set("_total", "accurate")
		res, err := f.e.Search(ctx, Request{ResourceType: tc.typ, Params: params, Compartment: tc.comp})
		if err != nil {
			t.Fatalf("%s?%s: %v", tc.typ, tc.query, err)
		}
		if got := names(res); !slices.Equal(sorted(got), sorted(tc.want)) || res.Total != tc.total {
			t.Errorf("%s?%s = %v total %d, want %v total %d", tc.typ, tc.query, got, res.Total, tc.want, tc.total)
		}
		params.Set("_summary", "count")
		res, err = f.e.Search(ctx, Request{ResourceType: tc.typ, Params: params, Compartment: tc.comp})
		if err != nil || res.Total != tc.total {
			t.Errorf("%s?%s&_summary=count = %v (%v), want %d", tc.typ, tc.query, res, err, tc.total)
		}
	}
	// Without the Visibility the same engine sees p1.
	expect(t, f, "Patient", "family=Smith", "Patient/p1")
}

// TestVisibilityPaging: pages are cut from visible matches only, so no page
// is short and no link promises more than there is.
func TestVisibilityPaging(t *testing.T) {
	var world []string
	hidden := hideSet{}
	for i := range 10 {
		id := string(rune('a' + i))
		world = append(world, `{"resourceType":"Patient","id":"`+id+`"}`)
		if i%2 == 0 {
			hidden["Patient/"+id] = true
		}
	}
	f := smallStore(t, defs.R4, world...)
	ctx := WithVisibility(context.Background(), hidden)
	var got []string
	cursor := ""
	for range 10 {
		res, err := f.e.Search(ctx, Request{ResourceType: "Patient", Params: url.Values{"_count": {"2"}, "_total": {"accurate"}}, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 5 {
			t.Errorf("total %d, want 5", res.Total)
		}
		if res.Next != "" && len(res.Entries) != 2 {
			t.Errorf("a page of %d entries before the last", len(res.Entries))
		}
		got = append(got, names(res)...)
		if cursor = res.Next; cursor == "" {
			break
		}
	}
	want := []string{"Patient/b", "Patient/d", "Patient/f", "Patient/h", "Patient/j"}
	if !slices.Equal(got, want) {
		t.Errorf("paged %v, want %v", got, want)
	}
}

func TestCompartmentOwners(t *testing.T) {
	f := smallStore(t, defs.R4)
	tests := []struct {
		js   string
		want []string
	}{
		{`{"resourceType":"Patient","id":"p1","link":[{"other":{"reference":"Patient/p2"},"type":"seealso"}]}`, []string{"p1", "p2"}},
		{`{"resourceType":"Observation","id":"o","subject":{"reference":"Patient/p1"},"performer":[{"reference":"Patient/p3"}]}`, []string{"p1", "p3"}},
		{`{"resourceType":"Observation","id":"o","subject":{"reference":"Group/g"}}`, nil},
		{`{"resourceType":"Organization","id":"org"}`, nil},
		{`{"resourceType":"Condition","id":"c","subject":{"reference":"` + testBase + `/Patient/p9/_history/2"}}`, []string{"p9"}},
	}
	for _, tc := range tests {
		res, err := fhirjson.Parse([]byte(tc.js))
		if err != nil {
			t.Fatal(err)
		}
		got := f.e.CompartmentOwners("Patient", res.Str("resourceType"), res)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: owners %v, want %v", tc.js, got, tc.want)
		}
	}
}
