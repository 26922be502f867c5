package endpoint

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
)

// TestPatientTokenExchange: a valid ID token earns a token for the merged
// Patient with the NHS number (v1 by default, v2 when asked), and every
// refusal is an OAuth error that says what is wrong.
func TestPatientTokenExchange(t *testing.T) {
	e := newEnv(t)
	nhs := e.w.nhs[3]
	rep := e.postToken(exchangeForm(e.idp.idToken(t, nhs, nil)), "", "")
	if rep.status != 200 || rep.str("patient") != e.w.patients[3] || rep.str("scope") != "patient/*.read" {
		t.Fatalf("exchange: %d %v", rep.status, rep.body)
	}
	v2 := exchangeForm(e.idp.idToken(t, nhs, nil))
	v2.Set("scope", "patient/*.rs")
	if rep := e.postToken(v2, "", ""); rep.status != 200 || rep.str("scope") != "patient/*.rs" {
		t.Errorf("v2 exchange: %d %v", rep.status, rep.body)
	}

	noType := exchangeForm(e.idp.idToken(t, nhs, nil))
	noType.Del("subject_token_type")
	if rep := e.postToken(noType, "", ""); rep.status != 400 || rep.str("error") != "invalid_request" {
		t.Errorf("no subject_token_type: %d %v", rep.status, rep.body)
	}
	stranger := newOIDC(t) // same claims, a key the endpoint does not know
	unknown := nhsNumber("943476591")
	tests := []struct {
		name string
		form url.Values
		want string // in error_description
	}{
		{"below the proofing level", exchangeForm(e.idp.idToken(t, nhs, map[string]any{"identity_proofing_level": "P5"})), "below the P9"},
		{"no proofing level", exchangeForm(e.idp.idToken(t, nhs, map[string]any{"identity_proofing_level": nil})), "no identity_proofing_level"},
		{"expired", exchangeForm(e.idp.idToken(t, nhs, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})), "expired"},
		{"other issuer", exchangeForm(e.idp.idToken(t, nhs, map[string]any{"iss": "https://evil.example"})), "issuer"},
		{"wrong audience", exchangeForm(e.idp.idToken(t, nhs, map[string]any{"aud": "another-app"})), "audience"},
		{"unknown NHS number", exchangeForm(e.idp.idToken(t, unknown, nil)), "no record holds this NHS number"},
		{"invalid NHS number", exchangeForm(e.idp.idToken(t, "1234567890", nil)), "not a valid NHS number"},
		{"no NHS number", exchangeForm(e.idp.idToken(t, nhs, map[string]any{"nhs_number": nil})), "no nhs_number"},
		{"bad signature", exchangeForm(stranger.idToken(t, nhs, nil)), "signature"},
		{"not a JWT", exchangeForm("not-a-token"), "not a JWT"},
	}
	for _, tc := range tests {
		rep := e.postToken(tc.form, "", "")
		if rep.status != 400 || rep.str("error") != "invalid_grant" || !strings.Contains(rep.str("error_description"), tc.want) {
			t.Errorf("%s: %d %v, want invalid_grant saying %q", tc.name, rep.status, rep.body, tc.want)
		}
	}
	// Ten refused ID tokens from one address: the next request waits, as
	// after ten wrong client secrets.
	if rep := e.postToken(exchangeForm(e.idp.idToken(t, nhs, nil)), "", ""); rep.status != http.StatusTooManyRequests {
		t.Errorf("after ten refusals: %d %v, want 429", rep.status, rep.body)
	}
}

// TestMinProofingFlag: --patient-min-proofing P5 admits a P5 token.
func TestMinProofingFlag(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PatientMinProofing = "P5" })
	rep := e.postToken(exchangeForm(e.idp.idToken(t, e.w.nhs[0], map[string]any{"identity_proofing_level": "P5"})), "", "")
	if rep.status != 200 {
		t.Errorf("P5 with P5 required: %d %v", rep.status, rep.body)
	}
	rep = e.postToken(exchangeForm(e.idp.idToken(t, e.w.nhs[0], map[string]any{"identity_proofing_level": "P3"})), "", "")
	if rep.status != 400 {
		t.Errorf("P3 with P5 required: %d %v", rep.status, rep.body)
	}
}

// TestTokensOfOtherEndpointsRefused: a customer endpoint's token is
// refused here, and a token of this endpoint by a customer endpoint:
// distinct issuers, audiences and keys.
func TestTokensOfOtherEndpointsRefused(t *testing.T) {
	e := newEnv(t)
	// A customer endpoint, as fhirserver runs it, for the customer acme.
	mux := http.NewServeMux()
	cs := httptest.NewUnstartedServer(mux)
	cust, err := auth.New(context.Background(), auth.Config{DataDir: t.TempDir(), BaseURL: "http://" + cs.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer cust.Close()
	mux.Handle("/oauth2/token", cust.TokenHandler())
	mux.Handle("/fhir/", cust.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })))
	cs.Start()
	defer cs.Close()
	// A token signed by the customer endpoint's own key (as its client would get).
	custToken := signAs(t, cust.Issuer(), cust.Audience())
	if r := e.get(custToken, "/fhir/Patient"); r.status != http.StatusUnauthorized {
		t.Errorf("a foreign token at the aggregated endpoint: %d %s", r.status, r.body)
	}
	aggToken := e.tokenFor(e.w.readers()[0])
	req, _ := http.NewRequest(http.MethodGet, cs.URL+"/fhir/Patient", nil)
	req.Header.Set("Authorization", "Bearer "+aggToken)
	res, err := cs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("an aggregated endpoint token at a customer endpoint: %d", res.StatusCode)
	}
	// The aggregated endpoint's own token, re-signed with another key,
	// and one with the right key claims but for another audience.
	if r := e.get(signAs(t, e.ep.auth.Issuer(), e.ep.auth.Audience()), "/fhir/Patient"); r.status != http.StatusUnauthorized {
		t.Errorf("a token signed by a stranger with our issuer: %d", r.status)
	}
}

// signAs signs an access token with a fresh key for iss and aud.
func signAs(t *testing.T, iss, aud string) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", "x"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	raw, err := jwt.Signed(s).Claims(map[string]any{"iss": iss, "aud": aud, "sub": "acme-client", "client_id": "acme-client",
		"scope": "system/*.rs", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "j"}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
