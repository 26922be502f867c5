package search

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestMergedValuesAnswerAsUnmerged: half the Patients and Goals have one
// value of a string, token and date parameter (written merged, under the
// sort tags) and half two (a string, token, number or quantity's least and
// greatest written folded, as the sort entries; a date's value entries and
// sort entries). Every kind of
// query over both halves finds what the data holds, counts each resource
// once, sorts by each resource's least or greatest value, and pages on the
// streaming paths as the materialised order does.
func TestMergedValuesAnswerAsUnmerged(t *testing.T) {
	const n = 40
	var res []string
	for i := range n {
		names := fmt.Sprintf(`{"family":"Fam%02d"}`, i)
		ids := fmt.Sprintf(`{"system":"urn:s","value":"A%d"}`, i)
		targets := fmt.Sprintf(`{"dueDate":"2020-01-%02d"}`, i%28+1)
		categories := `{"coding":[{"system":"urn:c","code":"c1"}]}`
		if i%2 == 1 {
			categories += `,{"coding":[{"system":"urn:c","code":"c2"}]}`
			names += fmt.Sprintf(`,{"family":"Other%02d"}`, i)
			ids += fmt.Sprintf(`,{"system":"urn:s","value":"B%d"}`, i)
			targets += fmt.Sprintf(`,{"dueDate":"2021-02-%02d"}`, i%28+1)
		}
		comps := fmt.Sprintf(`{"code":{"text":"a"},"valueQuantity":{"value":%d,"unit":"kg"}}`, i)
		preds := fmt.Sprintf(`{"probabilityDecimal":0.%02d}`, i)
		if i%2 == 1 {
			comps += fmt.Sprintf(`,{"code":{"text":"b"},"valueQuantity":{"value":%d,"unit":"kg"}}`, 100+i)
			preds += fmt.Sprintf(`,{"probabilityDecimal":1.%02d}`, i)
		}
		res = append(res,
			fmt.Sprintf(`{"resourceType":"Observation","id":"o%02d","status":"final","code":{"text":"x"},"component":[%s]}`, i, comps),
			fmt.Sprintf(`{"resourceType":"RiskAssessment","id":"r%02d","status":"final","subject":{"reference":"Patient/p%02d"},"prediction":[%s]}`, i, i, preds))
		res = append(res,
			fmt.Sprintf(`{"resourceType":"Patient","id":"p%02d","name":[%s],"identifier":[%s]}`, i, names, ids),
			fmt.Sprintf(`{"resourceType":"Goal","id":"g%02d","lifecycleStatus":"active","subject":{"reference":"Patient/p%02d"},"description":{"text":"x"},"category":[%s],"target":[%s]}`, i, i, categories, targets))
	}
	f := smallStore(t, defs.R4, res...)

	// The entries as described: merged for one value, unmerged for two.
	// res[4i] is Observation i, res[4i+1] RiskAssessment i, res[4i+2]
	// Patient i, res[4i+3] Goal i; the odd ones have two values.
	tagsOf := func(js, param string) string { return entryTags(t, f, js, param) }
	for _, tc := range []struct {
		js, param, want string
	}{
		{res[2], "family", "~"},
		{res[6], "family", "}\x7f"},
		{res[2], "identifier", "c~"},
		{res[6], "identifier", "cc}\x7f"},
		{res[3], "target-date", "}\x7f"},
		{res[7], "target-date", "hhll}\x7f"},
		{res[0], "component-value-quantity", "U~"},
		{res[4], "component-value-quantity", "UU}\x7f"},
		{res[1], "probability", "~"},
		{res[5], "probability", "}\x7f"},
	} {
		if got := tagsOf(tc.js, tc.param); got != tc.want {
			t.Errorf("%s of %.40s: tags %q, want %q", tc.param, tc.js, got, tc.want)
		}
	}

	ids := func(prefix string, keep func(i int) bool) []string {
		var out []string
		for i := range n {
			if keep(i) {
				out = append(out, fmt.Sprintf("%s%02d", prefix, i))
			}
		}
		return out
	}
	odd := func(i int) bool { return i%2 == 1 }
	even := func(i int) bool { return i%2 == 0 }
	all := func(int) bool { return true }
	// The goals' first due date is day i%28+1 of January 2020; the odd
	// ones' second is in February 2021.
	byFirstDue := func(keep func(i int) bool) []string {
		out := ids("Goal/g", keep)
		slices.SortStableFunc(out, func(a, b string) int {
			var x, y int
			fmt.Sscanf(a, "Goal/g%d", &x)
			fmt.Sscanf(b, "Goal/g%d", &y)
			return x%28 - y%28
		})
		return out
	}
	for _, tc := range []struct {
		typ, query string
		want       []string
		ordered    bool
	}{
		{"Patient", "family=fam", ids("Patient/p", all), true}, // by least value: FamNN
		{"Patient", "family=oth", ids("Patient/p", odd), true}, // only unmerged ones hold it
		{"Patient", "family=fam0&_total=accurate", ids("Patient/p", func(i int) bool { return i < 10 }), true},
		{"Patient", "family:exact=Fam07", []string{"Patient/p07"}, false},
		{"Patient", "family:exact=Fam08", []string{"Patient/p08"}, false},
		{"Patient", "family:exact=fam08", nil, false},
		{"Patient", "family:contains=m1", ids("Patient/p", func(i int) bool { return i >= 10 && i < 20 }), false},
		{"Patient", "family:contains=er3", ids("Patient/p", func(i int) bool { return i >= 30 && odd(i) }), false},
		{"Patient", "family:missing=false", ids("Patient/p", all), false},
		{"Patient", "identifier=A6", []string{"Patient/p06"}, false},
		{"Patient", "identifier=A7", []string{"Patient/p07"}, false},
		{"Patient", "identifier=B7", []string{"Patient/p07"}, false},
		{"Patient", "identifier=B8", nil, false},
		{"Patient", "identifier=urn:s|A8", []string{"Patient/p08"}, false},
		{"Patient", "identifier=A1,A2,B3,B4&_total=accurate", []string{"Patient/p01", "Patient/p02", "Patient/p03"}, true},
		// A driven walk checking an exact clause per entry: seeks out of id order.
		{"Patient", "family=fam&identifier=A6,A8,B9,B3", []string{"Patient/p03", "Patient/p06", "Patient/p08", "Patient/p09"}, true},
		{"Patient", "identifier=A6,A8,B9,B3&_sort=-family", []string{"Patient/p09", "Patient/p03", "Patient/p08", "Patient/p06"}, true},
		{"Goal", "lifecycle-status=active", ids("Goal/g", all), true}, // no unmerged entry: one run empty
		// A driven walk out of id order checking an exact value that both
		// runs hold: each run is sought again below where it ran out.
		{"Goal", "target-date=ge2020-01-01&category=c1", byFirstDue(all), true},
		{"Goal", "category=c2&_total=accurate", ids("Goal/g", odd), true},
		{"Goal", "lifecycle-status=active&subject=Patient/p03,Patient/p04,Patient/p31", []string{"Goal/g03", "Goal/g04", "Goal/g31"}, true},
		{"Patient", "identifier:not=A5", ids("Patient/p", func(i int) bool { return i != 5 }), false},
		{"Patient", "_sort=family", ids("Patient/p", all), true},
		// Descending by greatest value: the odd ones' OtherNN first.
		{"Patient", "_sort=-family", append(rev(ids("Patient/p", odd)), rev(ids("Patient/p", even))...), true},
		{"Patient", "_sort=identifier", ids("Patient/p", all), false}, // A0, A1, A10 …: the set
		{"Goal", "target-date=2020-01-05", ids("Goal/g", func(i int) bool { return i%28 == 4 }), false},
		{"Goal", "target-date=ge2021-01-01", ids("Goal/g", odd), false},
		{"Goal", "target-date=lt2020-01-03", ids("Goal/g", func(i int) bool { return i%28 < 2 }), false},
		{"Goal", "target-date=gt2020-01-27&_total=accurate", ids("Goal/g", func(i int) bool { return odd(i) || i%28 == 27 }), false},
		{"Goal", "target-date=sa2020-02-01", ids("Goal/g", odd), false},
		{"Goal", "target-date=eb2020-01-02", ids("Goal/g", func(i int) bool { return i%28 == 0 }), false},
		{"Goal", "_sort=target-date", byFirstDue(all), true},
		{"Observation", "component-value-quantity=lt5", ids("Observation/o", func(i int) bool { return i < 5 }), false},
		{"Observation", "component-value-quantity=7", []string{"Observation/o07"}, false},
		{"Observation", "component-value-quantity=107", []string{"Observation/o07"}, false},
		{"Observation", "component-value-quantity=108", nil, false},
		{"Observation", "component-value-quantity=gt120", ids("Observation/o", func(i int) bool { return odd(i) && i > 20 }), false},
		{"Observation", "component-value-quantity=ge30&_total=accurate", ids("Observation/o", func(i int) bool { return i >= 30 || odd(i) }), false},
		{"Observation", "component-value-quantity=ne3", ids("Observation/o", func(i int) bool { return i != 3 }), false},
		{"Observation", "_sort=-component-value-quantity", append(rev(ids("Observation/o", odd)), rev(ids("Observation/o", even))...), true},
		{"RiskAssessment", "probability=le0.05", ids("RiskAssessment/r", func(i int) bool { return i <= 5 }), false},
		{"RiskAssessment", "probability=gt1", ids("RiskAssessment/r", odd), false},
		{"RiskAssessment", "probability=0.13", []string{"RiskAssessment/r13"}, false},
		{"RiskAssessment", "_sort=probability", ids("RiskAssessment/r", all), true},
		// Descending: the odd ones by their 2021 date, then the even ones.
		{"Goal", "_sort=-target-date", append(rev(byFirstDue(odd)), rev(byFirstDue(even))...), false},
	} {
		checkMergedQuery(t, f, tc.typ, tc.query, "7", tc.want, tc.ordered)
	}
}

