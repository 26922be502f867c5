package search

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirpath"
)

// TestEveryExpressionEvaluatesOverExamples evaluates every parameter of
// every example's type and requires no evaluation error; it also reports
// how many parameters found a value somewhere, so a regression that silently
// indexes nothing shows up as a drop in that figure.
func TestEveryExpressionEvaluatesOverExamples(t *testing.T) {
	for _, v := range []*defs.Version{defs.R4, defs.STU3} {
		t.Run(v.Name, func(t *testing.T) {
			e := mustEngine(t, v, nil)
			dir := filepath.Join(packagesDir(t), map[string]string{"R4": "r4", "STU3": "stu3"}[v.Name], "package")
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			found := map[string]bool{}
			evaluated := map[string]bool{}
			failures := 0
			for _, file := range files {
				b, err := os.ReadFile(file)
				if err != nil || len(b) > 1<<20 {
					continue
				}
				res, err := fhirjson.Parse(b)
				if err != nil {
					continue
				}
				typ := res.Str("resourceType")
				for _, p := range e.reg.params(typ) {
					if p.expr == nil {
						continue
					}
					evaluated[p.def.URL] = true
					items, err := p.expr.Evaluate(&fhirpath.Env{Resolve: e.resolveTypeOnly}, res, v)
					if err != nil {
						failures++
						if failures < 10 {
							t.Errorf("%s on %s: %v", p.def.URL, filepath.Base(file), err)
						}
						continue
					}
					if len(e.values(p, res.Str("id"), items, e.indexing(res))) > 0 {
						found[p.def.URL] = true
					}
				}
			}
			if failures > 0 {
				t.Errorf("%d evaluation failures", failures)
			}
			withExpr := 0
			for _, p := range e.reg.byURL {
				if p.expr != nil {
					withExpr++
				}
			}
			t.Logf("%s: %d parameters with expressions, %d evaluated over examples, %d produced index values",
				v.Name, withExpr, len(evaluated), len(found))
			if len(found) < len(evaluated)/2 {
				t.Errorf("only %d of %d parameters produced values", len(found), len(evaluated))
			}
		})
	}
}

