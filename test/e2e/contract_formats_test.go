package e2e

import (
	"slices"
	"strings"
	"testing"
)

// Issue 3, "Formats", and issue 2's syntax validation as a client meets it:
// the media types, _format, _pretty, _summary and _elements, 415/406 for XML,
// 413 and the nesting limit, and the OperationOutcome expression of every
// invalid write.

func TestContractMediaTypes(t *testing.T) {
	cases := []struct {
		version string
		accept  string // Accept header; "" leaves the client's default
		query   string
		status  int
	}{
		{"R4", "application/fhir+json", "", 200},
		{"R4", "application/json", "", 200},
		{"R4", "application/fhir+json; fhirVersion=4.0", "", 200},
		{"R4", "application/fhir+json; fhirVersion=3.0", "", 406},
		{"R4", "application/fhir+xml", "", 406},
		{"R4", "application/xml", "", 406},
		{"R4", "*/*", "", 200},
		{"R4", "", "?_format=json", 200},
		{"R4", "", "?_format=application/fhir%2Bjson", 200},
		{"R4", "", "?_format=xml", 406},
		{"STU3", "application/fhir+json; fhirVersion=3.0", "", 200},
		{"STU3", "application/json+fhir", "", 200}, // the DSTU2-era type STU3 clients still send
		{"STU3", "application/fhir+json; fhirVersion=4.0", "", 406},
		{"STU3", "application/fhir+xml", "", 406},
	}
	servers := map[string]*contractServer{"R4": startContract(t, "R4"), "STU3": startContract(t, "STU3")}
	ids := map[string]string{}
	for v, cs := range servers {
		ids[v] = cs.create(t, "Patient", `{"resourceType":"Patient"}`)
	}
	for _, tc := range cases {
		t.Run(tc.version+" "+tc.accept+tc.query, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.accept != "" {
				hdr["Accept"] = tc.accept
			}
			r := servers[tc.version].call(t, "GET", "/Patient/"+ids[tc.version]+tc.query, "", hdr)
			if tc.status != 200 {
				wantOutcome(t, r, tc.status, "")
				return
			}
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/fhir+json") {
				t.Fatalf("status %d Content-Type %q", r.Status, r.Header.Get("Content-Type"))
			}
		})
	}
	bodies := []struct {
		ctype  string
		status int
	}{
		{"application/fhir+json", 201},
		{"application/json", 201},
		{"application/fhir+json; fhirVersion=4.0", 201},
		{"application/fhir+json; fhirVersion=3.0", 415},
		{"application/fhir+xml", 415},
		{"application/xml", 415},
		{"text/plain", 415},
	}
	for _, tc := range bodies {
		t.Run("R4 body "+tc.ctype, func(t *testing.T) {
			r := servers["R4"].call(t, "POST", "/Patient", `{"resourceType":"Patient"}`, map[string]string{"Content-Type": tc.ctype})
			if tc.status != 201 {
				wantOutcome(t, r, tc.status, "")
				return
			}
			if r.Status != 201 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
		})
	}
}

