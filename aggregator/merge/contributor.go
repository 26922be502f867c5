package merge

import (
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Contributor is one upstream resource, as checked by aggregator/rules,
// with where it came from.
type Contributor struct {
	// Source is the source's name, Customer the customer it belongs to
	// (the code of its source-organization label), Base its FHIR base URL.
	Source, Customer, Base string
	// Type, ID and VersionID are the upstream resource's.
	Type, ID, VersionID string
	// LastUpdated is the upstream meta.lastUpdated: the most recent
	// contributor wins single-valued elements.
	LastUpdated time.Time
	Resource    *fhirjson.Value
}

// Member names one upstream resource: what a contributor is, whatever its
// version.
type Member struct {
	Source, Type, ID string
}

// Member returns the contributor's identity.
func (c Contributor) Member() Member { return Member{Source: c.Source, Type: c.Type, ID: c.ID} }

func (m Member) less(o Member) bool {
	if m.Source != o.Source {
		return m.Source < o.Source
	}
	if m.Type != o.Type {
		return m.Type < o.Type
	}
	return m.ID < o.ID
}

// SourceURL is where the contributor can be read at its source, version
// included: <base>/<Type>/<id>/_history/<v> (without the history part when
// the source gave no version).
func (c Contributor) SourceURL() string {
	u := strings.TrimSuffix(c.Base, "/") + "/" + c.Type + "/" + c.ID
	if c.VersionID != "" {
		u += "/_history/" + c.VersionID
	}
	return u
}

// mergedTypes are the types the platform merges across sources; every
// other type is copied.
var mergedTypes = map[string]bool{
	"Patient": true, "Person": true, "Practitioner": true, "Organization": true, "Medication": true,
}

// Merged reports whether typ is merged (true) or copied 1:1 (false).
func Merged(typ string) bool { return mergedTypes[typ] }
