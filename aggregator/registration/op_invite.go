package registration

import (
	"context"
	"encoding/json"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// MaxInvitations is the most patientIdentifiers of one
// $generate-invitation-tokens.
const MaxInvitations = 500

// Refusal reasons, the code of the OperationOutcome issue's details.
const (
	ReasonUnknown    = "unknown"
	ReasonDeceased   = "deceased"
	ReasonRegistered = "registered"
	ReasonNoBirth    = "no-birth-date"
	ReasonUnder16    = "under-16"
)

// refusal is why a patient gets no invitation.
type refusal struct{ reason, text string }

// generateInvitations is POST Organization/$generate-invitation-tokens:
// one patientTokens per patientIdentifier, in order, with a token, its
// code and expiry, or with an OperationOutcome saying why there is none.
// The invitations of one call are stored in one batch: all or none.
func (s *Service) generateInvitations(ctx context.Context, in *fhirjson.Value) (*fhirjson.Value, error) {
	who, err := customer(ctx, "generate-invitation-tokens")
	if err != nil {
		return nil, err
	}
	ids, err := identifiers(in, "patientIdentifier", MaxInvitations)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	expires := now.Add(s.cfg.InvitationTTL).Truncate(time.Second)
	view := s.policy.View(who)
	type issued struct {
		key  string
		data []byte
	}
	var batch []issued
	out := make([]*fhirjson.Value, 0, len(ids))
	for _, id := range ids {
		parts := []*fhirjson.Value{part("patientIdentifier", "valueIdentifier", id.value())}
		p, no, err := s.eligible(ctx, view, id, now)
		if err != nil {
			return nil, err
		}
		if no != nil {
			oo := outcome.Resource([]outcome.Issue{{Severity: outcome.Warning, Code: outcome.CodeBusinessRule, Diagnostics: no.reason + ": " + no.text}})
			out = append(out, group("patientTokens", append(parts, part("outcome", "resource", oo))...))
			continue
		}
		token, code, err := newToken()
		if err != nil {
			return nil, err
		}
		data, err := json.Marshal(invitation{Code: code, Identifier: id, NHSNumber: p.NHSNumber, Patient: p.ID,
			Customer: who.Customer, Expires: expires})
		if err != nil {
			return nil, err
		}
		batch = append(batch, issued{tokenKey(token), data})
		out = append(out, group("patientTokens", append(parts,
			part("token", "valueString", fhirjson.NewString(token)),
			part("code", "valueString", fhirjson.NewString(code)),
			part("expiry", "valueDateTime", fhirjson.NewString(expires.Format(time.RFC3339))))...))
	}
	if len(batch) > 0 {
		_, err = s.cfg.Store.Write(ctx, func(tx *storage.Tx) error {
			for _, b := range batch {
				if err := s.invites.Put(tx, b.key, b.data, expires); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, repository.StorageError(err, "the invitations")
		}
	}
	return parameters(out), nil
}

// eligible finds the patient and says why it may not be invited, if so.
func (s *Service) eligible(ctx context.Context, view *access.View, id identifier, now time.Time) (*patient, *refusal, error) {
	res, err := s.findVisible(ctx, view, "Patient", id)
	if err != nil || res == nil {
		return nil, &refusal{ReasonUnknown, "no patient with this identifier is linked to you"}, err
	}
	p := patientOf(res)
	switch {
	case p.Deceased:
		return p, &refusal{ReasonDeceased, "the patient is deceased"}, nil
	case p.BirthDate == "":
		return p, &refusal{ReasonNoBirth, "the patient's record has no birth date"}, nil
	}
	adult, ok := adultAt(p.BirthDate, now)
	if !ok {
		return p, &refusal{ReasonNoBirth, "the patient's birth date " + p.BirthDate + " is not a FHIR date"}, nil
	}
	if !adult {
		return p, &refusal{ReasonUnder16, "the patient is under 16"}, nil
	}
	if p.NHSNumber != "" {
		_, registered, err := s.registeredAt(p.NHSNumber)
		if err != nil {
			return nil, nil, err
		}
		if registered {
			return p, &refusal{ReasonRegistered, "the patient is already registered"}, nil
		}
	}
	return p, nil, nil
}
