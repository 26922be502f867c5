package repository

import (
	"crypto/rand"
	"encoding/base32"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// setIdentity stamps the server-owned elements: id, meta.versionId and
// meta.lastUpdated, placing id and meta right after resourceType as every
// FHIR server writes them (readers find them without scanning).
func setIdentity(v *fhirjson.Value, id string, versionID string, lastUpdated time.Time) {
	meta := v.Get("meta")
	if meta == nil || meta.Kind != fhirjson.Object {
		meta = fhirjson.NewObject()
	}
	meta.Delete("versionId")
	meta.Delete("lastUpdated")
	meta.Members = append([]fhirjson.Member{
		{Name: "versionId", Value: fhirjson.NewString(versionID)},
		{Name: "lastUpdated", Value: fhirjson.NewString(FormatInstant(lastUpdated))},
	}, meta.Members...)
	out := make([]fhirjson.Member, 0, len(v.Members)+2)
	rt := v.Get("resourceType")
	out = append(out, fhirjson.Member{Name: "resourceType", Value: rt},
		fhirjson.Member{Name: "id", Value: fhirjson.NewString(id)},
		fhirjson.Member{Name: "meta", Value: meta})
	for _, m := range v.Members {
		switch m.Name {
		case "resourceType", "id", "meta", "_id":
			continue
		}
		out = append(out, m)
	}
	v.Members = out
}

// FormatInstant writes a FHIR instant with the store's microsecond precision.
func FormatInstant(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}

// idEncoding writes ids in lower-case base32: letters and digits only, so
// they are valid FHIR ids and safe in URLs.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a fresh server-assigned id: 80 random bits, 16 characters,
// so ids never collide in practice and say nothing about volumes.
func newID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

// IsServerID reports whether id has the shape newID gives: 16 characters of
// idEncoding's lower-case base32. An id of any other shape was the client's.
func IsServerID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}
