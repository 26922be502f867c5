package merge

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// Copy returns the downstream copy of a contributor of a copied type, with
// the downstream id (CopyID): the resource as it came, with meta.source
// naming the exact upstream version and a source-organization label for
// its customer in meta.security. meta.versionId and meta.lastUpdated are
// dropped, since the downstream store stamps its own. References are left
// alone (RewriteReferences does them). The contributor's resource is not
// changed.
func Copy(c Contributor, id string) *fhirjson.Value {
	res := c.Resource.Clone()
	res.Set("id", fhirjson.NewString(id))
	meta := res.Get("meta")
	if meta == nil || meta.Kind != fhirjson.Object {
		meta = fhirjson.NewObject()
	}
	meta.Delete("versionId")
	meta.Delete("lastUpdated")
	meta.Set("source", fhirjson.NewString(c.SourceURL()))
	sec := meta.Get("security")
	if sec == nil || sec.Kind != fhirjson.Array {
		sec = fhirjson.NewArray()
	}
	if c.Customer != "" {
		sec.Items = append(sec.Items, sourceLabel(c.Customer))
	}
	if len(sec.Items) > 0 {
		meta.Set("security", sec)
	}
	res.Set("meta", meta)
	return res
}
