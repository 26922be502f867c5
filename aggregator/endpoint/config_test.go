package endpoint

import (
	"flag"
	"testing"
)

func TestRegisterFlags(t *testing.T) {
	fs := flag.NewFlagSet("aggregator", flag.ContinueOnError)
	c := RegisterFlags(fs)
	if c.PatientMinProofing != DefaultMinProofing {
		t.Errorf("default proofing %q", c.PatientMinProofing)
	}
	err := fs.Parse([]string{"--clients-dir=/c", "--credentials-dir=/k", "--patient-issuer=https://i", "--patient-jwks=/j.json",
		"--patient-audience=app", "--patient-min-proofing=P5"})
	if err != nil {
		t.Fatal(err)
	}
	got := [...]string{c.ClientsDir, c.CredentialsDir, c.PatientIssuer, c.PatientJWKS, c.PatientAudience, c.PatientMinProofing}
	if got != [...]string{"/c", "/k", "https://i", "/j.json", "app", "P5"} {
		t.Errorf("parsed %v", got)
	}
}
