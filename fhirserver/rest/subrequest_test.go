package rest

import (
	"net/http"
	"testing"
)

func TestEntryResponse(t *testing.T) {
	e := newEnv(t, versions[0])
	rec := newRecorder()
	rec.Header().Set("Location", "http://x/fhir/Patient/1/_history/2")
	rec.Header().Set("ETag", `W/"2"`)
	rec.Header().Set("Last-Modified", "Sat, 21 Nov 2026 18:01:32 GMT")
	rec.WriteHeader(http.StatusCreated)
	_, _ = rec.Write([]byte(`{"resourceType":"Patient","id":"1"}`))
	en := e.h.entryResponse(rec)
	r := en.Response
	if r.Str("status") != "201 Created" || r.Str("location") == "" || r.Str("etag") != `W/"2"` || r.Str("lastModified") != "2026-11-21T18:01:32Z" {
		t.Errorf("response %+v", r)
	}
	if en.Resource == nil || en.FullURL != e.h.base+"/Patient/1" {
		t.Errorf("entry %+v", en)
	}
	bad := newRecorder()
	bad.WriteHeader(http.StatusNotFound)
	_, _ = bad.Write([]byte(`{"resourceType":"OperationOutcome","issue":[]}`))
	if en := e.h.entryResponse(bad); en.Resource != nil || en.Response.Get("outcome") == nil {
		t.Errorf("failed entry %+v", en)
	}
}
