/*
Copyright 2026 The fhirfleet Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controllers

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

const (
	// AnnotationRotation on a generated Secret is the spec.credentials.rotation
	// its secrets were written for. The Secret, not the status, is the record:
	// a status lost (restored from a backup, or rewritten) never causes a
	// second rotation, and a Secret restored with an older count is rotated
	// again, which is the safe direction.
	AnnotationRotation = "fhir.fhirfleet.io/rotation"
	// AnnotationRotatedAt is when the operator last wrote new secrets (RFC 3339).
	AnnotationRotatedAt = "fhir.fhirfleet.io/rotated-at"

	// defaultGracePeriod is the server's own --secret-grace-period default.
	defaultGracePeriod = 24 * time.Hour
)

// runtimeCredentialKeys are the Secret's keys the server re-reads while it
// runs (fhirserver/auth watches the mounted folder and keeps a replaced
// secret for its grace period). They are left out of the pod template's
// credentials hash: changing them must not restart the server, or a restart
// would drop the previous secrets the server holds in memory for the grace
// period. The client ids stay in the hash: a new id means a new set of
// credentials (a deleted Secret regenerated), after which no old secret
// should keep working, and a fresh start drops them all.
func runtimeCredentialKeys() []string {
	return []string{"client_secret", "aggregator_client_secret", "token_signing_key", "client_jwks.json"}
}

// gracePeriod is spec.credentials.gracePeriod, or the server's default.
func gracePeriod(e *fhirv1.FhirEndpoint) time.Duration {
	if g := e.Spec.Credentials.GracePeriod; g != nil && g.Duration > 0 {
		return g.Duration
	}
	return defaultGracePeriod
}

// secretRotation is the rotation count a generated Secret records (0 when
// it records none or an unreadable one).
func secretRotation(secret *corev1.Secret) int64 {
	n, err := strconv.ParseInt(secret.Annotations[AnnotationRotation], 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// rotateCredentials writes new client secrets (and, if asked, a new signing
// key) into a generated Secret whose recorded rotation is below the spec's.
// Only those keys change: the client ids stay, so clients keep their
// identity and the server carries the old secrets for its grace period.
// Update (not apply) carries the Secret's resourceVersion, so a concurrent
// edit makes it fail and the next reconcile reads again rather than
// overwriting. It returns whether it rotated.
func rotateCredentials(ctx context.Context, s *scope, secret *corev1.Secret, now time.Time) (bool, error) {
	want := s.endpoint.Spec.Credentials.Rotation
	if secretRotation(secret) >= want {
		return false, nil
	}
	data, err := RotatedCredentials(secret.Data, s.endpoint.Spec.Credentials.RotateSigningKey)
	if err != nil {
		return false, err
	}
	secret.Data = data
	if secret.Annotations == nil {
		secret.Annotations = map[string]string{}
	}
	secret.Annotations[AnnotationRotation] = strconv.FormatInt(want, 10)
	secret.Annotations[AnnotationRotatedAt] = now.UTC().Format(time.RFC3339)
	if err := s.c.Update(ctx, secret, client.FieldOwner(FieldManager)); err != nil {
		return false, fmt.Errorf("rotate Secret %s: %w", secret.Name, err)
	}
	return true, nil
}

// RotatedCredentials is data with new client secrets (the customer's and
// the aggregator's) and, if signingKey, a new token signing key; every other
// key, the client ids first, is kept. data is not modified. Exported for the
// end-to-end test that runs a real fhirserver through a rotation.
func RotatedCredentials(data map[string][]byte, signingKey bool) (map[string][]byte, error) {
	fresh, err := GenerateCredentials()
	if err != nil {
		return nil, err
	}
	keys := []string{"client_secret", "aggregator_client_secret"}
	if signingKey {
		keys = append(keys, "token_signing_key")
	}
	out := maps.Clone(data)
	if out == nil {
		out = map[string][]byte{}
	}
	for _, k := range keys {
		out[k] = fresh[k]
	}
	return out, nil
}

// credentialsStatus is status.credentials for a generated Secret: what it
// records, and until when the server honours the secrets it replaced.
func credentialsStatus(e *fhirv1.FhirEndpoint, secret *corev1.Secret) *fhirv1.CredentialsStatus {
	st := &fhirv1.CredentialsStatus{Rotation: secretRotation(secret)}
	at, err := time.Parse(time.RFC3339, secret.Annotations[AnnotationRotatedAt])
	if err != nil {
		return st
	}
	st.RotatedAt = &metav1.Time{Time: at}
	st.PreviousValidUntil = &metav1.Time{Time: at.Add(gracePeriod(e))}
	return st
}
