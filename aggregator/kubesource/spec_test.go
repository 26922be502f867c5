package kubesource

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestSpecFor(t *testing.T) {
	endpoint := func(change func(*fhirv1.FhirEndpoint)) *fhirv1.FhirEndpoint {
		e := &fhirv1.FhirEndpoint{
			ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "labs"},
			Spec:       fhirv1.FhirEndpointSpec{Customer: "acme", Feed: "labs"},
			Status: fhirv1.FhirEndpointStatus{
				URL:               "https://acme-labs.fhir.example.test/fhir",
				TokenURL:          "https://acme-labs.fhir.example.test/oauth2/token",
				InternalURL:       "http://labs.acme.svc:8080",
				CredentialsSecret: "labs-credentials",
			},
		}
		if change != nil {
			change(e)
		}
		return e
	}
	secret := map[string][]byte{keyClientID: []byte("agg"), keyClientSecret: []byte("s3cret")}
	service := source.Spec{
		Name: "acme/labs", Customer: "acme",
		Base:      "https://acme-labs.fhir.example.test/fhir",
		FetchBase: "http://labs.acme.svc:8080/fhir",
		TokenURL:  "http://labs.acme.svc:8080/oauth2/token",
		ClientID:  "agg", ClientSecret: "s3cret",
		Namespace: "acme", Object: "labs",
	}
	public := service
	public.FetchBase = ""
	public.TokenURL = "https://acme-labs.fhir.example.test/oauth2/token"

	tests := []struct {
		name     string
		endpoint *fhirv1.FhirEndpoint
		secret   map[string][]byte
		address  string
		want     source.Spec
		reason   string
		why      string
	}{
		{name: "service", endpoint: endpoint(nil), secret: secret, address: AddressService, want: service},
		{name: "public", endpoint: endpoint(nil), secret: secret, address: AddressPublic, want: public},
		{name: "service without status.internalURL names the Service", endpoint: endpoint(func(e *fhirv1.FhirEndpoint) { e.Status.InternalURL = "" }),
			secret: secret, address: AddressService, want: service},
		{name: "public without status.tokenURL derives it", endpoint: endpoint(func(e *fhirv1.FhirEndpoint) { e.Status.TokenURL = "" }),
			secret: secret, address: AddressPublic, want: public},
		{name: "public with a bad status.url", endpoint: endpoint(func(e *fhirv1.FhirEndpoint) { e.Status.TokenURL, e.Status.URL = "", "acme/fhir" }),
			secret: secret, address: AddressPublic, reason: ReasonNotProvisioned, why: `status.url "acme/fhir" is not an absolute URL`},
		{name: "not provisioned", endpoint: endpoint(func(e *fhirv1.FhirEndpoint) { e.Status.URL = "" }),
			secret: secret, address: AddressService, reason: ReasonNotProvisioned, why: "status.url"},
		{name: "no Secret", endpoint: endpoint(nil), address: AddressService, reason: ReasonCredentialsMissing, why: "Secret labs-credentials does not exist"},
		{name: "Secret without the aggregator client", endpoint: endpoint(nil), secret: map[string][]byte{"client_id": []byte("c")},
			address: AddressService, reason: ReasonCredentialsMissing, why: "lacks aggregator_client_id, aggregator_client_secret"},
		{name: "empty secret", endpoint: endpoint(nil), secret: map[string][]byte{keyClientID: []byte("agg"), keyClientSecret: {}},
			address: AddressService, reason: ReasonCredentialsMissing, why: "lacks aggregator_client_secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, not := specFor(tc.endpoint, tc.secret, tc.address)
			if tc.why != "" {
				if not == nil || not.reason != tc.reason || !strings.Contains(not.message, tc.why) {
					t.Fatalf("not followed: %+v, want %s containing %q", not, tc.reason, tc.why)
				}
				return
			}
			if not != nil {
				t.Fatalf("not followed: %+v", *not)
			}
			if got != tc.want {
				t.Errorf("spec =\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}
}

func TestSecretName(t *testing.T) {
	e := &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "labs"}}
	if got := secretName(e); got != "labs-credentials" {
		t.Errorf("without status: %q", got)
	}
	e.Status.CredentialsSecret = "other"
	if got := secretName(e); got != "other" {
		t.Errorf("with status: %q", got)
	}
}
