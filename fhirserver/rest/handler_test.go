package rest

import (
	"net/http"
	"testing"
)

func TestSmoke(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			id := e.create("Patient", `{"resourceType":"Patient","name":[{"family":"Chalmers"}]}`)
			r := e.do("GET", "/fhir/Patient/"+id, "")
			if r.Status != http.StatusOK {
				t.Fatalf("read: %d %s", r.Status, r.Body)
			}
			t.Logf("%s %v", r.Body, r.Header)
		})
	}
}
