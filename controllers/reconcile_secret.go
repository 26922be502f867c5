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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// reconcileSecret makes sure <name>-credentials exists and holds every key
// of the auth contract. It is the one child that is never applied: generated
// credentials are created once and only their secrets are ever rewritten,
// when spec.credentials.rotation is raised; a Secret the user made
// beforehand is used as is and never rotated.
func reconcileSecret(ctx context.Context, s *scope) error {
	e := s.endpoint
	name := e.CredentialsSecretName()
	s.secretName = name
	e.Status.CredentialsSecret = name

	secret, err := getSecret(ctx, s, name)
	if err != nil {
		return err
	}
	reason := fhirv1.ReasonUserProvided
	if secret == nil {
		if secret, err = createSecret(ctx, s, name); err != nil {
			return err
		}
		if s.recorder != nil {
			s.recorder.Eventf(e, secret, corev1.EventTypeNormal, "CredentialsGenerated", "CreateSecret", "generated OAuth clients and a token signing key in Secret %s", name)
		}
	}
	generated := metav1.IsControlledBy(secret, e)
	if generated {
		reason = fhirv1.ReasonGenerated
	}

	if missing := missingKeys(secret); len(missing) > 0 {
		msg := fmt.Sprintf("Secret %s lacks the keys %s", name, strings.Join(missing, ", "))
		setCondition(s, fhirv1.ConditionCredentialsReady, metav1.ConditionFalse, fhirv1.ReasonInvalidSecret, msg)
		return s.block(fhirv1.ReasonInvalidSecret, msg)
	}
	msg := "Secret " + name + " holds every credential"
	if generated {
		rotated, err := rotateCredentials(ctx, s, secret, time.Now())
		if err != nil {
			return err
		}
		if rotated && s.recorder != nil {
			s.recorder.Eventf(e, secret, corev1.EventTypeNormal, "CredentialsRotated", "RotateSecret",
				"rotation %d: new client secrets in Secret %s; the previous ones work for %s", e.Spec.Credentials.Rotation, name, gracePeriod(e))
		}
		e.Status.Credentials = credentialsStatus(e, secret)
	} else {
		e.Status.Credentials = nil
		if e.Spec.Credentials.Rotation > 0 {
			msg += "; spec.credentials.rotation is not applied: the operator never rotates a Secret it did not generate"
		}
	}
	s.secretHash = credentialsHash(secret.Data)
	setCondition(s, fhirv1.ConditionCredentialsReady, metav1.ConditionTrue, reason, msg)
	return nil
}

// credentialsHash is the pod template's AnnotationCredentialsHash for a
// Secret's data.
func credentialsHash(data map[string][]byte) string {
	return hashSecretData(credentialsIdentity(data))
}

// credentialsIdentity is the part of the Secret's data that the pod
// template's hash covers: all but the keys the server re-reads at runtime
// (see runtimeCredentialKeys).
func credentialsIdentity(data map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(data))
	for k, v := range data {
		if !slices.Contains(runtimeCredentialKeys(), k) {
			out[k] = v
		}
	}
	return out
}

// getSecret reads the Secret from the cache, which holds only labelled
// Secrets, and falls back to an uncached read for a user's unlabelled one.
// It returns nil when there is no such Secret.
func getSecret(ctx context.Context, s *scope, name string) (*corev1.Secret, error) {
	key := types.NamespacedName{Namespace: s.endpoint.Namespace, Name: name}
	secret := &corev1.Secret{}
	err := s.c.Get(ctx, key, secret)
	if apierrors.IsNotFound(err) && s.reader != nil {
		err = s.reader.Get(ctx, key, secret)
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get Secret %s: %w", name, err)
	}
	return secret, nil
}

// createSecret generates fresh credentials. Create (not apply) fails if the
// Secret appeared meanwhile, so a race can never overwrite credentials.
func createSecret(ctx context.Context, s *scope, name string) (*corev1.Secret, error) {
	data, err := GenerateCredentials()
	if err != nil {
		return nil, err
	}
	// A new Secret is already at the spec's rotation: there is nothing
	// previous to replace.
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.endpoint.Namespace, Labels: childLabels(s.endpoint),
			Annotations: map[string]string{AnnotationRotation: strconv.FormatInt(s.endpoint.Spec.Credentials.Rotation, 10)}},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
	if err := controllerutil.SetControllerReference(s.endpoint, secret, s.c.Scheme()); err != nil {
		return nil, fmt.Errorf("own Secret %s: %w", name, err)
	}
	if err := s.c.Create(ctx, secret, client.FieldOwner(FieldManager)); err != nil {
		return nil, fmt.Errorf("create Secret %s: %w", name, err)
	}
	return secret, nil
}

// GenerateCredentials makes the auth contract's keys from crypto/rand: two
// clients (the customer's and the aggregator's) and an ECDSA P-256 signing
// key as a PKCS#8 PEM block.
// Exported for the end-to-end test that runs a real fhirserver on the files
// a generated Secret projects.
func GenerateCredentials() (map[string][]byte, error) {
	key, err := generateSigningKey()
	if err != nil {
		return nil, err
	}
	data := map[string][]byte{"token_signing_key": key}
	for _, prefix := range []string{"", "aggregator_"} {
		id, secret, err := generateClient()
		if err != nil {
			return nil, err
		}
		data[prefix+"client_id"], data[prefix+"client_secret"] = id, secret
	}
	return data, nil
}

// generateSigningKey makes an ECDSA P-256 token signing key as a PKCS#8 PEM block.
func generateSigningKey() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// generateClient makes an OAuth client: a 128-bit id in hex and a 256-bit
// secret in base64url.
func generateClient() (id, secret []byte, err error) {
	idBytes, secretBytes := make([]byte, 16), make([]byte, 32)
	if _, err := rand.Read(idBytes); err != nil {
		return nil, nil, fmt.Errorf("generate client id: %w", err)
	}
	if _, err := rand.Read(secretBytes); err != nil {
		return nil, nil, fmt.Errorf("generate client secret: %w", err)
	}
	return []byte(hex.EncodeToString(idBytes)), []byte(base64.RawURLEncoding.EncodeToString(secretBytes)), nil
}

// missingKeys lists the contract's keys absent or empty in the Secret.
func missingKeys(secret *corev1.Secret) []string {
	var missing []string
	for _, k := range fhirv1.CredentialKeys() {
		if len(secret.Data[k]) == 0 && secret.StringData[k] == "" {
			missing = append(missing, k)
		}
	}
	return missing
}

// hashSecretData is a stable digest of a Secret's data: keys in order, each
// key and value length-prefixed so no two different maps hash alike.
func hashSecretData(data map[string][]byte) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%d:%s%d:", len(k), k, len(data[k]))
		h.Write(data[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// endpointOfSecret maps a Secret event to the FhirEndpoint named by its
// fhir.fhirfleet.io/endpoint label.
func endpointOfSecret(_ context.Context, o client.Object) []reconcile.Request {
	name := o.GetLabels()[LabelEndpoint]
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}}
}
