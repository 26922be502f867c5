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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// Keys of the aggregator's Secrets: the contract with the aggregator's
// --credentials-dir and --clients-dir (one folder per customer).
const (
	keyTokenSigningKey = "token_signing_key"
	keyClientID        = "client_id"
	keyClientSecret    = "client_secret"
	keyPrivacyLabels   = "privacy_labels"
)

// reconcileAggregatorSecrets makes sure <name>-signing-key and one
// <name>-client-<customer> per spec.customers exist. Like a FhirEndpoint's
// credentials they are never applied: what is generated (the signing key,
// client ids and secrets) is created once and never overwritten; a key
// somebody emptied is generated again. Only privacy_labels follows the spec.
// The Secret of a customer no longer listed is deleted, so its client stops
// working as soon as the kubelet updates the aggregator's clients folder.
func reconcileAggregatorSecrets(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	if err := ensureAggregatorSecret(ctx, s, a.SigningKeySecretName(), nil, func(data map[string][]byte) error {
		if len(data[keyTokenSigningKey]) > 0 {
			return nil
		}
		key, err := generateSigningKey()
		data[keyTokenSigningKey] = key
		return err
	}); err != nil {
		return err
	}
	for _, cust := range a.Spec.Customers {
		labels := map[string]string{LabelCustomer: cust.Name}
		if err := ensureAggregatorSecret(ctx, s, a.ClientSecretName(cust.Name), labels, func(data map[string][]byte) error {
			data[keyPrivacyLabels] = []byte(cust.PrivacyLabelsValue())
			if len(data[keyClientID]) > 0 && len(data[keyClientSecret]) > 0 {
				return nil
			}
			id, secret, err := generateClient()
			if len(data[keyClientID]) == 0 {
				data[keyClientID] = id
			}
			if len(data[keyClientSecret]) == 0 {
				data[keyClientSecret] = secret
			}
			return err
		}); err != nil {
			return err
		}
	}
	if err := deleteFormerCustomers(ctx, s); err != nil {
		return err
	}
	setCondition(s, fhirv1.ConditionCredentialsReady, metav1.ConditionTrue, fhirv1.ReasonGenerated,
		fmt.Sprintf("Secret %s holds the token signing key; %d customer client Secrets", a.SigningKeySecretName(), len(a.Spec.Customers)))
	return nil
}

// ensureAggregatorSecret creates the Secret name with the data fill makes
// of an empty map, or, if it exists, writes what fill changes of its data.
// Create (not apply) fails if the Secret appeared meanwhile, so a race can
// never overwrite a generated value.
func ensureAggregatorSecret(ctx context.Context, s *aggregatorScope, name string, extraLabels map[string]string, fill func(map[string][]byte) error) error {
	a := s.aggregator
	secret := &corev1.Secret{}
	err := s.c.Get(ctx, client.ObjectKey{Namespace: a.Namespace, Name: name}, secret)
	switch {
	case apierrors.IsNotFound(err):
		labels := aggregatorChildLabels(a)
		maps.Copy(labels, extraLabels)
		secret = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: a.Namespace, Labels: labels},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{},
		}
		if err := fill(secret.Data); err != nil {
			return err
		}
		if err := controllerutil.SetControllerReference(a, secret, s.c.Scheme()); err != nil {
			return fmt.Errorf("own Secret %s: %w", name, err)
		}
		if err := s.c.Create(ctx, secret, client.FieldOwner(FieldManager)); err != nil {
			if apierrors.IsAlreadyExists(err) {
				// Either the cache has not seen our own Secret yet (the next
				// reconcile finds it), or somebody else's holds the name
				// without our label: the operator never takes that over.
				return fmt.Errorf("create Secret %s: one of that name exists; if it lacks the label %s the operator will not take it over: %w", name, LabelAggregator, err)
			}
			return fmt.Errorf("create Secret %s: %w", name, err)
		}
		if s.recorder != nil {
			s.recorder.Eventf(a, secret, corev1.EventTypeNormal, "CredentialsGenerated", "CreateSecret", "generated Secret %s", name)
		}
		return nil
	case err != nil:
		return fmt.Errorf("get Secret %s: %w", name, err)
	}
	before := secret.DeepCopy()
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	if err := fill(secret.Data); err != nil {
		return err
	}
	if maps.EqualFunc(before.Data, secret.Data, func(x, y []byte) bool { return string(x) == string(y) }) {
		return nil
	}
	// An update carries the resourceVersion read: were the Secret changed
	// meanwhile, it fails and the next reconcile starts from the new one.
	if err := s.c.Update(ctx, secret, client.FieldOwner(FieldManager)); err != nil {
		return fmt.Errorf("update Secret %s: %w", name, err)
	}
	return nil
}

// deleteFormerCustomers deletes the client Secrets of customers no longer in
// spec.customers.
func deleteFormerCustomers(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	var secrets corev1.SecretList
	if err := s.c.List(ctx, &secrets, client.InNamespace(a.Namespace), client.MatchingLabels{LabelAggregator: a.Name}, client.HasLabels{LabelCustomer}); err != nil {
		return fmt.Errorf("list customer Secrets: %w", err)
	}
	listed := map[string]bool{}
	for _, c := range a.Spec.Customers {
		listed[c.Name] = true
	}
	for i := range secrets.Items {
		sec := &secrets.Items[i]
		if listed[sec.Labels[LabelCustomer]] || !metav1.IsControlledBy(sec, a) {
			continue
		}
		if err := s.c.Delete(ctx, sec); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete Secret %s of former customer %s: %w", sec.Name, sec.Labels[LabelCustomer], err)
		}
	}
	return nil
}
