package validation

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

var bothVersions = []*defs.Version{defs.R4, defs.STU3}

// TestValidAccepted holds documents that use the corners of the format
// correctly; each must pass in both versions.
func TestValidAccepted(t *testing.T) {
	docs := map[string]string{
		"minimal patient": `{"resourceType":"Patient"}`,
		"primitive extension only": `{"resourceType":"Patient",
			"_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}}`,
		"value and extension": `{"resourceType":"Patient","birthDate":"1970-01","_birthDate":{"id":"b1"}}`,
		"aligned arrays with nulls": `{"resourceType":"Patient","name":[{"given":["A",null,"C"],
			"_given":[null,{"extension":[{"url":"http://x.org/e","valueString":"B"}]},{"id":"g3"}]}]}`,
		"extension array alone":      `{"resourceType":"Patient","name":[{"_given":[{"id":"a"},{"id":"b"}]}]}`,
		"decimal kept":               `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.50}}`,
		"decimal of the most digits": `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1` + strings.Repeat("0", 3999) + `}}`,
		"contained and nested extension": `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o1","name":"Org"}],
			"managingOrganization":{"reference":"#o1"},
			"extension":[{"url":"http://x.org/a","extension":[{"url":"b","valueBoolean":true}]}]}`,
		"bundle with resources": `{"resourceType":"Bundle","type":"transaction","entry":[
			{"resource":{"resourceType":"Patient","active":true},"request":{"method":"POST","url":"Patient"}},
			{"resource":{"resourceType":"Bundle","type":"collection"},"request":{"method":"POST","url":"Bundle"}}]}`,
		"parameters resource": `{"resourceType":"Parameters","parameter":[{"name":"p","resource":{"resourceType":"Patient"}},
			{"name":"q","valueInteger":-2147483648}]}`,
		"whitespace-only string is a string": `{"resourceType":"Patient","name":[{"text":"  "}]}`,
		"byte-order mark":                    "\xEF\xBB\xBF{\"resourceType\":\"Patient\"}",
	}
	for name, doc := range docs {
		for _, v := range bothVersions {
			t.Run(v.Name+"/"+name, func(t *testing.T) {
				res, oe := Validate(v, []byte(doc))
				if oe != nil {
					t.Fatalf("rejected: %v", oe)
				}
				if res.Str("resourceType") == "" {
					t.Error("no parsed resource returned")
				}
			})
		}
	}
}

type mutation struct {
	name string
	doc  string
	// expr is the exact expression of the single issue expected ("" for
	// none), code its issue code.
	expr string
	code outcome.Code
	// only restricts the case to one version ("R4" or "STU3").
	only string
}

// mutations are every invalid document of walk_test.go and
// walk_values_test.go.
var mutations = append(append([]mutation{}, objectMutations...), valueMutations...)

// TestInvalidMutationsRejected runs every mutation against both versions.
func TestInvalidMutationsRejected(t *testing.T) {
	for _, m := range mutations {
		for _, v := range bothVersions {
			if m.only != "" && m.only != v.Name {
				continue
			}
			t.Run(v.Name+"/"+m.name, func(t *testing.T) {
				res, oe := Validate(v, []byte(m.doc))
				if oe == nil {
					t.Fatalf("accepted")
				}
				if res != nil {
					t.Error("a resource was returned with the error")
				}
				if oe.Status != http.StatusBadRequest {
					t.Errorf("status %d, want 400", oe.Status)
				}
				if len(oe.Issues) != 1 {
					t.Fatalf("want exactly one issue, got %d: %v", len(oe.Issues), oe)
				}
				is := oe.Issues[0]
				var expr string
				if len(is.Expression) > 0 {
					expr = is.Expression[0]
				}
				if expr != m.expr || is.Code != m.code || is.Severity != outcome.SeverityErr {
					t.Errorf("got %s %s at %q (%s); want %s at %q", is.Severity, is.Code, expr, is.Diagnostics, m.code, m.expr)
				}
				if len(is.Diagnostics) < 15 {
					t.Errorf("diagnostics too thin: %q", is.Diagnostics)
				}
			})
		}
	}
}

func TestSyntaxErrorsAre400(t *testing.T) {
	for _, doc := range []string{``, `{`, `{"resourceType":"Patient",}`, `{"resourceType":"Patient","id":"a","id":"b"}`, "{\"resourceType\":\"\xff\"}"} {
		_, oe := Validate(defs.R4, []byte(doc))
		if oe == nil || oe.Status != http.StatusBadRequest || len(oe.Issues) != 1 || oe.Issues[0].Code != outcome.CodeStructure {
			t.Errorf("%q: got %v", doc, oe)
			continue
		}
		if !strings.Contains(oe.Issues[0].Diagnostics, "line 1") {
			t.Errorf("%q: diagnostics lack the position: %s", doc, oe.Issues[0].Diagnostics)
		}
	}
	_, oe := Validate(defs.R4, []byte(`{"resourceType":"Patient","name":[{"family":"a","family":"b"}]}`))
	if oe == nil || !strings.Contains(oe.Issues[0].Diagnostics, `duplicate key "family"`) || !strings.Contains(oe.Issues[0].Diagnostics, "name[0]") {
		t.Errorf("duplicate key not reported with key and path: %v", oe)
	}
}

func TestIssuesAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Patient"`)
	for i := 0; i < 3*DefaultMaxIssues; i++ {
		b.WriteString(`,"x`)
		b.WriteString(strings.Repeat("y", i))
		b.WriteString(`":1`)
	}
	b.WriteString("}")
	_, oe := Validate(defs.R4, []byte(b.String()))
	if oe == nil || len(oe.Issues) != DefaultMaxIssues+1 {
		t.Fatalf("want %d issues, got %v", DefaultMaxIssues+1, oe)
	}
	last := oe.Issues[DefaultMaxIssues]
	if last.Severity != outcome.Information || !strings.Contains(last.Diagnostics, "only the first") {
		t.Errorf("last issue does not say more were omitted: %+v", last)
	}
}

func TestSeveralIssuesReported(t *testing.T) {
	_, oe := Validate(defs.R4, []byte(`{"resourceType":"Observation","foo":1,"code":{"text":""},"valueQuantity":{"value":"x"}}`))
	if oe == nil {
		t.Fatal("accepted")
	}
	var got []string
	for _, is := range oe.Issues {
		got = append(got, is.Expression[0])
	}
	want := []string{"Observation.foo", "Observation.code.text", "Observation.valueQuantity.value", "Observation.status"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("issues at %v, want %v", got, want)
	}
}

func TestForSharesValidators(t *testing.T) {
	a, err := For(defs.R4)
	if err != nil {
		t.Fatal(err)
	}
	b, err := For(defs.R4)
	if err != nil || a != b {
		t.Error("For(R4) does not return the shared validator")
	}
	if s, err := For(defs.STU3); err != nil || s == a {
		t.Errorf("For(STU3) = %p, %v", s, err)
	}
	if _, err := For(nil); err == nil {
		t.Error("For(nil) gave no error")
	}
	if _, oe := Validate(nil, []byte(`{"resourceType":"Patient"}`)); oe == nil || oe.Status != http.StatusInternalServerError {
		t.Errorf("Validate(nil, …) = %v, want a 500", oe)
	}
}

func TestValidateOwned(t *testing.T) {
	body := []byte(`{"resourceType":"Patient","name":[{"family":"Chalmers"}]}`)
	res, oe := ValidateOwned(defs.R4, body)
	if oe != nil || res.Get("name").Items[0].Str("family") != "Chalmers" {
		t.Fatalf("got %v, %v", res, oe)
	}
	if _, oe := ValidateOwned(defs.STU3, []byte(`{"resourceType":"Patient","foo":1}`)); oe == nil || oe.Issues[0].Expression[0] != "Patient.foo" {
		t.Errorf("invalid body: %v", oe)
	}
	if _, oe := ValidateOwned(nil, body); oe == nil {
		t.Error("no version accepted")
	}
}

func TestValidateInArena(t *testing.T) {
	val, err := For(defs.R4)
	if err != nil {
		t.Fatal(err)
	}
	var a fhirjson.Arena
	for _, tc := range []struct {
		body, wantExpr string
	}{
		{`{"resourceType":"Patient","name":[{"family":"Chalmers","given":["P\u00e9ter"]}]}`, ""},
		{`{"resourceType":"Patient","foo":1}`, "Patient.foo"},
		{`{"resourceType":"Observation","status":"final","code":{"text":"w"},"valueQuantity":{"value":"x"}}`, "Observation.valueQuantity.value"},
		{`{"resourceType":"Patient","name":[{"family":"Chalmers"}]}`, ""},
	} {
		want, wantOE := val.Validate([]byte(tc.body))
		got, gotOE := val.ValidateIn(&a, []byte(tc.body))
		if (gotOE == nil) != (tc.wantExpr == "") || (wantOE == nil) != (gotOE == nil) {
			t.Fatalf("%s: arena %v, plain %v", tc.body, gotOE, wantOE)
		}
		if gotOE != nil {
			if e := gotOE.Issues[0].Expression; len(e) == 0 || e[0] != tc.wantExpr {
				t.Errorf("%s: expression %v, want %s", tc.body, e, tc.wantExpr)
			}
		} else if !got.Equal(want) {
			t.Errorf("%s: arena tree %s differs", tc.body, fhirjson.Marshal(got))
		}
		a.Reset()
	}
}

func TestValidateValueFunction(t *testing.T) {
	if oe := ValidateValue(defs.STU3, nil); oe == nil || oe.Issues[0].Code != outcome.CodeStructure {
		t.Errorf("nil resource: %v", oe)
	}
	if oe := ValidateValue(defs.R4, fhirjsonPatient()); oe != nil {
		t.Errorf("built Patient rejected: %v", oe)
	}
}

func fhirjsonPatient() *fhirjson.Value {
	p := fhirjson.NewObject()
	p.Set("resourceType", fhirjson.NewString("Patient"))
	p.Set("active", fhirjson.NewBool(true))
	return p
}

// TestConcurrentUse validates from several goroutines at once through the
// shared validators; run with -race it shows they are read-only.
func TestConcurrentUse(t *testing.T) {
	done := make(chan string)
	for g := 0; g < 4; g++ {
		go func(g int) {
			v := bothVersions[g%2]
			for _, m := range mutations[g*10 : g*10+10] {
				if _, oe := Validate(v, []byte(m.doc)); oe == nil && (m.only == "" || m.only == v.Name) {
					done <- m.name + " accepted"
					return
				}
			}
			if _, oe := Validate(v, []byte(`{"resourceType":"Patient","name":[{"given":["A"]}]}`)); oe != nil {
				done <- oe.Error()
				return
			}
			done <- ""
		}(g)
	}
	for g := 0; g < 4; g++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
