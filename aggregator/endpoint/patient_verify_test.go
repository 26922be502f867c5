package endpoint

import (
	"context"
	"testing"
)

// TestVerifyPatient: the join callback's check is the exchange's.
func TestVerifyPatient(t *testing.T) {
	var h hookLog
	e := newEnv(t, h.config)
	nhs, pid, err := e.ep.VerifyPatient(context.Background(), e.idp.idToken(t, e.w.nhs[1], nil))
	if err != nil || nhs != e.w.nhs[1] || pid != e.w.patients[1] || len(h.signIns) != 1 {
		t.Errorf("VerifyPatient: %s %s %v (sign-ins %v)", nhs, pid, err, h.signIns)
	}
	if _, _, err := e.ep.VerifyPatient(context.Background(), e.idp.idToken(t, e.w.nhs[1], map[string]any{"identity_proofing_level": "P5"})); err == nil {
		t.Error("a P5 ID token was accepted")
	}
	plain := newEnv(t, func(c *Config) { c.PatientIssuer = "" })
	if _, _, err := plain.ep.VerifyPatient(context.Background(), "x"); err == nil {
		t.Error("VerifyPatient without patient access did not fail")
	}
}
