package search

import (
	"os"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestExplore prints the results of the queries in $Q (separated by ";"),
// for writing expectations; it asserts nothing and runs only when Q is set.
func TestExplore(t *testing.T) {
	qs := os.Getenv("Q")
	if qs == "" {
		return
	}
	v := defs.R4
	if os.Getenv("V") == "STU3" {
		v = defs.STU3
	}
	f := loadExamples(t, v)
	for _, q := range strings.Split(qs, ";") {
		typ, query, _ := strings.Cut(strings.TrimSpace(q), "?")
		got, res := run(t, f, typ, query)
		t.Logf("%s -> %d %v total=%d", q, len(got), got, res.Total)
	}
}
