package rest

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// readBody reads the whole request body within MaxBodyBytes (413 beyond) and
// checks its Content-Type.
func (h *Handler) readBody(c *call) ([]byte, bodyKind, error) {
	kind, oe := bodyContentType(c.r.Header.Get("Content-Type"), h.ver.FHIRVersion)
	if oe != nil {
		return nil, 0, oe
	}
	if c.r.ContentLength > h.maxBody {
		return nil, 0, tooLarge(h.maxBody)
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, h.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, 0, tooLarge(h.maxBody)
		}
		return nil, 0, outcome.BadRequest(outcome.CodeStructure, "", "the request body could not be read: %v", err)
	}
	return data, kind, nil
}

func tooLarge(limit int64) *outcome.Error {
	return outcome.New(http.StatusRequestEntityTooLarge, outcome.CodeTooLong, "",
		"the request body is larger than this server's limit of %d bytes", limit)
}

// readResource reads a request body that must hold a resource of type typ
// ("" accepts any type, as for a Bundle posted to the base).
func (h *Handler) readResource(c *call, typ string) (*fhirjson.Value, error) {
	data, kind, err := h.readBody(c)
	if err != nil {
		return nil, err
	}
	if kind != bodyFHIRJSON {
		return nil, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
			"this interaction takes a FHIR resource as application/fhir+json")
	}
	// data is this request's own fresh slice and nothing writes to it
	// again, so the tree may point into it instead of into a copy.
	return h.parseResource(data, typ, fhirjson.OwnInput())
}

// parseResource parses and validates one resource of type typ ("" = any).
func (h *Handler) parseResource(data []byte, typ string, opts ...fhirjson.Option) (*fhirjson.Value, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, outcome.BadRequest(outcome.CodeRequired, "", "the request body is empty; a %s resource is required", orAny(typ))
	}
	return h.validateAs(data, typ, opts...)
}

func orAny(typ string) string {
	if typ == "" {
		return "FHIR"
	}
	return typ
}

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
		{Name: "lastUpdated", Value: fhirjson.NewString(formatInstant(lastUpdated))},
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

// formatInstant writes a FHIR instant with the store's microsecond precision.
func formatInstant(t time.Time) string {
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
