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
	"path"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// Paths inside the aggregator pod, and its binary: the contract with
// cmd/aggregator's flags (on PATH in its image, /usr/local/bin/aggregator).
const (
	aggregatorCommand        = "aggregator"
	aggregatorDataPath       = "/data"
	aggregatorClientsPath    = "/clients"
	aggregatorCredentialPath = "/credentials"
	aggregatorJWKSPath       = "/patient-jwks"
)

// reconcileAggregatorStatefulSet applies the aggregator workload: a
// StatefulSet of one replica (zero when suspended), for the reason the
// server is one: its Pebble store must have exactly one writer.
func reconcileAggregatorStatefulSet(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	live := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: a.Name, Namespace: a.Namespace}}
	found, err := applyChild(ctx, s.c, live, desiredAggregatorStatefulSet(s), appsv1ac.ExtractStatefulSet)
	if err != nil {
		return err
	}
	switch {
	case a.Spec.Suspend:
		setCondition(s, fhirv1.ConditionAvailable, metav1.ConditionFalse, fhirv1.ReasonSuspended, "the aggregator is scaled to zero")
	case found && live.Status.ReadyReplicas >= 1:
		setCondition(s, fhirv1.ConditionAvailable, metav1.ConditionTrue, fhirv1.ReasonPodReady, "the aggregator pod is ready")
	default:
		setCondition(s, fhirv1.ConditionAvailable, metav1.ConditionFalse, fhirv1.ReasonPodNotReady, "waiting for the aggregator pod to become ready")
	}
	return nil
}

// aggregatorArgs is the aggregator's command line in Kubernetes mode (no
// --source): the contract with cmd/aggregator. --namespace is left out when
// spec.namespaces is empty, which the aggregator reads as every namespace.
func aggregatorArgs(s *aggregatorScope) []string {
	a := s.aggregator
	args := []string{
		aggregatorCommand,
		"--data-dir", aggregatorDataPath,
		"--listen", fmt.Sprintf(":%d", httpPort),
		"--metrics-listen", fmt.Sprintf(":%d", metricsPort),
		"--base-url", s.baseURL(),
		// The sources are reached at their Services, with no proxy whose
		// idle timeout a long poll must stay under: it waits as long as a
		// fhirserver allows, less a margin. Every poll that ends empty
		// wakes an idle server, so fewer polls mean a quieter fleet.
		"--poll-wait", "55s",
	}
	if len(a.Spec.Namespaces) > 0 {
		args = append(args, "--namespace", strings.Join(a.Spec.Namespaces, ","))
	}
	args = append(args, "--clients-dir", aggregatorClientsPath, "--credentials-dir", aggregatorCredentialPath)
	if p := a.Spec.PatientAccess; p != nil {
		jwks := p.JWKSURI
		if p.JWKSSecret != nil {
			jwks = path.Join(aggregatorJWKSPath, p.JWKSSecret.EffectiveKey())
		}
		args = append(args,
			"--patient-issuer", p.Issuer,
			"--patient-jwks", jwks,
			"--patient-audience", p.Audience,
			"--patient-min-proofing", string(p.EffectiveMinimumProofingLevel()))
	}
	return args
}

