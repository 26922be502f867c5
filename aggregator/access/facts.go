package access

import (
	"fmt"
	"slices"
	"sync"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// facts are what the rule reads of one version of a resource. A version
// never changes, so they are worked out once (a parse and a few FHIRPath
// evaluations, most of a decision's cost) and kept by version across
// requests; what changes — a new version, a Patient gaining a contributor —
// is a new key.
type facts struct {
	// owners are the Patients whose compartment holds the version.
	owners []string
	// orgs are its source-organization codes, labels its privacy labels.
	orgs, labels []string
	// customers, of a Patient, are the customers of its contributors.
	customers []string
}

// factsOf reads the facts of a parsed resource of typ.
func factsOf(engine *search.Engine, typ string, res *fhirjson.Value) *facts {
	f := &facts{owners: engine.CompartmentOwners("Patient", typ, res)}
	for _, c := range securityCodings(res) {
		switch c.Str("system") {
		case rules.SourceOrganizationSystem:
			f.orgs = append(f.orgs, c.Str("code"))
		case PrivacyLabelSystem:
			f.labels = append(f.labels, c.Str("code"))
		}
	}
	if typ == "Patient" {
		f.customers = append(contributorCustomers(res), f.orgs...)
		slices.Sort(f.customers)
		f.customers = slices.Compact(f.customers)
	}
	return f
}

// contributorCustomers are the customers named by a merged resource's
// contributor extensions.
func contributorCustomers(res *fhirjson.Value) []string {
	meta := res.Get("meta")
	if meta == nil {
		return nil
	}
	ext := meta.Get("extension")
	if ext == nil || ext.Kind != fhirjson.Array {
		return nil
	}
	var out []string
	for _, e := range ext.Items {
		if e.Str("url") != merge.ContributorExtensionURL {
			continue
		}
		if sub := e.Get("extension"); sub != nil && sub.Kind == fhirjson.Array {
			for _, s := range sub.Items {
				if s.Str("url") == "customer" && s.Str("valueString") != "" {
					out = append(out, s.Str("valueString"))
				}
			}
		}
	}
	return out
}

// securityCodings are the codings of meta.security.
func securityCodings(res *fhirjson.Value) []*fhirjson.Value {
	meta := res.Get("meta")
	if meta == nil || meta.Kind != fhirjson.Object {
		return nil
	}
	sec := meta.Get("security")
	if sec == nil || sec.Kind != fhirjson.Array {
		return nil
	}
	return sec.Items
}

// maxFacts bounds the cache: about 200 bytes each, so some 10 MB.
const maxFacts = 50000

type factKey struct {
	typ, id string
	version int64
}

// factCache keeps facts by version. When full it drops an arbitrary half
// (Go's map order), which keeps it simple and bounded; a dropped entry is
// only worked out again.
type factCache struct {
	mu sync.Mutex
	m  map[factKey]*facts
}

// lookup returns the cached facts of a version.
func (c *factCache) lookup(typ, id string, version int64) (*facts, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.m[factKey{typ, id, version}]
	return f, ok
}

// get returns the facts of a live version, working them out on a miss.
func (c *factCache) get(engine *search.Engine, rec *storage.Record) (*facts, error) {
	if f, ok := c.lookup(rec.Type, rec.ID, rec.VersionID); ok {
		return f, nil
	}
	k := factKey{rec.Type, rec.ID, rec.VersionID}
	res, err := fhirjson.Parse(rec.JSON)
	if err != nil {
		return nil, fmt.Errorf("access: parse %s/%s: %w", rec.Type, rec.ID, err)
	}
	f := factsOf(engine, rec.Type, res)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[factKey]*facts{}
	}
	if len(c.m) >= maxFacts {
		n := 0
		for old := range c.m {
			if n >= maxFacts/2 {
				break
			}
			delete(c.m, old)
			n++
		}
	}
	c.m[k] = f
	return f, nil
}
