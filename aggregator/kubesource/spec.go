package kubesource

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// The Secret keys of the aggregator client (the auth contract,
// fhirv1.CredentialKeys); the aggregator reads no other key.
const (
	keyClientID     = "aggregator_client_id"
	keyClientSecret = "aggregator_client_secret"
)

// secretName is the endpoint's credentials Secret: the one the operator
// reports in status.credentialsSecret, else the name it always uses.
func secretName(e *fhirv1.FhirEndpoint) string {
	if e.Status.CredentialsSecret != "" {
		return e.Status.CredentialsSecret
	}
	return e.CredentialsSecretName()
}

// Reasons of the Aggregated condition on an endpoint the aggregator once
// followed and follows no more (see park); the follower's reasons are the
// source.Reason constants.
const (
	// ReasonAggregationDisabled: spec.aggregation.enabled is false.
	ReasonAggregationDisabled = "AggregationDisabled"
	// ReasonNotProvisioned: the operator publishes no status.url (the
	// endpoint lost its subdomain, say).
	ReasonNotProvisioned = "NotProvisioned"
	// ReasonCredentialsMissing: the credentials Secret, or its aggregator
	// client, is gone.
	ReasonCredentialsMissing = "CredentialsMissing"
)

// notFollowed says why an endpoint is not followed: a reason of the
// Aggregated condition and a message.
type notFollowed struct {
	reason, message string
}

// specFor is the Spec of one FhirEndpoint whose aggregation is enabled, given
// its credentials Secret's data (nil when there is no such Secret), or why it
// cannot be followed yet.
func specFor(e *fhirv1.FhirEndpoint, secret map[string][]byte, address string) (source.Spec, *notFollowed) {
	if e.Status.URL == "" {
		return source.Spec{}, &notFollowed{ReasonNotProvisioned, "the operator has not published status.url"}
	}
	if secret == nil {
		return source.Spec{}, &notFollowed{ReasonCredentialsMissing, "Secret " + secretName(e) + " does not exist"}
	}
	var missing []string
	for _, k := range []string{keyClientID, keyClientSecret} {
		if len(secret[k]) == 0 {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return source.Spec{}, &notFollowed{ReasonCredentialsMissing, fmt.Sprintf("Secret %s lacks %s", secretName(e), strings.Join(missing, ", "))}
	}
	spec := source.Spec{
		Name:         e.Namespace + "/" + e.Name,
		Customer:     e.Spec.Customer,
		Base:         e.Status.URL,
		ClientID:     string(secret[keyClientID]),
		ClientSecret: string(secret[keyClientSecret]),
		Namespace:    e.Namespace,
		Object:       e.Name,
	}
	switch address {
	case AddressPublic:
		spec.TokenURL = e.Status.TokenURL
		if spec.TokenURL == "" {
			// The operator writes both together; derive it as it would.
			origin, err := originOf(e.Status.URL)
			if err != nil {
				return source.Spec{}, &notFollowed{ReasonNotProvisioned, "status.url " + err.Error()}
			}
			spec.TokenURL = origin + "/oauth2/token"
		}
	default:
		// status.internalURL is the origin of the Service; an operator that
		// predates it still names the Service the same way.
		internal := e.Status.InternalURL
		if internal == "" {
			internal = e.InternalURL()
		}
		internal = strings.TrimSuffix(internal, "/")
		spec.FetchBase = internal + "/fhir"
		spec.TokenURL = internal + "/oauth2/token"
	}
	return spec, nil
}

// originOf is scheme://host of a URL.
func originOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}
