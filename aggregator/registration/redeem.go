package registration

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// errUnknownInvitation is the one answer for a token that is not there,
// has expired or does not go with the code: which it was is not said.
var errUnknownInvitation = outcome.New(http.StatusNotFound, outcome.CodeNotFound, "",
	"this invitation is unknown or has expired")

// invitationFor checks that code and token name a live, unused invitation.
func (s *Service) invitationFor(code, token string) (*invitation, error) {
	data, ok, err := s.invites.Get(tokenKey(token), s.now())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errUnknownInvitation
	}
	inv, err := decodeInvitation(data)
	if err != nil {
		return nil, err
	}
	return inv, inv.check(code)
}

func (inv *invitation) check(code string) error {
	if !inv.codeMatches(code) {
		return errUnknownInvitation
	}
	if inv.UsedAt != nil {
		return outcome.New(http.StatusConflict, outcome.CodeConflict, "", "this invitation has already been used")
	}
	return nil
}

// Redeem registers the patient who signed in (nhsNumber, patientID: from
// their verified ID token) with the invitation of code and token, and
// marks it used, in one batch: either both happen or neither. The
// invitation must be for that patient.
func (s *Service) Redeem(ctx context.Context, code, token, nhsNumber, patientID string) error {
	now := s.now().UTC()
	key := tokenKey(token)
	_, err := s.cfg.Store.Write(ctx, func(tx *storage.Tx) error {
		data, ok, err := s.invites.GetTx(tx, key, now)
		if err != nil {
			return err
		}
		if !ok {
			return errUnknownInvitation
		}
		inv, err := decodeInvitation(data)
		if err != nil {
			return err
		}
		if err := inv.check(code); err != nil {
			return err
		}
		if inv.NHSNumber != "" && inv.NHSNumber != nhsNumber || inv.NHSNumber == "" && inv.Patient != patientID {
			return outcome.New(http.StatusForbidden, outcome.CodeForbidden, "",
				"this invitation is for another patient than the one who signed in")
		}
		inv.UsedAt = &now
		if data, err = json.Marshal(inv); err != nil {
			return err
		}
		if err := s.invites.Put(tx, key, data, inv.Expires); err != nil {
			return err
		}
		return s.registerTx(tx, nhsNumber, patientID, now)
	})
	var oe *outcome.Error
	if err != nil && !errors.As(err, &oe) {
		s.cfg.Logger.Error(err, "cannot redeem an invitation")
	}
	return err
}
