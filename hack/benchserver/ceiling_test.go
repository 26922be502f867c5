package main

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"testing"
)

func TestCeilingAnswersTwoHundredBytesOfJSON(t *testing.T) {
	if len(ceilingBody) != 200 {
		t.Fatalf("ceiling body is %d bytes, want 200", len(ceilingBody))
	}
	rec := httptest.NewRecorder()
	ceilingHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	b, _ := io.ReadAll(rec.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil || rec.Code != 200 || len(b) != 200 {
		t.Fatalf("status %d, %d bytes, JSON error %v", rec.Code, len(b), err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
}
