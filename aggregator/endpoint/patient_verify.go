package endpoint

import (
	"context"
	"errors"
)

// VerifyPatient checks a patient's ID token exactly as the token exchange
// does (signature, issuer, audience, expiry, proofing level, NHS number),
// finds their merged Patient and records the sign-in (OnPatientSignIn);
// the join URL's callback uses it (registration.Verifier).
func (e *Endpoint) VerifyPatient(ctx context.Context, idToken string) (nhsNumber, patientID string, err error) {
	if e.patients == nil {
		return "", "", errors.New("patient access is not configured (--patient-issuer)")
	}
	c, id, err := e.patients.signIn(ctx, idToken)
	if err != nil {
		return "", "", err
	}
	return c.NHSNumber, id, nil
}