func TestExtractEntries(t *testing.T) {
	e := mustEngine(t, defs.R4, nil)
	e.opts.BaseURL = testBase
	res, err := fhirjson.Parse([]byte(`{"resourceType":"Observation","id":"o1",
		"status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"15074-8","display":"Glucose"}],"text":"Blood Glücose"},
		"subject":{"reference":"` + testBase + `/Patient/p1/_history/3"},
		"effectiveDateTime":"2013-04-02",
		"valueQuantity":{"value":6.30,"unit":"mmol/l","system":"http://unitsofmeasure.org","code":"mmol/L"}}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.IndexEntries("Observation", res)
	if err != nil {
		t.Fatal(err)
	}
	has := func(param string, value []byte) bool {
		for _, r := range raw {
			if r.Param == param && bytes.Equal(r.Value, value) {
				return true
			}
		}
		return false
	}
	d, _ := parseDecimal("6.3")
	dr, _ := parseDateRange("2013-04-02")
	want := []struct {
		param string
		value []byte
	}{
		{"code", appendStr(appendStr([]byte{'c'}, "http://loinc.org"), "15074-8")},
		{"code", appendStr([]byte{'t'}, "glucose")},
		{"code", appendStr([]byte{'t'}, "blood glucose")},
		{"subject", appendStr([]byte{'r'}, "Patient/p1")},
		{"subject", appendStr(appendStr([]byte{'d'}, "p1"), "Patient")},
		{"subject", appendStr(appendStr([]byte{'f'}, "o1"), "Patient/p1")},
		{"patient", appendStr([]byte{'r'}, "Patient/p1")},
		{"value-quantity", append(appendStr(appendStr([]byte{'u'}, "http://unitsofmeasure.org"), "mmol/L"), appendDecimal(nil, d)...)},
		{"value-quantity", append(appendStr([]byte{'U'}, "mmol/l"), appendDecimal(nil, d)...)},
		{"_id", append([]byte{tagSortOne}, appendStr(nil, "o1")...)},
		// One code: its code entry is merged, one entry for both directions.
		{"status", append([]byte{tagSortOne}, appendStr(nil, "final")...)},
		{"code", append([]byte{tagSortOne}, appendStr(nil, "15074-8")...)},
		// One date: its two entries merged, the start-first one sorting
		// ascending, the end-first one descending.
		{"date", appendDateKey(nil, tagSortMin, dr.low, dr.high)},
		{"date", appendDateKey(nil, tagSortMax, dr.high, dr.low)},
		// One quantity: its value's entry merged; its unit forms not.
		{"value-quantity", append([]byte{tagSortOne}, appendDecimal(nil, d)...)},
	}
	for _, w := range want {
		if !has(w.param, w.value) {
			t.Errorf("missing %s entry %q", w.param, w.value)
		}
	}
	// Per parameter with a value, one entry of tagSortOne, or one of
	// tagSortMin and one of tagSortMax; none for composites.
	tags := map[string]string{}
	for _, r := range raw {
		if r.Value[0] == tagSortMin || r.Value[0] == tagSortOne || r.Value[0] == tagSortMax {
			tags[r.Param] += string(r.Value[:1])
		}
	}
	for p, got := range tags {
		if e.reg.lookup("Observation", p).typ == "composite" {
			t.Errorf("composite %s has sort entries %q: it cannot be sorted on", p, got)
		} else if got = sortedBytes(got); got != "~" && got != "}\x7f" {
			t.Errorf("%s has sort entries %q, want \"~\" or \"}\\x7f\"", p, got)
		}
	}
	for _, p := range []string{"code", "status", "subject", "value-quantity"} {
		if tags[p] != "~" {
			t.Errorf("%s (one value) has sort entries %q", p, tags[p])
		}
	}
	if got := sortedBytes(tags["date"]); got != "}\x7f" {
		t.Errorf("date has sort entries %q", got)
	}
	for _, r := range raw {
		if t0 := r.Value[0]; (t0 == 'k' || t0 == 'l' || t0 == 'h' || t0 == 'q') && (r.Param == "status" || r.Param == "code" || r.Param == "date" || r.Param == "value-quantity") {
			t.Errorf("%s: unmerged entry %q of a single value", r.Param, r.Value)
		}
	}
	// status and _id never have a system (systemless.go): no code-and-system
	// entries; code, a CodeableConcept, has one.
	for _, r := range raw {
		if r.Value[0] == 'c' && (r.Param == "status" || r.Param == "_id") {
			t.Errorf("%s: code-and-system entry %q of a systemless parameter", r.Param, r.Value)
		}
	}
	if _, err := e.IndexEntries("NoSuchType", res); err == nil {
		t.Errorf("unknown type accepted")
	}
}

func sortedBytes(s string) string {
	b := []byte(s)
	slices.Sort(b)
	return string(b)
}

// TestParamEntries: one parameter's entries are exactly those the whole
// extraction gives it (a union such as combo-code: its sort entries only); a
// parameter read from another's key (R4 Patient phonetic, from name) writes
// none; unknown types and parameters are errors.
func TestParamEntries(t *testing.T) {
	e := mustEngine(t, defs.R4, nil)
	js := `{"resourceType":"Observation","id":"o1","meta":{"lastUpdated":"2026-11-21T18:01:32.607670Z"},
		"status":"final","code":{"coding":[{"system":"http://loinc.org","code":"15074-8"}],"text":"Glucose"},
		"effectiveDateTime":"2013-04-02"}`
	res, err := fhirjson.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	all := entriesOf(t, e, js)
	for _, code := range []string{"_lastUpdated", "code", "date", "status", "combo-code", "subject"} {
		var want []string
		for _, en := range all {
			if en.Param == code {
				want = append(want, string(en.Value))
			}
		}
		got, err := e.ParamEntries("Observation", code, res)
		if err != nil {
			t.Fatal(err)
		}
		var gotValues []string
		for _, en := range got {
			if en.Param != code {
				t.Errorf("%s: an entry of %s", code, en.Param)
			}
			gotValues = append(gotValues, string(en.Value))
		}
		slices.Sort(want)
		slices.Sort(gotValues)
		if !slices.Equal(gotValues, want) {
			t.Errorf("%s: %q, want %q", code, gotValues, want)
		}
		if code == "_lastUpdated" || code == "code" {
			if len(got) == 0 {
				t.Errorf("%s: no entries", code)
			}
		}
	}
	p, err := fhirjson.Parse([]byte(`{"resourceType":"Patient","id":"p","name":[{"family":"Smith"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.ParamEntries("Patient", "phonetic", p); err != nil || len(got) != 0 {
		t.Errorf("phonetic (read from name's entries): %d entries, %v", len(got), err)
	}
	if _, err := e.ParamEntries("Patient", "no-such-param", p); err == nil {
		t.Error("unknown parameter: no error")
	}
	if _, err := e.ParamEntries("NoSuchType", "_id", p); err == nil {
		t.Error("unknown type: no error")
	}

	// LastUpdatedEntries encodes the instant as evaluating the parameter
	// over the stamped resource does.
	var want []string
	for _, en := range all {
		if en.Param == "_lastUpdated" {
			want = append(want, string(en.Value))
		}
	}
	for _, typ := range []string{"Observation", "Patient", "Binary"} {
		got, err := e.LastUpdatedEntries(typ, "2026-11-21T18:01:32.607670Z")
		if err != nil {
			t.Fatal(err)
		}
		var gotValues []string
		for _, en := range got {
			if en.Param != "_lastUpdated" {
				t.Errorf("LastUpdatedEntries: an entry of %s", en.Param)
			}
			gotValues = append(gotValues, string(en.Value))
		}
		slices.Sort(gotValues)
		slices.Sort(want)
		if len(want) == 0 || !slices.Equal(gotValues, want) {
			t.Errorf("LastUpdatedEntries(%s) = %q, want %q", typ, gotValues, want)
		}
	}
	if _, err := e.LastUpdatedEntries("NoSuchType", "2026-11-21T18:01:32Z"); err == nil {
		t.Error("LastUpdatedEntries of an unknown type: no error")
	}
}
