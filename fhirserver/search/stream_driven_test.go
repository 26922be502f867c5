package search

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestDrivenPagesEqualMaterialised: searches ordered by a prefix or range
// clause, with other clauses, in a compartment and (for comparison) in id
// order page forward and back exactly as the materialised order does, and
// the streaming paths answer them.
func TestDrivenPagesEqualMaterialised(t *testing.T) {
	f := loadExamples(t, defs.R4)
	example := &CompartmentRef{Type: "Patient", ID: "example"}
	for _, tc := range []struct {
		typ, query string
		comp       *CompartmentRef
		min        int // matches the query must have to mean something
	}{
		{"Patient", "name=s", nil, 5},
		{"Patient", "name=j", nil, 4},           // Patient/example has several names in range
		{"Patient", "birthdate=ge1960", nil, 5}, // a date range
		{"Patient", "birthdate=ge1950&gender=male", nil, 4},
		{"Patient", "name=p&birthdate=lt2000", nil, 3}, // two ranges: the second checked on the resource
		{"Patient", "gender=female&name:contains=a", nil, 2},
		{"Observation", "date=ge2000", nil, 10},
		{"Observation", "date=ge2000&_total=accurate", example, 4},
		{"Observation", "status=final", example, 4}, // id order in a compartment
		{"Observation", "_total=accurate", example, 4},
		{"Observation", "date=ge2000&_sort=-date", example, 4},
		{"Patient", "_sort=-birthdate", nil, 10},
		{"Patient", "gender=male&_sort=birthdate", nil, 4},
		{"Patient", "_sort=family", nil, 10}, // patients without a family come last
		{"Patient", "birthdate=ge1950&_sort=family", nil, 5},
	} {
		t.Run(tc.typ+"?"+tc.query, func(t *testing.T) {
			params, _ := url.ParseQuery(tc.query)
			params.Set("_count", "3")
			req := Request{ResourceType: tc.typ, Params: params, Compartment: tc.comp}
			want := materialised(t, f, req)
			if len(want) < tc.min {
				t.Fatalf("%d matches %v, want at least %d", len(want), want, tc.min)
			}
			forward, back := walkPages(t, f, req, want)
			if forward == 0 || (len(want) > 3 && back == 0) {
				t.Fatalf("streamed pages: %d forward, %d back", forward, back)
			}
		})
	}
}

// TestDrivenWalkReadsAPage: the first page of a prefix or a range matching
// most resources reads about a page of the driver's entries, shows each
// resource once although several of its names match, and pages like the
// materialised order; a range with a rare other clause falls back to it.
func TestDrivenWalkReadsAPage(t *testing.T) {
	var res []string
	for i := range 400 {
		gender := "male"
		if i%150 == 0 {
			gender = "female"
		}
		res = append(res, fmt.Sprintf(`{"resourceType":"Patient","id":"p%03d","gender":"%s","birthDate":"%04d-01-01",
			"name":[{"family":"Fam%03d","given":["Fam%03dx","Other"]}]}`, i, gender, 1600+(i*7)%400, i%200, (i*3)%200))
	}
	f := smallStore(t, defs.R4, res...)
	ctx := context.Background()
	for _, tc := range []struct {
		query   string
		param   string
		maxRead int // driver entries read for the first page
	}{
		{"name=fam&_count=10", "name", 16},      // 800 entries in range, two per patient
		{"family=fam1&_count=10", "family", 11}, // 200 patients, one entry each
		{"birthdate=ge1650&_count=10", "birthdate", 12},
		{"birthdate=ge1650&gender=male&_count=10", "birthdate", 12},
		{"birthdate=ge1650&gender=female&_count=2", "birthdate", 2000}, // rare: the match set instead
		{"name=fam&_sort=-birthdate&_count=10", "name", 0},             // sorted: the name checked on each resource
	} {
		t.Run(tc.query, func(t *testing.T) {
			params, _ := url.ParseQuery(tc.query)
			req := Request{ResourceType: "Patient", Params: params}
			want := materialised(t, f, req)
			seen := map[string]bool{}
			for _, n := range want {
				if seen[n] {
					t.Fatalf("%s twice in %v", n, want)
				}
				seen[n] = true
			}
			rd := hitCountingReader{Reader: f.store, hits: map[string]int{}}
			if _, err := f.e.search(ctx, rd, req); err != nil {
				t.Fatal(err)
			}
			if rd.hits[tc.param] > tc.maxRead {
				t.Errorf("first page read %d %s entries, want at most %d", rd.hits[tc.param], tc.param, tc.maxRead)
			}
			walkPages(t, f, req, want)
		})
	}
}

// TestStreamLast checks a clause's backward seek (previous pages in id
// order) against the ids it holds, for the every-resource stream and an
// exact value, with ids up to the longest FHIR allows.
func TestStreamLast(t *testing.T) {
	long := strings.Repeat("m", maxIDLen)
	ids := []string{"a", "m", long[:63], long, "n", "z"}
	var res []string
	for _, id := range ids {
		res = append(res, fmt.Sprintf(`{"resourceType":"Patient","id":"%s","gender":"male"}`, id))
	}
	f := smallStore(t, defs.R4, res...)
	ctx := t.Context()
	q, err := f.e.parseQuery("Patient", url.Values{"gender": {"male"}})
	if err != nil {
		t.Fatal(err)
	}
	gender, _ := f.e.exactStreams("Patient", q.clauses)
	every, _ := f.e.exactStreams("Patient", nil)
	slices.Sort(ids)
	for _, s := range []seeker{gender[0], every[0]} {
		for _, x := range append([]string{"", "b", "mm", "zz"}, ids...) {
			for _, strict := range []bool{false, true} {
				want := ""
				for _, id := range ids {
					if x == "" || id < x || (!strict && id == x) {
						want = id
					}
				}
				got, err := s.last(ctx, f.store, x, strict)
				if err != nil || got != want {
					t.Errorf("%T last(%q, strict %v) = %q, %v; want %q", s, x, strict, got, err, want)
				}
			}
		}
	}
}
