package repository

import (
	"fmt"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
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

// freshIDTries bounds the draws of freshID in a store whose new ids are
// looked up. A draw is in use only if a client created that id first; four
// in a row means the store is not what it seems.
const freshIDTries = 4

// freshID gives a create a new server-assigned id from the store's count
// (storage.Store.NewID), which no other resource has. In a store that may
// hold ids of the same shape from elsewhere (storage.Store.NewIDsNeedCheck)
// the id is looked up, before the serial write section rather than inside
// it: no other writer can be writing an id this write has just drawn, so
// only the store's existing resources need checking, and they can be
// checked in parallel with other writes; an id in use is drawn again.
// The create then skips the lookup (storage.Put.Fresh).
func (r *Repository) freshID(op *Write) error {
	var unused func(typ, id string) (bool, error)
	if r.store.NewIDsNeedCheck() {
		unused = r.store.Unused
	}
	return r.freshIDFrom(op, unused)
}

// freshIDFrom is freshID with unused as the check (nil: none): Store.Unused,
// or a Loader's for the creates of one transaction.
func (r *Repository) freshIDFrom(op *Write, unused func(typ, id string) (bool, error)) error {
	for range freshIDTries {
		id, err := r.newID(op.Type)
		if err != nil {
			return err
		}
		free := true
		if unused != nil {
			if free, err = unused(op.Type, id); err != nil {
				return StorageError(err, op.Type+"/"+id)
			}
		}
		if free {
			op.ID, op.fresh = id, true
			return nil
		}
	}
	return fmt.Errorf("repository: %d new ids for a %s were all in use", freshIDTries, op.Type)
}

// newID draws a server-assigned id for a new typ (drawID).
func (r *Repository) newID(typ string) (string, error) {
	id, err := drawID(r.store)
	if err != nil {
		return "", StorageError(err, "a new "+typ)
	}
	return id, nil
}

// drawID is Store.NewID; tests replace it to draw ids already in use.
var drawID = (*storage.Store).NewID