// TestFoldedValuesAnswerAsUnfolded: Patients with three given names and
// identifiers (the least and greatest folded into the sort entries, the
// middle one under its own tag), one, or two. Queries for a least, middle
// and greatest value, prefixes, :exact, :contains, sorts both ways,
// :missing and totals find what the data holds, each resource once, and
// page on the streaming paths as the materialised order does.
func TestFoldedValuesAnswerAsUnfolded(t *testing.T) {
	const n = 12
	var res []string
	for i := range n {
		var given, ids []string
		switch i % 3 {
		case 0:
			given = []string{fmt.Sprintf("Ann%02d", i), fmt.Sprintf("Bea%02d", i), fmt.Sprintf("Cid%02d", i)}
			ids = []string{fmt.Sprint("A", i), fmt.Sprint("M", i), fmt.Sprint("Z", i)}
		case 1:
			given = []string{fmt.Sprintf("Bea%02d", i)}
			ids = []string{fmt.Sprint("M", i)}
		case 2:
			given = []string{fmt.Sprintf("Cid%02d", i), fmt.Sprintf("Ann%02d", i)}
			ids = []string{fmt.Sprint("Z", i), fmt.Sprint("A", i)}
		}
		var idJSON []string
		for _, v := range ids {
			idJSON = append(idJSON, fmt.Sprintf(`{"system":"urn:s","value":%q}`, v))
		}
		res = append(res, fmt.Sprintf(`{"resourceType":"Patient","id":"p%02d","name":[{"given":["%s"]}],"identifier":[%s]}`,
			i, strings.Join(given, `","`), strings.Join(idJSON, ",")))
	}
	f := smallStore(t, defs.R4, res...)
	tagsOf := func(js, param string) string { return entryTags(t, f, js, param) }
	for _, tc := range []struct {
		js, param, want string
	}{
		{res[0], "given", "n}\x7f"},
		{res[1], "given", "~"},
		{res[2], "given", "}\x7f"},
		{res[0], "identifier", "ccck}\x7f"},
		{res[2], "identifier", "cc}\x7f"},
	} {
		if got := tagsOf(tc.js, tc.param); got != tc.want {
			t.Errorf("%s of %.40s: tags %q, want %q", tc.param, tc.js, got, tc.want)
		}
	}
	ids := func(keep func(i int) bool) []string {
		var out []string
		for i := range n {
			if keep(i) {
				out = append(out, fmt.Sprintf("Patient/p%02d", i))
			}
		}
		return out
	}
	mod := func(r ...int) func(int) bool { return func(i int) bool { return slices.Contains(r, i%3) } }
	for _, tc := range []struct {
		query   string
		want    []string
		ordered bool
	}{
		{"given=bea", ids(mod(0, 1)), false}, // a middle value and single ones
		{"given=ann", ids(mod(0, 2)), false}, // least values
		{"given=cid", ids(mod(0, 2)), false}, // greatest values
		{"given=bea&_total=accurate", ids(mod(0, 1)), false},
		{"given:exact=Bea03", []string{"Patient/p03"}, false},
		{"given:exact=Cid05", []string{"Patient/p05"}, false},
		{"given:exact=bea03", nil, false},
		{"given:contains=ea0", ids(func(i int) bool { return i < 10 && i%3 != 2 }), false},
		{"given:missing=false", ids(mod(0, 1, 2)), false},
		{"identifier=M3", []string{"Patient/p03"}, false}, // the middle of three
		{"identifier=M4", []string{"Patient/p04"}, false},
		{"identifier=A5", []string{"Patient/p05"}, false},
		{"identifier=Z6", []string{"Patient/p06"}, false},
		{"identifier=M5", nil, false},
		{"identifier=urn:s|Z8&_total=accurate", []string{"Patient/p08"}, false},
		{"identifier=M0,M3,A2,Z9&_total=accurate", []string{"Patient/p00", "Patient/p02", "Patient/p03", "Patient/p09"}, true},
		{"given=bea&identifier=M0,M3,M4", []string{"Patient/p00", "Patient/p03", "Patient/p04"}, false},
		// By least value: the AnnNN, then the BeaNN of the single ones.
		{"_sort=given", append(ids(mod(0, 2)), ids(mod(1))...), true},
		// By greatest: the CidNN descending, then the single BeaNN.
		{"_sort=-given", append(rev(ids(mod(0, 2))), rev(ids(mod(1)))...), true},
	} {
		checkMergedQuery(t, f, "Patient", tc.query, "5", tc.want, tc.ordered)
	}
}

