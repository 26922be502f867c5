package main

import (
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/fhirfleet/fhirfleet/aggregator/rules"
)

// The dev issuer's names: what config/dev/ puts in the FhirAggregator's
// patientAccess. The issuer is only a name; nothing is served there.
const (
	devIssuer   = "http://issuer.localhost"
	devAudience = "fhirfleet-aggregated"
)

// idToken is what a patient's ID token says.
type idToken struct {
	NHSNumber, ProofingLevel, Subject, Issuer, Audience string
	TTL                                                 time.Duration
}

// idClaims are the ID token's claims, as the aggregated endpoint reads them.
type idClaims struct {
	jwt.Claims
	ProofingLevel string `json:"identity_proofing_level"`
	NHSNumber     string `json:"nhs_number"`
}

// check refuses what the aggregated endpoint would refuse for the token's
// own sake, so a typo is told here and not as an invalid_grant later. A
// proofing level below the endpoint's minimum is allowed: trying the
// refusal is a reason to mint one.
func (t idToken) check() error {
	if !rules.ValidNHSNumber(t.NHSNumber) {
		return fmt.Errorf("--nhs-number %q is not an NHS number: ten digits without spaces whose last is the modulus-11 check digit (9000000009 is one)", t.NHSNumber)
	}
	if len(t.ProofingLevel) != 2 || t.ProofingLevel[0] != 'P' || t.ProofingLevel[1] < '0' || t.ProofingLevel[1] > '9' {
		return fmt.Errorf("--proofing-level %q is not P0 … P9", t.ProofingLevel)
	}
	if t.TTL <= 0 {
		return fmt.Errorf("--ttl %s must be positive", t.TTL)
	}
	return nil
}

// mint signs the token with the issuer's key at now.
func mint(k *issuerKey, t idToken, now time.Time) (string, error) {
	if err := t.check(); err != nil {
		return "", err
	}
	sub := t.Subject
	if sub == "" {
		sub = "dev-patient-" + t.NHSNumber
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.private},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.kid))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(idClaims{
		Claims: jwt.Claims{
			Issuer: t.Issuer, Audience: jwt.Audience{t.Audience}, Subject: sub,
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(t.TTL)),
		},
		ProofingLevel: t.ProofingLevel, NHSNumber: t.NHSNumber,
	}).Serialize()
}
