package search

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestNewEngineDefaults(t *testing.T) {
	e := mustEngine(t, defs.R4, nil)
	if e.opts.DefaultCount != 20 || e.opts.MaxCount != 1000 || e.opts.MaxIncludes != 1000 {
		t.Errorf("defaults %+v", e.opts)
	}
	e2, err := NewEngine(defs.STU3, nil, Options{DefaultCount: 5, MaxCount: 50, MaxIncludes: 7})
	if err != nil || e2.opts.DefaultCount != 5 || e2.opts.MaxCount != 50 || e2.opts.MaxIncludes != 7 {
		t.Errorf("explicit options lost: %+v %v", e2.opts, err)
	}
}

// TestIndexEntriesMatchExtract: the exported entries are exactly the
// extracted ones, within storage's limits.
func TestIndexEntriesMatchExtract(t *testing.T) {
	e := mustEngine(t, defs.R4, nil)
	long := bytes.Repeat([]byte("x"), 10000)
	res, _ := fhirjson.Parse([]byte(`{"resourceType":"Patient","id":"p1","name":[{"family":"` + string(long) + `"}],"gender":"male"}`))
	entries, err := e.IndexEntries("Patient", res)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := e.IndexEntries("Patient", res)
	if len(entries) != len(raw) || len(entries) == 0 {
		t.Fatalf("%d entries, %d extracted", len(entries), len(raw))
	}
	for _, en := range entries {
		if len(en.Value) > 4096 || en.Param == "" {
			t.Errorf("entry %s has %d value bytes", en.Param, len(en.Value))
		}
	}
	if _, err := e.IndexEntries("NoSuchType", res); err == nil {
		t.Errorf("unknown type accepted")
	}
}

// TestIndexEntriesOwnTheirBytes: the entries of one resource are built in
// shared buffers (a value's key holds its sort key; a date's two entries,
// and a parameter's two sort entries, share one allocation), so writing
// into one entry's bytes must leave every other entry as it was — a
// sub-slice with room past its end would let an append overwrite its
// neighbour.
func TestIndexEntriesOwnTheirBytes(t *testing.T) {
	e := mustEngine(t, defs.R4, nil)
	for _, body := range []string{
		`{"resourceType":"Patient","id":"p1","active":true,"name":[{"family":"Bench","given":["Ann","Marie"]}],` +
			`"birthDate":"1980-04-12","gender":"female","address":[{"line":["1 St"],"city":"Town","postalCode":"3999"}],` +
			`"identifier":[{"system":"urn:s","value":"A"},{"system":"urn:t","value":"B"}]}`,
		`{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"},{"system":"urn:x","code":"w"}],"text":"Body weight"},` +
			`"effectivePeriod":{"start":"2020-01-01","end":"2020-02-01"},"valueQuantity":{"value":72.5,"system":"http://unitsofmeasure.org","code":"kg"}}`,
	} {
		res, err := fhirjson.Parse([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		entries, err := e.IndexEntries(res.Str("resourceType"), res)
		if err != nil {
			t.Fatal(err)
		}
		want := make([][]byte, len(entries))
		for i, en := range entries {
			want[i] = bytes.Clone(en.Value)
		}
		for i := range entries {
			// An append to the entry, as a caller building a key from it
			// would, and a write over its bytes.
			_ = append(entries[i].Value, 0xee, 0xee, 0xee, 0xee)
			for j := range entries[i].Value {
				entries[i].Value[j] ^= 0x55
			}
			for j, en := range entries {
				if j != i && !bytes.Equal(en.Value, want[j]) {
					t.Fatalf("%s: changing entry %d (%s %q) changed entry %d (%s): %q, was %q",
						res.Str("resourceType"), i, entries[i].Param, want[i], j, en.Param, en.Value, want[j])
				}
			}
			copy(entries[i].Value, want[i])
		}
	}
}

func TestMatchParsesLikeSearch(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	var got []string
	_, err := f.store.Write(t.Context(), func(tx *storage.Tx) error {
		var err error
		got, err = f.e.Match(t.Context(), tx, "Observation", url.Values{"code": {"1-1"}, "status": {"final"}})
		return err
	})
	if err != nil || len(got) != 1 || got[0] != "o1" {
		t.Fatalf("Match = %v, %v", got, err)
	}
	_, err = f.store.Write(t.Context(), func(tx *storage.Tx) error {
		_, err := f.e.Match(t.Context(), tx, "NoSuchType", url.Values{"x": {"1"}})
		return err
	})
	if err == nil {
		t.Errorf("unknown type accepted")
	}
}

// TestMatchIsStrict: conditional criteria refuse an unknown parameter
// instead of dropping it, which would match (and delete) more resources.
func TestMatchIsStrict(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	cases := []struct {
		name    string
		query   url.Values
		wantErr string
	}{
		{"misspelt beside a known one", url.Values{"status": {"final"}, "cdoe": {"1-1"}}, "cdoe"},
		{"only unknown", url.Values{"zz": {"1"}}, "zz"},
		{"all known", url.Values{"status": {"final"}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.store.Write(t.Context(), func(tx *storage.Tx) error {
				_, err := f.e.Match(t.Context(), tx, "Observation", tc.query)
				return err
			})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Match: %v", err)
				}
				return
			}
			var oe *outcome.Error
			if !errors.As(err, &oe) || oe.Status != 400 || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Match = %v, want a 400 naming %s", err, tc.wantErr)
			}
		})
	}
}

// TestSupports: what the engine claims to support is what a strict search
// accepts, so the CapabilityStatement cannot advertise a parameter that
// is then refused.
func TestSupports(t *testing.T) {
	for _, v := range []*defs.Version{defs.R4, defs.STU3} {
		e := smallStore(t, v).e
		for _, typ := range []string{"Patient", "Observation", "Location", "DocumentReference"} {
			for _, sp := range v.SearchParams(typ) {
				value := "x"
				switch sp.Type {
				case "date":
					value = "2020"
				case "number", "quantity":
					value = "1"
				case "composite":
					value = "x$x"
				case "special":
					value = "1|2|3|km"
				}
				params := url.Values{sp.Code: {value}}
				if sp.Code == nearDistanceParam {
					params.Set(nearParam, "1|2")
				}
				_, err := e.Search(t.Context(), Request{ResourceType: typ, Params: params, Strict: true})
				var oe *outcome.Error
				refused := errors.As(err, &oe) && oe.Issues[0].Code == outcome.CodeNotSupported
				if got := e.Supports(typ, sp.Code); got == refused {
					t.Errorf("%s %s %s: Supports = %v, strict search: %v", v.Name, typ, sp.Code, got, err)
				}
			}
		}
		for _, code := range []string{"_content", "_text", "_query", "no-such"} {
			if e.Supports("Patient", code) {
				t.Errorf("%s: Supports(Patient, %s) = true", v.Name, code)
			}
		}
	}
}
