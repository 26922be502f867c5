package repository

import (
	"errors"
	"fmt"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestStorageError(t *testing.T) {
	tests := []struct {
		err        error
		status     int
		retryAfter bool
	}{
		{fmt.Errorf("x: %w", storage.ErrNotFound), 404, false},
		{storage.ErrGone, 410, false},
		{storage.ErrExists, 409, false},
		{storage.ErrVersionConflict, 412, false},
		{storage.ErrInvalidKey, 400, false},
		{storage.ErrBadCursor, 400, false},
		{storage.ErrClosed, 503, true},
		{storage.ErrFailed, 503, true},
		{fmt.Errorf("write: %w", storage.ErrDiskFull), 503, true},
	}
	for _, tt := range tests {
		oe, ok := outcome.As(StorageError(tt.err, "Patient/1"))
		if !ok || oe.Status != tt.status || (oe.RetryAfter > 0) != tt.retryAfter {
			t.Errorf("%v → %v (Retry-After %d), want %d", tt.err, oe, oe.RetryAfter, tt.status)
		}
	}
	plain := errors.New("disk on fire")
	if got := StorageError(plain, "x"); !errors.Is(got, plain) {
		t.Errorf("an unknown error must stay a server fault, got %v", got)
	}
}

// TestSearchOfAClosedStore: a search whose store has closed (a server
// shutting down) is a 503 that says to retry, as a read is, not a 500.
func TestSearchOfAClosedStore(t *testing.T) {
	r, st := newRepo(t)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := r.Search(t.Context(), search.Request{ResourceType: "Patient"})
	oe, ok := outcome.As(err)
	if !ok || oe.Status != 503 || oe.RetryAfter == 0 {
		t.Fatalf("search of a closed store: %v", err)
	}
}
