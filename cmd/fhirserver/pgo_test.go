package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// pgoWorkloads are the request handlers of make bench's four HTTP
// workloads, as the profile names them. Each must carry a fair part of
// default.pgo's CPU samples, or the build would optimise for a mix of work
// the server no longer does.
var pgoWorkloads = map[string]string{
	"create":      "github.com/fhirfleet/fhirfleet/fhirserver/rest.(*Handler).create",
	"transaction": "github.com/fhirfleet/fhirfleet/fhirserver/rest.(*Handler).transaction",
	"read":        "github.com/fhirfleet/fhirfleet/fhirserver/rest.(*Handler).read",
	"search":      "github.com/fhirfleet/fhirfleet/fhirserver/rest.(*Handler).runSearch",
}

// TestPGOProfileCoversTheWorkloads: default.pgo (hack/pgo.sh) is a CPU
// profile of all four workloads — a profile of one workload only, of
// another program, or whose handlers were since renamed (a rename leaves
// the build optimising nothing there) fails here: run `make pgo` again.
func TestPGOProfileCoversTheWorkloads(t *testing.T) {
	f, err := os.Open("default.pgo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	cpu := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			cpu = i
		}
	}
	if cpu < 0 {
		t.Fatalf("default.pgo is not a CPU profile: sample types %v", p.SampleType)
	}
	var total int64
	in := map[string]int64{} // CPU under each function, counted once per sample
	for _, s := range p.Sample {
		v := s.Value[cpu]
		total += v
		seen := map[string]bool{}
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				if line.Function != nil && !seen[line.Function.Name] {
					seen[line.Function.Name] = true
					in[line.Function.Name] += v
				}
			}
		}
	}
	if total == 0 {
		t.Fatal("default.pgo has no CPU samples")
	}
	for w, fn := range pgoWorkloads {
		share := float64(in[fn]) / float64(total)
		t.Logf("%s (%s): %.1f %% of the profile", w, fn, 100*share)
		if share < 0.03 {
			t.Errorf("the %s workload (%s) has %.1f %% of default.pgo's CPU samples, want ≥ 3 %%: run make pgo", w, fn, 100*share)
		}
	}
	var ours int64
	for fn, v := range in {
		if strings.HasPrefix(fn, "github.com/fhirfleet/fhirfleet/fhirserver/server.") {
			ours = max(ours, v)
		}
	}
	if float64(ours)/float64(total) < 0.5 {
		t.Errorf("default.pgo spends %.0f %% under the fhirserver's handler, want most of it", 100*float64(ours)/float64(total))
	}
}
