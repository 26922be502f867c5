package registration

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// receipt is the first read of a document by a patient token.
type receipt struct {
	At      time.Time `json:"at"`
	Patient string    `json:"patient"`
}

// NoteRead records a patient's successful read of a resource: the
// endpoint's OnPatientRead. Only DocumentReferences have receipts; the
// first read is kept, later ones change nothing.
func (s *Service) NoteRead(_ context.Context, patientID, typ, id string) error {
	if typ != "DocumentReference" {
		return nil
	}
	now := s.now().UTC()
	data, err := json.Marshal(receipt{At: now, Patient: patientID})
	if err != nil {
		return err
	}
	if _, err := s.receipt.PutIfAbsent(typ+"/"+id, data, time.Time{}, now); err != nil {
		return fmt.Errorf("registration: record the read receipt of %s/%s: %w", typ, id, err)
	}
	return nil
}

// readAt is the first read of the document, if any.
func (s *Service) readAt(id string) (*receipt, error) {
	data, ok, err := s.receipt.Get("DocumentReference/"+id, s.now())
	if err != nil || !ok {
		return nil, err
	}
	var r receipt
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read receipt of DocumentReference/%s: %w", id, err)
	}
	return &r, nil
}