// rev returns s reversed.
func rev(s []string) []string { s = slices.Clone(s); slices.Reverse(s); return s }

// entryTags returns the tags of js's entries of param, sorted.
func entryTags(t *testing.T, f *fixture, js, param string) string {
	var b []byte
	for _, en := range entriesOf(t, f.e, js) {
		if en.Param == param {
			b = append(b, en.Value[0])
		}
	}
	return sortedBytes(string(b))
}

// checkMergedQuery runs typ?query with pages of count: the materialised
// result is want (in order when ordered), the streaming pages agree with
// it, and a _total=accurate counts it.
func checkMergedQuery(t *testing.T, f *fixture, typ, query, count string, want []string, ordered bool) {
	t.Helper()
	t.Run(typ+"?"+query, func(t *testing.T) {
		params, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		params.Set("_count", count)
		req := Request{ResourceType: typ, Params: params}
		got := materialised(t, f, req)
		if !ordered {
			got, want = sorted(got), sorted(want)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got  %v\nwant %v", got, want)
		}
		walkPages(t, f, req, materialised(t, f, req))
		if strings.Contains(query, "_total=accurate") {
			if r := searchReq(t, f, req); r.Total != len(want) {
				t.Errorf("total %d, want %d", r.Total, len(want))
			}
		}
	})
}
