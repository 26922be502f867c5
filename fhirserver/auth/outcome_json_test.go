package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

func TestEncodeValue(t *testing.T) {
	v := fhirjson.NewObject()
	v.Set("z", fhirjson.NewString("quote \" and <tag> and \u2028"))
	v.Set("a", fhirjson.NewNumber("1.50"))
	v.Set("b", fhirjson.NewArray(fhirjson.NewBool(true), &fhirjson.Value{Kind: fhirjson.Null}, fhirjson.NewObject()))
	got := string(encodeValue(v))
	want := `{"z":"quote \" and \u003ctag\u003e and \u2028","a":1.50,"b":[true,null,{}]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatal(err)
	}
}

func TestWriteOutcome(t *testing.T) {
	rec := httptest.NewRecorder()
	writeOutcome(rec, outcome.New(http.StatusForbidden, outcome.CodeForbidden, "", "no"))
	if rec.Code != 403 || rec.Header().Get("Content-Type") != "application/fhir+json; charset=utf-8" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	if rec.Body.String() != `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"forbidden","diagnostics":"no"}]}` {
		t.Fatalf("body %s", rec.Body)
	}
}