// aggregatorVolumes are the pod's volumes and the container's mounts: the
// data claim, the customers' client Secrets projected as one folder each
// (/clients/<customer>/client_id, client_secret, privacy_labels), the
// signing key, a patient JWK Set from a Secret, and /tmp.
func aggregatorVolumes(a *fhirv1.FhirAggregator) ([]*corev1ac.VolumeApplyConfiguration, []*corev1ac.VolumeMountApplyConfiguration) {
	clients := corev1ac.Volume().WithName("clients")
	if len(a.Spec.Customers) == 0 {
		// A projected volume needs a source; no customers, no clients.
		clients.WithEmptyDir(corev1ac.EmptyDirVolumeSource())
	} else {
		projected := corev1ac.ProjectedVolumeSource().WithDefaultMode(0o440)
		for _, c := range a.Spec.Customers {
			src := corev1ac.SecretProjection().WithName(a.ClientSecretName(c.Name))
			for _, k := range []string{keyClientID, keyClientSecret, keyPrivacyLabels} {
				src.WithItems(corev1ac.KeyToPath().WithKey(k).WithPath(c.Name + "/" + k))
			}
			projected.WithSources(corev1ac.VolumeProjection().WithSecret(src))
		}
		clients.WithProjected(projected)
	}
	volumes := []*corev1ac.VolumeApplyConfiguration{
		corev1ac.Volume().WithName("data").WithPersistentVolumeClaim(
			corev1ac.PersistentVolumeClaimVolumeSource().WithClaimName(a.DataClaimName())),
		clients,
		corev1ac.Volume().WithName("credentials").WithSecret(
			corev1ac.SecretVolumeSource().WithSecretName(a.SigningKeySecretName()).WithDefaultMode(0o440)),
		corev1ac.Volume().WithName("tmp").WithEmptyDir(corev1ac.EmptyDirVolumeSource()),
	}
	mounts := []*corev1ac.VolumeMountApplyConfiguration{
		corev1ac.VolumeMount().WithName("data").WithMountPath(aggregatorDataPath),
		corev1ac.VolumeMount().WithName("clients").WithMountPath(aggregatorClientsPath).WithReadOnly(true),
		corev1ac.VolumeMount().WithName("credentials").WithMountPath(aggregatorCredentialPath).WithReadOnly(true),
		corev1ac.VolumeMount().WithName("tmp").WithMountPath(tmpMountPath),
	}
	if p := a.Spec.PatientAccess; p != nil && p.JWKSSecret != nil {
		volumes = append(volumes, corev1ac.Volume().WithName("patient-jwks").WithSecret(
			corev1ac.SecretVolumeSource().WithSecretName(p.JWKSSecret.Name).WithDefaultMode(0o440).
				WithItems(corev1ac.KeyToPath().WithKey(p.JWKSSecret.EffectiveKey()).WithPath(p.JWKSSecret.EffectiveKey()))))
		mounts = append(mounts, corev1ac.VolumeMount().WithName("patient-jwks").WithMountPath(aggregatorJWKSPath).WithReadOnly(true))
	}
	return volumes, mounts
}

// desiredAggregatorStatefulSet is the aggregator workload. It runs as its
// own ServiceAccount, whose token it needs to watch FhirEndpoints; probes
// go to the metrics listener's /healthz and /readyz.
func desiredAggregatorStatefulSet(s *aggregatorScope) *appsv1ac.StatefulSetApplyConfiguration {
	a := s.aggregator
	replicas := int32(1)
	if a.Spec.Suspend {
		replicas = 0
	}
	volumes, mounts := aggregatorVolumes(a)
	container := corev1ac.Container().
		WithName(aggregatorComponent).
		WithImage(aggregatorImage(s)).
		WithCommand(aggregatorArgs(s)...).
		WithPorts(
			corev1ac.ContainerPort().WithName(httpPortName).WithContainerPort(httpPort).WithProtocol(corev1.ProtocolTCP),
			corev1ac.ContainerPort().WithName(metricsPortName).WithContainerPort(metricsPort).WithProtocol(corev1.ProtocolTCP)).
		WithReadinessProbe(probeOn(metricsPortName, "/readyz", 5, 3)).
		WithLivenessProbe(probeOn(metricsPortName, "/healthz", 10, 6)).
		WithSecurityContext(restrictedContainerSecurity()).
		WithVolumeMounts(mounts...)
	if res := resourceRequirements(a.Spec.Resources); res != nil {
		container.WithResources(res)
	}
	pod := corev1ac.PodSpec().
		WithServiceAccountName(a.Name).
		WithAutomountServiceAccountToken(true).
		WithEnableServiceLinks(false).
		WithSecurityContext(restrictedPodSecurity()).
		WithContainers(container).
		WithVolumes(volumes...)

	return appsv1ac.StatefulSet(a.Name, a.Namespace).
		WithLabels(aggregatorChildLabels(a)).
		WithOwnerReferences(s.ownerRef()).
		WithSpec(appsv1ac.StatefulSetSpec().
			WithReplicas(replicas).
			WithServiceName(a.Name).
			WithPodManagementPolicy(appsv1.ParallelPodManagement).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(aggregatorSelectorLabels(a))).
			WithTemplate(corev1ac.PodTemplateSpec().
				WithLabels(aggregatorPodLabels(a)).
				WithSpec(pod)))
}
