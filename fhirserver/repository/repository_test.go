package repository

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

func TestNewNeedsItsParts(t *testing.T) {
	r, st := newRepo(t)
	for name, cfg := range map[string]Config{
		"no version":  {Store: st, Searcher: r.search},
		"no store":    {Version: defs.R4, Searcher: r.search},
		"no searcher": {Version: defs.R4, Store: st},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if r.maxDepth != DefaultMaxDepth || r.maxElements != DefaultMaxElements {
		t.Errorf("limits %d/%d, want the defaults", r.maxDepth, r.maxElements)
	}
	if !r.IsType("Patient") || r.IsType("Unicorn") || r.Version() != defs.R4 {
		t.Error("IsType or Version does not follow the configured version")
	}
}
