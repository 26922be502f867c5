package registration

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// registration is the record of a registered patient.
type registration struct {
	At      time.Time `json:"at"`
	Patient string    `json:"patient"` // the merged Patient at the time
}

// Register records that the patient with the NHS number signed in: the
// endpoint's OnPatientSignIn, called after every successful patient token
// exchange. The first call keeps its time; later ones change nothing.
func (s *Service) Register(_ context.Context, nhsNumber, patientID string) error {
	data, err := json.Marshal(registration{At: s.now().UTC(), Patient: patientID})
	if err != nil {
		return err
	}
	if _, err := s.registered.PutIfAbsent(nhsNumber, data, time.Time{}, s.now()); err != nil {
		return fmt.Errorf("registration: record the sign-in: %w", err)
	}
	return nil
}

// registeredAt reports whether the NHS number is registered, and since when.
func (s *Service) registeredAt(nhsNumber string) (time.Time, bool, error) {
	data, ok, err := s.registered.Get(nhsNumber, s.now())
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	var r registration
	if err := json.Unmarshal(data, &r); err != nil {
		return time.Time{}, false, fmt.Errorf("registration of %s: %w", nhsNumber, err)
	}
	return r.At, true, nil
}

// registerTx records the registration in tx unless there is one.
func (s *Service) registerTx(tx *storage.Tx, nhsNumber, patientID string, now time.Time) error {
	if _, ok, err := s.registered.GetTx(tx, nhsNumber, now); err != nil || ok {
		return err
	}
	data, err := json.Marshal(registration{At: now.UTC(), Patient: patientID})
	if err != nil {
		return err
	}
	return s.registered.Put(tx, nhsNumber, data, time.Time{})
}
