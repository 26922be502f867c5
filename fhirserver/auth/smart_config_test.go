package auth

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestSMARTConfiguration(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	resp, body := e.get(t, "/fhir/.well-known/smart-configuration", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json;charset=UTF-8" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["issuer"] != e.srv.Issuer() || doc["token_endpoint"] != e.ts.URL+"/oauth2/token" {
		t.Fatalf("%v", doc)
	}
	lists := map[string][]string{
		"grant_types_supported":                            {"client_credentials"},
		"token_endpoint_auth_methods_supported":            {"client_secret_basic", "client_secret_post", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": {"RS384", "ES384"},
		"capabilities":     {"client-confidential-symmetric", "client-confidential-asymmetric", "permission-v1", "permission-v2"},
		"scopes_supported": {"system/*.cruds", "system/*.rs", "system/*.read"},
	}
	for k, want := range lists {
		var got []string
		for _, v := range doc[k].([]any) {
			got = append(got, v.(string))
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s = %v lacks %q", k, got, w)
			}
		}
	}
	// Every advertised scope is one the token endpoint accepts.
	for _, s := range doc["scopes_supported"].([]any) {
		if _, err := grantScopes(roleCustomer, s.(string)); err != nil {
			t.Errorf("advertised scope %v refused: %v", s, err)
		}
	}
}

func TestCapabilitySecurity(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	for _, tc := range []struct {
		stu3   bool
		system string
	}{{false, securityServiceR4}, {true, securityServiceSTU3}} {
		var sec struct {
			Extension []struct {
				URL       string `json:"url"`
				Extension []struct {
					URL      string `json:"url"`
					ValueURI string `json:"valueUri"`
				} `json:"extension"`
			} `json:"extension"`
			Service []struct {
				Coding []struct{ System, Code string } `json:"coding"`
			} `json:"service"`
		}
		if err := json.Unmarshal(encodeValue(e.srv.CapabilitySecurity(tc.stu3)), &sec); err != nil {
			t.Fatal(err)
		}
		if len(sec.Extension) != 1 || sec.Extension[0].URL != oauthURIsExtension ||
			sec.Extension[0].Extension[0].URL != "token" || sec.Extension[0].Extension[0].ValueURI != e.srv.TokenURL() {
			t.Fatalf("extension %+v", sec.Extension)
		}
		if c := sec.Service[0].Coding[0]; c.System != tc.system || c.Code != "SMART-on-FHIR" {
			t.Fatalf("service %+v", c)
		}
	}
}

// TestSecurityDescription: the CapabilityStatement's security text says
// what the token endpoint grants, as discovery does: system scopes only on
// a customer server, read-only ones on a read-only endpoint, and the
// patient token exchange where it is served.
func TestSecurityDescription(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opt        func(*Config)
		want, deny []string
	}{
		{"customer server", func(*Config) {}, []string{"client credentials", "system-level scopes only"}, []string{"read-only", "exchange", "patient"}},
		{"read-only", func(c *Config) { c.ReadOnly = true }, []string{"client credentials", "read-only system scopes"}, []string{"exchange", "patient"}},
		{"read-only with patients", func(c *Config) { c.ReadOnly = true; c.Exchange = fakeExchanger{} },
			[]string{"client credentials", "read-only system scopes", "token exchange", "patient/*.rs"}, []string{"scopes only"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := newTestEndpointWith(t, newFakeClock(), tc.opt).srv.SecurityDescription()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			for _, d := range tc.deny {
				if strings.Contains(got, d) {
					t.Errorf("%q says %q", got, d)
				}
			}
		})
	}
}
