package endpoint

import (
	"context"
	"slices"
	"sync"
	"testing"
)

// hookLog records the endpoint's callbacks.
type hookLog struct {
	mu      sync.Mutex
	signIns []string // "<nhs> <patient>"
	reads   []string // "<patient> <type>/<id>"
}

func (h *hookLog) config(c *Config) {
	c.OnPatientSignIn = func(_ context.Context, nhs, pid string) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.signIns = append(h.signIns, nhs+" "+pid)
		return nil
	}
	c.OnPatientRead = func(_ context.Context, pid, typ, id string) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.reads = append(h.reads, pid+" "+typ+"/"+id)
		return nil
	}
}

// TestPatientHooks: a token exchange is a sign-in; a patient token's
// successful read (or vread) of one resource is a read, and nothing else
// is: a search, a read that fails, a customer's read.
func TestPatientHooks(t *testing.T) {
	var h hookLog
	e := newEnv(t, h.config)
	pid := e.w.patients[0]
	tok := e.tokenFor(who{patient: 0})
	if want := []string{e.w.nhs[0] + " " + pid}; !slices.Equal(h.signIns, want) {
		t.Errorf("sign-ins %v, want %v", h.signIns, want)
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/fhir/Patient/" + pid, 200},
		{"/fhir/Patient/" + pid + "/_history/1", 200},
		{"/fhir/Condition?subject=Patient/" + pid, 200},
		{"/fhir/Patient/" + e.w.patients[1], 404},
	} {
		if r := e.get(tok, tc.path); r.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.path, r.status, tc.status)
		}
	}
	for _, r := range e.w.readers() {
		if r.patient < 0 {
			e.get(e.tokenFor(r), "/fhir/Patient/"+pid) // a customer's read is no patient's
		}
	}
	want := []string{pid + " Patient/" + pid, pid + " Patient/" + pid}
	if !slices.Equal(h.reads, want) {
		t.Errorf("reads %v, want %v", h.reads, want)
	}
}
