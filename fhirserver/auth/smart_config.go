package auth

import (
	"net/http"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// smartConfiguration is the SMART App Launch discovery document
// (.well-known/smart-configuration) of a system-level-only endpoint.
type smartConfiguration struct {
	Issuer                       string   `json:"issuer"`
	TokenEndpoint                string   `json:"token_endpoint"`
	GrantTypesSupported          []string `json:"grant_types_supported"`
	TokenEndpointAuthMethods     []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	ScopesSupported              []string `json:"scopes_supported"`
	Capabilities                 []string `json:"capabilities"`
}

// SMARTConfigHandler serves GET /fhir/.well-known/smart-configuration. It
// needs no token: clients read it to find the token endpoint.
func (s *Server) SMARTConfigHandler() http.Handler {
	doc := smartConfiguration{
		Issuer:                       s.issuer,
		TokenEndpoint:                s.tokenURL,
		GrantTypesSupported:          []string{"client_credentials"},
		TokenEndpointAuthMethods:     []string{MethodClientSecretBasic, MethodClientSecretPost, MethodPrivateKeyJWT},
		TokenEndpointAuthSigningAlgs: []string{"RS384", "ES384"},
		ScopesSupported: []string{
			"system/*.cruds", "system/*.rs", "system/*.read", "system/*.write", "system/*.*",
		},
		Capabilities: []string{"client-confidential-symmetric", "client-confidential-asymmetric", "permission-v1", "permission-v2"},
	}
	if s.cfg.ReadOnly {
		doc.ScopesSupported = []string{"system/*.rs", "system/*.read"}
	}
	if s.cfg.Exchange != nil {
		// A patient's app exchanges its ID token for a token in the
		// patient's context (docs/auth.md, "Token exchange").
		doc.GrantTypesSupported = append(doc.GrantTypesSupported, GrantTypeTokenExchange)
		doc.ScopesSupported = append(doc.ScopesSupported, "patient/*.rs", "patient/*.read")
		doc.Capabilities = append(doc.Capabilities, "permission-patient")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		writeJSON(w, http.StatusOK, doc)
	})
}

// SecurityDescription says, for CapabilityStatement.rest.security, what
// this token endpoint grants: the same facts as the discovery document
// (client credentials always; system scopes capped at read and search on a
// read-only endpoint; a patient's token exchange when configured), so a
// client reading either learns the same.
func (s *Server) SecurityDescription() string {
	d := "OAuth 2.0 client credentials (SMART Backend Services) at the token URL; system-level scopes only."
	if s.cfg.ReadOnly {
		d = "OAuth 2.0 client credentials (SMART Backend Services) at the token URL, read-only system scopes (system/*.rs, system/*.read)."
	}
	if s.cfg.Exchange != nil {
		d += " Patients exchange an OpenID Connect ID token at the same URL (RFC 8693 token exchange) for patient scopes (patient/*.rs, patient/*.read) on their own compartment."
	}
	return d
}

// The URIs CapabilityStatement.rest.security uses.
const (
	oauthURIsExtension   = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
	securityServiceR4    = "http://terminology.hl7.org/CodeSystem/restful-security-service"
	securityServiceSTU3  = "http://hl7.org/fhir/restful-security-service"
	smartOnFHIRCode      = "SMART-on-FHIR"
	smartOnFHIRCodeLabel = "SMART-on-FHIR"
)

// CapabilitySecurity returns CapabilityStatement.rest.security: the
// SMART-on-FHIR service and the OAuth URIs extension naming the token
// endpoint. stu3 selects the STU3 code system URI of the service coding.
func (s *Server) CapabilitySecurity(stu3 bool) *fhirjson.Value {
	uris := fhirjson.NewObject()
	uris.Set("url", fhirjson.NewString(oauthURIsExtension))
	token := fhirjson.NewObject()
	token.Set("url", fhirjson.NewString("token"))
	token.Set("valueUri", fhirjson.NewString(s.tokenURL))
	uris.Set("extension", fhirjson.NewArray(token))

	system := securityServiceR4
	if stu3 {
		system = securityServiceSTU3
	}
	coding := fhirjson.NewObject()
	coding.Set("system", fhirjson.NewString(system))
	coding.Set("code", fhirjson.NewString(smartOnFHIRCode))
	coding.Set("display", fhirjson.NewString(smartOnFHIRCodeLabel))
	service := fhirjson.NewObject()
	service.Set("coding", fhirjson.NewArray(coding))
	service.Set("text", fhirjson.NewString("OAuth 2.0 client credentials with SMART Backend Services system scopes"))

	sec := fhirjson.NewObject()
	sec.Set("extension", fhirjson.NewArray(uris))
	sec.Set("service", fhirjson.NewArray(service))
	sec.Set("description", fhirjson.NewString("Get an access token at "+s.tokenURL+
		" (grant_type=client_credentials; client_secret_basic, client_secret_post or private_key_jwt)"+
		" and send it as Authorization: Bearer. Discovery: "+s.audience+"/.well-known/smart-configuration."))
	return sec
}
