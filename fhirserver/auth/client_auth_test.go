package auth

import (
	"encoding/base64"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestReadClientAuth(t *testing.T) {
	b64 := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name       string
		authz      string
		form       url.Values
		wantMethod string
		wantID     string
		wantSecret string
		wantErr    string
	}{
		{"basic", b64("id:sec"), url.Values{}, MethodClientSecretBasic, "id", "sec", ""},
		{"basic form-encoded", b64("my%20id:a%2Bb"), url.Values{}, MethodClientSecretBasic, "my id", "a+b", ""},
		{"basic secret with colon", b64("id:a:b"), url.Values{}, MethodClientSecretBasic, "id", "a:b", ""},
		{"basic lower-case scheme", "basic " + base64.StdEncoding.EncodeToString([]byte("id:s")), url.Values{}, MethodClientSecretBasic, "id", "s", ""},
		{"basic without colon", b64("idsec"), url.Values{}, "", "", "", "invalid_client"},
		{"basic not base64", "Basic !!!", url.Values{}, "", "", "", "invalid_client"},
		{"bearer header", "Bearer abc", url.Values{}, "", "", "", "invalid_client"},
		{"post", "", url.Values{"client_id": {"id"}, "client_secret": {"s"}}, MethodClientSecretPost, "id", "s", ""},
		{"post without id", "", url.Values{"client_secret": {"s"}}, "", "", "", "invalid_request"},
		{"id only (public client)", "", url.Values{"client_id": {"id"}}, "", "", "", "invalid_client"},
		{"nothing", "", url.Values{}, "", "", "", "invalid_client"},
		{"basic and post", b64("id:s"), url.Values{"client_id": {"id"}, "client_secret": {"s"}}, "", "", "", "invalid_request"},
		{"post and assertion", "", url.Values{"client_id": {"id"}, "client_secret": {"s"}, "client_assertion_type": {ClientAssertionType}, "client_assertion": {"x"}}, "", "", "", "invalid_request"},
		{"assertion", "", url.Values{"client_assertion_type": {ClientAssertionType}, "client_assertion": {"x.y.z"}}, MethodPrivateKeyJWT, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/oauth2/token", nil)
			if tc.authz != "" {
				r.Header.Set("Authorization", tc.authz)
			}
			a, oe := readClientAuth(r, tc.form)
			if tc.wantErr != "" {
				if oe == nil || oe.code != tc.wantErr {
					t.Fatalf("got %+v, want %s", oe, tc.wantErr)
				}
				return
			}
			if oe != nil {
				t.Fatalf("error %+v", oe)
			}
			if a.method != tc.wantMethod || a.id != tc.wantID || a.secret != tc.wantSecret {
				t.Fatalf("%+v", a)
			}
		})
	}
}

// FuzzTokenRequest: no token request body may panic the endpoint or get a
// token without the right credentials.
func FuzzTokenRequest(f *testing.F) {
	e := newTestEndpoint(f, newCredSet(f, "fuzz"), newFakeClock())
	f.Add("grant_type=client_credentials&client_id=fuzz-client&client_secret=x")
	f.Add("grant_type=client_credentials&client_assertion_type=" + url.QueryEscape(ClientAssertionType) + "&client_assertion=a.b.c")
	f.Add("scope=system%2F*.rs&grant_type=client_credentials")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, body string) {
		e.srv.throttle = newThrottle(defaultThrottlePolicy())
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		r := postToken(t, e, form, "", "")
		if r.status == 200 && form.Get("client_secret") != e.creds.clientSecret && form.Get("client_secret") != e.creds.aggSecret {
			t.Fatalf("token without credentials: %v", r.body)
		}
		if r.status >= 500 {
			t.Fatalf("server error %d", r.status)
		}
	})
}
