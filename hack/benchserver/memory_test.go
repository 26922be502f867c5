package main

import (
	"encoding/json"
	"testing"
)

// TestMemoryBodies checks that the bodies are what BENCHMARKS.md says they
// are: valid JSON of the stated size and shape.
func TestMemoryBodies(t *testing.T) {
	tx := transactionBundle(200_000)
	var b struct {
		Type  string
		Entry []struct {
			Resource struct{ ResourceType string }
			Request  struct{ Method, URL string }
		}
	}
	if err := json.Unmarshal(tx, &b); err != nil {
		t.Fatalf("the transaction is not JSON: %v", err)
	}
	if len(tx) < 200_000 || b.Type != "transaction" || len(b.Entry) != bundleEntries(tx) ||
		b.Entry[0].Resource.ResourceType != "Patient" || b.Entry[0].Request.Method != "POST" {
		t.Fatalf("transaction of %d bytes, %d entries: %+v", len(tx), len(b.Entry), b.Entry[0])
	}
	var p struct {
		Name []struct{ Given []string }
	}
	if err := json.Unmarshal(patientWithGivenNames(1000), &p); err != nil || len(p.Name[0].Given) != 1000 {
		t.Fatalf("the Patient: %v", err)
	}
}
