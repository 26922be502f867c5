package endpoint

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// idTokenAlgs are the signature algorithms accepted on a patient's ID
// token: asymmetric only (an HMAC token would be keyed with something the
// issuer shares, "none" is no signature).
var idTokenAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}

// maxIDToken bounds the subject token parsed.
const maxIDToken = 16 << 10

// idClaims are the ID token claims the exchange reads.
type idClaims struct {
	jwt.Claims
	ProofingLevel string `json:"identity_proofing_level"`
	NHSNumber     string `json:"nhs_number"`
}

// patients exchanges a patient's OpenID Connect ID token for an access
// token to their merged Patient's compartment (auth.Exchanger).
type patients struct {
	issuer, audience string
	minLevel         int
	keys             *keySet
	engine           *search.Engine
	now              func() time.Time
	onSignIn         func(ctx context.Context, nhsNumber, patientID string) error
}

// proofingLevel reads "P0" … "P9".
func proofingLevel(s string) (int, bool) {
	if len(s) != 2 || s[0] != 'P' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[1] - '0'), true
}

func grantErr(code, format string, args ...any) error {
	return &auth.GrantError{Code: code, Description: fmt.Sprintf(format, args...)}
}

// Exchange implements auth.Exchanger.
func (p *patients) Exchange(ctx context.Context, form url.Values) (auth.ExchangeGrant, error) {
	switch form.Get("subject_token_type") {
	case auth.TokenTypeIDToken, "urn:ietf:params:oauth:token-type:jwt":
	case "":
		return auth.ExchangeGrant{}, grantErr("invalid_request", "subject_token_type is missing (want %s)", auth.TokenTypeIDToken)
	default:
		return auth.ExchangeGrant{}, grantErr("invalid_request", "subject_token_type must be %s", auth.TokenTypeIDToken)
	}
	if rt := form.Get("requested_token_type"); rt != "" && rt != auth.TokenTypeAccessToken {
		return auth.ExchangeGrant{}, grantErr("invalid_request", "requested_token_type must be %s", auth.TokenTypeAccessToken)
	}
	raw := form.Get("subject_token")
	if raw == "" {
		return auth.ExchangeGrant{}, grantErr("invalid_request", "subject_token is missing")
	}
	c, id, err := p.signIn(ctx, raw)
	if err != nil {
		return auth.ExchangeGrant{}, err
	}
	scope := "patient/*.read"
	if strings.Contains(form.Get("scope"), ".rs") {
		scope = "patient/*.rs"
	}
	return auth.ExchangeGrant{Subject: "patient:" + c.Subject, Patient: id, Scope: scope}, nil
}

// signIn verifies the ID token, finds the patient's merged Patient and
// records the sign-in (onSignIn).
func (p *patients) signIn(ctx context.Context, raw string) (*idClaims, string, error) {
	c, err := p.verify(ctx, raw)
	if err != nil {
		return nil, "", err
	}
	id, err := p.patientFor(ctx, c.NHSNumber)
	if err != nil {
		return nil, "", err
	}
	if p.onSignIn != nil {
		if err := p.onSignIn(ctx, c.NHSNumber, id); err != nil {
			return nil, "", err
		}
	}
	return c, id, nil
}

// verify checks the ID token: signature against the issuer's JWK Set,
// iss, aud, exp, the proofing level and the NHS number's form.
func (p *patients) verify(ctx context.Context, raw string) (*idClaims, error) {
	if len(raw) > maxIDToken {
		return nil, grantErr("invalid_grant", "the ID token is longer than %d bytes", maxIDToken)
	}
	tok, err := jwt.ParseSigned(raw, idTokenAlgs)
	if err != nil {
		return nil, grantErr("invalid_grant", "the ID token is not a JWT signed with an asymmetric algorithm: %v", err)
	}
	if len(tok.Headers) != 1 {
		return nil, grantErr("invalid_grant", "the ID token must have exactly one signature")
	}
	var c idClaims
	verified := false
	for _, k := range p.keys.lookup(ctx, tok.Headers[0]) {
		if tok.Claims(k.Key, &c) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, grantErr("invalid_grant", "the ID token's signature does not verify with the patient issuer's keys")
	}
	err = c.ValidateWithLeeway(jwt.Expected{Issuer: p.issuer, AnyAudience: jwt.Audience{p.audience}, Time: p.now()}, auth.Leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return nil, grantErr("invalid_grant", "the ID token has expired")
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return nil, grantErr("invalid_grant", "the ID token's issuer %q is not the patient issuer %q", c.Issuer, p.issuer)
	case errors.Is(err, jwt.ErrInvalidAudience):
		return nil, grantErr("invalid_grant", "the ID token is not for audience %q", p.audience)
	case err != nil:
		return nil, grantErr("invalid_grant", "the ID token is not valid: %v", err)
	}
	if c.Expiry == nil {
		return nil, grantErr("invalid_grant", "the ID token has no exp")
	}
	if c.Subject == "" {
		return nil, grantErr("invalid_grant", "the ID token has no sub")
	}
	level, ok := proofingLevel(c.ProofingLevel)
	switch {
	case c.ProofingLevel == "":
		return nil, grantErr("invalid_grant", "the ID token has no identity_proofing_level (P%d needed)", p.minLevel)
	case !ok:
		return nil, grantErr("invalid_grant", "identity_proofing_level %q is not P0 … P9", c.ProofingLevel)
	case level < p.minLevel:
		return nil, grantErr("invalid_grant", "identity_proofing_level %s is below the P%d this endpoint requires", c.ProofingLevel, p.minLevel)
	}
	if c.NHSNumber == "" {
		return nil, grantErr("invalid_grant", "the ID token has no nhs_number claim")
	}
	if !rules.ValidNHSNumber(c.NHSNumber) {
		return nil, grantErr("invalid_grant", "nhs_number %q is not a valid NHS number", c.NHSNumber)
	}
	return &c, nil
}

// patientFor finds the merged Patient with the NHS number.
func (p *patients) patientFor(ctx context.Context, nhs string) (string, error) {
	res, err := p.engine.Search(ctx, search.Request{ResourceType: "Patient", Params: url.Values{
		"identifier": {rules.NHSNumberSystem + "|" + nhs}, "_count": {"2"},
	}})
	if err != nil {
		return "", fmt.Errorf("find the patient: %w", err)
	}
	switch len(res.Entries) {
	case 0:
		return "", grantErr("invalid_grant", "no record holds this NHS number")
	case 1:
		return res.Entries[0].Record.ID, nil
	}
	// Merging groups Patients by identifier, so two with one NHS number
	// are a pipeline fault: refuse rather than pick one.
	return "", fmt.Errorf("two merged Patients hold one NHS number (%s, %s)", res.Entries[0].Record.ID, res.Entries[1].Record.ID)
}
