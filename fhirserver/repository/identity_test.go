package repository

import (
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestSetIdentity(t *testing.T) {
	v := mustParse(t, `{"active":true,"meta":{"tag":[{"code":"a"}],"versionId":"9"},"resourceType":"Patient","id":"old","_id":{"extension":[]}}`)
	setIdentity(v, "new", "3", time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC))
	want := `{"resourceType":"Patient","id":"new","meta":{"versionId":"3","lastUpdated":"2026-01-02T03:04:05.000006Z","tag":[{"code":"a"}]},"active":true}`
	if got := string(fhirjson.Marshal(v)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDropServerOwned(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"resourceType":"Patient","meta":{"lastUpdated":"2000-01-01T00:00:00Z"}}`, `{"resourceType":"Patient"}`},
		{`{"resourceType":"Patient","meta":{"lastUpdated":"x","versionId":"2","tag":[]}}`, `{"resourceType":"Patient","meta":{"versionId":"2","tag":[]}}`},
		{`{"resourceType":"Patient"}`, `{"resourceType":"Patient"}`},
	}
	for _, tt := range tests {
		v := mustParse(t, tt.in)
		dropServerOwned(v)
		if got := string(fhirjson.Marshal(v)); got != tt.want {
			t.Errorf("dropServerOwned(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := newID()
		if !IsServerID(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestIsServerID(t *testing.T) {
	for _, id := range []string{newID(), newID(), "abcdefghijklmnop"} {
		if !IsServerID(id) {
			t.Errorf("IsServerID(%q) = false", id)
		}
	}
	for _, id := range []string{"", "abc", "abcdefghijklmno1", "abcdefghijklmnopq", "abcdefghijklmn-p"} {
		if IsServerID(id) {
			t.Errorf("IsServerID(%q) = true", id)
		}
	}
}
