package rest

import "testing"

// The CapabilityStatement names the definition of $changes; it must resolve.
func TestChangesDefinitionResolves(t *testing.T) {
	for _, ver := range versions {
		e := newEnv(t, ver)
		cs := e.do("GET", "/fhir/metadata", "").json(t)
		op := cs.Get("rest").Items[0].Get("operation").Items[0]
		ref := op.Str("definition")
		if ref == "" {
			ref = op.Get("definition").Str("reference")
		}
		r := e.follow(ref)
		if r.Status != 200 {
			t.Fatalf("%s: GET %s: %d %s", ver.Name, ref, r.Status, r.Body)
		}
		d := r.json(t)
		if d.Str("resourceType") != "OperationDefinition" || d.Str("code") != "changes" || d.Str("url") != ref {
			t.Errorf("%s: %s", ver.Name, r.Body)
		}
	}
}
