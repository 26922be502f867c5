package repository

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
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

// freshIDTries bounds the draws of freshID. A draw is in use with odds of
// one in 2^80 over the store's size; four in a row means the store is not
// what it seems.
const freshIDTries = 4

// freshID gives a create a new server-assigned id, checked unused before
// the serial write section rather than inside it: no other writer can be
// writing an id this write has just drawn at random, so only the store's
// existing resources need checking, and they can be checked in parallel
// with other writes. The create then skips the lookup (storage.Put.Fresh).
// A draw that is in use is drawn again.
func (r *Repository) freshID(op *Write) error {
	return freshIDFrom(op, r.store.Unused)
}

// freshIDFrom is freshID with unused as the check: Store.Unused, or a
// Loader's for the creates of one transaction.
func freshIDFrom(op *Write, unused func(typ, id string) (bool, error)) error {
	for range freshIDTries {
		id := drawID()
		free, err := unused(op.Type, id)
		if err != nil {
			return StorageError(err, op.Type+"/"+id)
		}
		if free {
			op.ID, op.fresh = id, true
			return nil
		}
	}
	return fmt.Errorf("repository: %d random ids for a new %s were all in use", freshIDTries, op.Type)
}

// drawID is newID; tests replace it to draw ids already in use.
var drawID = newID

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
