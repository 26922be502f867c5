package repository

import (
	"errors"
	"fmt"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestStorageError(t *testing.T) {
	tests := []struct {
		err    error
		status int
	}{
		{fmt.Errorf("x: %w", storage.ErrNotFound), 404},
		{storage.ErrGone, 410},
		{storage.ErrExists, 409},
		{storage.ErrVersionConflict, 412},
		{storage.ErrInvalidKey, 400},
		{storage.ErrBadCursor, 400},
		{storage.ErrClosed, 503},
		{storage.ErrFailed, 503},
	}
	for _, tt := range tests {
		oe, ok := outcome.As(StorageError(tt.err, "Patient/1"))
		if !ok || oe.Status != tt.status {
			t.Errorf("%v → %v, want %d", tt.err, oe, tt.status)
		}
	}
	plain := errors.New("disk on fire")
	if got := StorageError(plain, "x"); !errors.Is(got, plain) {
		t.Errorf("an unknown error must stay a server fault, got %v", got)
	}
}