func TestContractReadShaping(t *testing.T) {
	cs := startContract(t, "R4")
	id := cs.create(t, "Patient", `{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},"gender":"female","birthDate":"1990-01-01","name":[{"family":"Doe"}],"photo":[{"contentType":"image/png"}]}`)
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	cases := []struct {
		query string
		want  []string // top-level keys
	}{
		{"", []string{"birthDate", "gender", "id", "meta", "name", "photo", "resourceType", "text"}},
		{"?_summary=true", []string{"birthDate", "gender", "id", "meta", "name", "resourceType"}},
		{"?_summary=false", []string{"birthDate", "gender", "id", "meta", "name", "photo", "resourceType", "text"}},
		{"?_summary=text", []string{"id", "meta", "resourceType", "text"}},
		{"?_summary=data", []string{"birthDate", "gender", "id", "meta", "name", "photo", "resourceType"}},
		{"?_elements=gender,name", []string{"gender", "id", "meta", "name", "resourceType"}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			r := cs.call(t, "GET", "/Patient/"+id+tc.query, "", nil)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if got := keys(jsonOf(t, r)); !slices.Equal(got, tc.want) {
				t.Fatalf("keys %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("_summary=bogus", func(t *testing.T) {
		wantOutcome(t, cs.call(t, "GET", "/Patient/"+id+"?_summary=bogus", "", nil), 400, "")
	})
	t.Run("_pretty", func(t *testing.T) {
		r := cs.call(t, "GET", "/Patient/"+id+"?_pretty=true", "", nil)
		if !strings.Contains(string(r.Body), "\n  \"resourceType\": \"Patient\"") {
			t.Fatalf("_pretty=true is not indented: %.80s", r.Body)
		}
		if r := cs.call(t, "GET", "/Patient/"+id, "", nil); strings.Contains(string(r.Body), "\n") {
			t.Fatalf("default output is indented")
		}
	})
}

func TestContractSyntaxValidation(t *testing.T) {
	cs := startContract(t, "R4")
	cases := []struct {
		name, typ, body string
		expression      string // the first issue's expression; "" for body-level errors
	}{
		{"unknown nested property", "Patient", `{"resourceType":"Patient","name":[{"given":["a"],"foo":1}]}`, "Patient.name[0].foo"},
		{"empty string in array", "Patient", `{"resourceType":"Patient","name":[{"given":["a",""]}]}`, "Patient.name[0].given[1]"},
		{"array for max 1", "Patient", `{"resourceType":"Patient","gender":["male"]}`, "Patient.gender"},
		{"single for max *", "Patient", `{"resourceType":"Patient","name":{"family":"x"}}`, "Patient.name"},
		{"min cardinality", "Observation", `{"resourceType":"Observation","code":{"text":"x"}}`, "Observation.status"},
		{"bad date", "Patient", `{"resourceType":"Patient","birthDate":"1970-13-01"}`, "Patient.birthDate"},
		{"bad lastUpdated", "Patient", `{"resourceType":"Patient","meta":{"lastUpdated":"yesterday"}}`, "Patient.meta.lastUpdated"},
		{"empty object", "Patient", `{"resourceType":"Patient","meta":{}}`, "Patient.meta"},
		{"null", "Patient", `{"resourceType":"Patient","gender":null}`, "Patient.gender"},
		{"empty array", "Patient", `{"resourceType":"Patient","name":[]}`, "Patient.name"},
		{"boolean as string", "Patient", `{"resourceType":"Patient","active":"true"}`, "Patient.active"},
		{"integer as decimal", "Patient", `{"resourceType":"Patient","multipleBirthInteger":1.5}`, "Patient.multipleBirthInteger"},
		{"extension without url", "Patient", `{"resourceType":"Patient","extension":[{"valueString":"a"}]}`, "Patient.extension[0].url"},
		{"contained validated as its type", "Patient", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","foo":1}]}`, "Patient.contained[0].foo"},
		{"bad primitive extension sibling", "Patient", `{"resourceType":"Patient","_gender":{"foo":1}}`, "Patient.gender.foo"},
		{"unknown resourceType", "Patient", `{"resourceType":"Foo"}`, "resourceType"},
		{"no resourceType", "Patient", `{"gender":"male"}`, "resourceType"},
		{"not JSON", "Patient", `{"resourceType":"Patient",`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			oo := wantOutcome(t, cs.call(t, "POST", "/"+tc.typ, tc.body, nil), 400, "")
			exprs := issueExpressions(oo)
			if tc.expression == "" {
				return
			}
			if len(exprs) == 0 || exprs[0] != tc.expression {
				t.Fatalf("expression %v, want %s", exprs, tc.expression)
			}
		})
	}
	accepted := []struct{ name, typ, body string }{
		{"byte-order mark", "Patient", "\ufeff" + `{"resourceType":"Patient"}`},
		{"primitive extensions aligned with null", "Patient", `{"resourceType":"Patient","name":[{"given":["a",null],"_given":[null,{"extension":[{"url":"http://x","valueString":"y"}]}]}]}`},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			if r := cs.call(t, "POST", "/"+tc.typ, tc.body, nil); r.Status != 201 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
		})
	}
	t.Run("duplicate key", func(t *testing.T) {
		wantOutcome(t, cs.call(t, "POST", "/Patient", `{"resourceType":"Patient","gender":"male","gender":"female"}`, nil), 400, "structure")
	})
	t.Run("invalid UTF-8", func(t *testing.T) {
		wantOutcome(t, cs.call(t, "POST", "/Patient", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"\xff\xfe\"}]}", nil), 400, "")
	})
	t.Run("decimal kept as written", func(t *testing.T) {
		r := cs.call(t, "POST", "/Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.50}}`, nil)
		if r.Status != 201 || !strings.Contains(string(r.Body), `"value":1.50}`) {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		id := jsonOf(t, r)["id"].(string)
		if r := cs.call(t, "GET", "/Observation/"+id, "", nil); !strings.Contains(string(r.Body), `"value":1.50}`) {
			t.Fatalf("read back: %s", r.Body)
		}
	})
	t.Run("one issue per problem, capped", func(t *testing.T) {
		oo := wantOutcome(t, cs.call(t, "POST", "/Patient", `{"resourceType":"Patient","birthDate":"abc","foo":1,"name":[{"given":[""]}]}`, nil), 400, "")
		if got := issueExpressions(oo); !sameSet(got, []string{"Patient.birthDate", "Patient.foo", "Patient.name[0].given[0]"}) {
			t.Errorf("expressions %v", got)
		}
		many := `{"resourceType":"Patient","name":[{"given":[` + strings.Repeat(`"",`, 499) + `""]}]}`
		oo = wantOutcome(t, cs.call(t, "POST", "/Patient", many, nil), 400, "")
		if n := len(oo["issue"].([]any)); n >= 500 || n < 2 {
			t.Errorf("500 problems gave %d issues, want a cap", n)
		}
	})
	t.Run("nesting deeper than the limit", func(t *testing.T) {
		deep := `{"resourceType":"Patient","extension":[` + strings.Repeat(`{"url":"http://x","extension":[`, 70) +
			`{"url":"y","valueString":"z"}` + strings.Repeat(`]}`, 70) + `]}`
		wantOutcome(t, cs.call(t, "POST", "/Patient", deep, nil), 400, "")
	})
	t.Run("body larger than the limit", func(t *testing.T) {
		srv := startContract(t, "R4", "--max-body-bytes", "4096")
		big := `{"resourceType":"Patient","name":[{"family":"` + strings.Repeat("a", 5000) + `"}]}`
		wantOutcome(t, srv.call(t, "POST", "/Patient", big, nil), 413, "")
	})
}
