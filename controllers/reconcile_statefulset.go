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
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// nonRootID is the distroless "nonroot" user and group the images run as.
const nonRootID = 65532

// startupProbeFailures is how many seconds a tenant server has to open its
// store and listen before the kubelet restarts it (see the probes below).
const startupProbeFailures = 3600

// reconcileStatefulSet applies the server workload: a StatefulSet of one
// replica (zero when suspended). A StatefulSet rather than a Deployment
// because a Pebble store must have exactly one writer: the StatefulSet
// controller never starts a replacement pod while the old one may still run
// (even on an unreachable node), where a Deployment's ReplicaSet would.
// Parallel pod management keeps a crash-looping pod from blocking the next
// rollout, which OrderedReady would.
func reconcileStatefulSet(ctx context.Context, s *scope) error {
	e := s.endpoint
	image, err := serverImage(ctx, s)
	if err != nil {
		return err
	}
	live := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: e.Name, Namespace: e.Namespace}}
	if s.secretHash == "" {
		// The secret stage failed: keep the hash the server runs with, so
		// that a suspend or a resources change still gets through without
		// rolling the pod onto credentials that are not ready.
		if s.secretHash, err = runningCredentialsHash(ctx, s); err != nil {
			return err
		}
		if s.secretHash == "" {
			setCondition(s, fhirv1.ConditionAvailable, metav1.ConditionFalse, fhirv1.ReasonNotProvisioned, "waiting for the credentials Secret (see CredentialsReady)")
			return nil
		}
	}
	up, err := planUpgrade(ctx, s, image)
	if err != nil {
		return err
	}
	desired, err := desiredStatefulSet(s, up.image)
	if err != nil {
		return err
	}
	found, err := applyChild(ctx, s.c, live, up.annotate(desired), appsv1ac.ExtractStatefulSet)
	if err != nil {
		return err
	}
	if err := reportUpgrade(ctx, s, up); err != nil {
		return err
	}
	e.Status.FHIRVersion = e.Spec.FHIRVersion

	switch {
	case s.suspended:
		setCondition(s, fhirv1.ConditionAvailable, metav1.ConditionFalse, fhirv1.ReasonSuspended, "the server is scaled to zero")
	case found && live.Status.ReadyReplicas >= 1:
		setCondition(s, fhirv1.ConditionAvailable, metav1.ConditionTrue, fhirv1.ReasonPodReady, "the server pod is ready")
	default:
		setCondition(s, fhirv1.ConditionAvailable, metav1.ConditionFalse, fhirv1.ReasonPodNotReady, "waiting for the server pod to become ready")
	}
	return nil
}

// runningCredentialsHash is the credentials hash on the live StatefulSet's
// pod template, or "" when there is no StatefulSet yet.
func runningCredentialsHash(ctx context.Context, s *scope) (string, error) {
	live := &appsv1.StatefulSet{}
	err := s.c.Get(ctx, client.ObjectKeyFromObject(s.endpoint), live)
	if client.IgnoreNotFound(err) != nil {
		return "", fmt.Errorf("get the running StatefulSet %s: %w", s.endpoint.Name, err)
	}
	return live.Spec.Template.Annotations[AnnotationCredentialsHash], nil
}

// serverImage is the image the server runs: spec.image if the policy allows
// it, else --fhirserver-image. A refused spec.image is never rolled out: a
// server already running an allowed image keeps it (no restart, and no
// upgrade or downgrade nobody asked for); one running an image the policy no
// longer allows, or a new one, gets --fhirserver-image.
func serverImage(ctx context.Context, s *scope) (string, error) {
	e := s.endpoint
	if e.Spec.Image == "" {
		return s.cfg.FhirServerImage, nil
	}
	if !s.imageRefused {
		return e.Spec.Image, nil
	}
	live := &appsv1.StatefulSet{}
	err := s.c.Get(ctx, client.ObjectKeyFromObject(e), live)
	if client.IgnoreNotFound(err) != nil {
		return "", fmt.Errorf("get the running StatefulSet %s: %w", e.Name, err)
	}
	for _, c := range live.Spec.Template.Spec.Containers {
		if c.Name == serverName && imageAllowed(s.cfg, c.Image) {
			return c.Image, nil
		}
	}
	return s.cfg.FhirServerImage, nil
}

// serverCommand is the fhirserver command line: the contract with cmd/fhirserver.
// --metrics-listen is explicit, not left to the server's default, because
// the Service and NetworkPolicy name its port.
func serverCommand(s *scope) []string {
	cmd := []string{
		"fhirserver",
		"--fhir-version", string(s.endpoint.Spec.FHIRVersion),
		"--data-dir", dataMountPath,
		"--base-url", s.baseURL(),
		"--credentials-dir", credentialsMountPath,
		"--metrics-listen", fmt.Sprintf(":%d", metricsPort),
	}
	// Only when set, so that managers without the flag keep the pod
	// template (and every running server) exactly as it was.
	if len(s.cfg.ServerTrustedProxies) > 0 {
		cmd = append(cmd, "--trusted-proxies", strings.Join(s.cfg.ServerTrustedProxies, ","))
	}
	// Only when it differs from the server's default, for the same reason;
	// status.credentials.previousValidUntil is computed with this value.
	if g := gracePeriod(s.endpoint); g != defaultGracePeriod {
		cmd = append(cmd, "--secret-grace-period", g.String())
	}
	return cmd
}

// desiredStatefulSet is the server workload. Everything in the pod template
// derives from the spec and the hash of the Secret's identity (see
// credentialsIdentity: rotated secrets are re-read, not restarted for) only, so an operator upgrade
// does not restart every tenant unless the template itself had to change.
func desiredStatefulSet(s *scope, image string) (*appsv1ac.StatefulSetApplyConfiguration, error) {
	e := s.endpoint
	replicas := int32(1)
	if s.suspended {
		replicas = 0
	}

	container := corev1ac.Container().
		WithName(serverName).
		WithImage(image).
		WithCommand(serverCommand(s)...).
		WithPorts(
			corev1ac.ContainerPort().WithName(httpPortName).WithContainerPort(httpPort).WithProtocol(corev1.ProtocolTCP),
			corev1ac.ContainerPort().WithName(metricsPortName).WithContainerPort(metricsPort).WithProtocol(corev1.ProtocolTCP)).
		// Every probe wakes an otherwise idle server (~0.6 ms of CPU on a new
		// connection), which adds up across a dense fleet: at Kubernetes'
		// default 10 s period, readiness and liveness alone cost a 500-tenant
		// node 6 % of a core. So both probe every 30 s once the server has
		// started, and a startup probe every second covers the start: the
		// kubelet runs the readiness probe as soon as the startup probe
		// passes, so a new pod is Ready as fast as before. /healthz answers
		// once the server listens, which is after its store is open; the
		// startup probe allows an hour for that (a WAL replay, a format
		// migration, a re-index after the search definitions changed: ~100–
		// 200 µs per resource, so 5 minutes would kill the re-index of a
		// tenant of a few million resources again and again; it resumes
		// where it stopped, but each restart waits out the kubelet's back-off).
		WithStartupProbe(httpProbe("/healthz", 1, startupProbeFailures)).
		WithReadinessProbe(httpProbe("/readyz", 30, 3)).
		WithLivenessProbe(httpProbe("/healthz", 30, 3)).
		WithSecurityContext(restrictedContainerSecurity()).
		WithVolumeMounts(
			corev1ac.VolumeMount().WithName("data").WithMountPath(dataMountPath),
			corev1ac.VolumeMount().WithName("credentials").WithMountPath(credentialsMountPath).WithReadOnly(true),
			corev1ac.VolumeMount().WithName("tmp").WithMountPath(tmpMountPath),
		)
	if res := resourceRequirements(e.Spec.Resources); res != nil {
		container.WithResources(res)
	}

	pod := corev1ac.PodSpec().
		WithAutomountServiceAccountToken(false).
		WithEnableServiceLinks(false).
		WithSecurityContext(restrictedPodSecurity()).
		WithContainers(container).
		WithVolumes(
			corev1ac.Volume().WithName("data").WithPersistentVolumeClaim(
				corev1ac.PersistentVolumeClaimVolumeSource().WithClaimName(e.DataClaimName())),
			corev1ac.Volume().WithName("credentials").WithSecret(
				corev1ac.SecretVolumeSource().WithSecretName(s.secretName).WithDefaultMode(0o440)),
			corev1ac.Volume().WithName("tmp").WithEmptyDir(corev1ac.EmptyDirVolumeSource()),
		)
	if err := applyPodOverrides(pod, e.Spec.PodTemplate); err != nil {
		return nil, err
	}
	labels, annotations := podMetadata(e, s.secretHash)

	return appsv1ac.StatefulSet(e.Name, e.Namespace).
		WithLabels(childLabels(e)).
		WithOwnerReferences(s.ownerRef()).
		WithSpec(appsv1ac.StatefulSetSpec().
			WithReplicas(replicas).
			WithServiceName(e.Name).
			WithPodManagementPolicy(appsv1.ParallelPodManagement).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(e))).
			WithTemplate(corev1ac.PodTemplateSpec().
				WithLabels(labels).
				WithAnnotations(annotations).
				WithSpec(pod))), nil
}

// restrictedContainerSecurity is what the restricted Pod Security Standard
// asks of a container, and a read-only root: the images need to write only
// to their volumes.
func restrictedContainerSecurity() *corev1ac.SecurityContextApplyConfiguration {
	return corev1ac.SecurityContext().
		WithRunAsNonRoot(true).
		WithReadOnlyRootFilesystem(true).
		WithAllowPrivilegeEscalation(false).
		WithCapabilities(corev1ac.Capabilities().WithDrop("ALL")).
		WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))
}

// restrictedPodSecurity runs the pod as the images' nonroot user, which
// also owns the mounted volumes (fsGroup).
func restrictedPodSecurity() *corev1ac.PodSecurityContextApplyConfiguration {
	return corev1ac.PodSecurityContext().
		WithRunAsNonRoot(true).
		WithRunAsUser(nonRootID).
		WithRunAsGroup(nonRootID).
		WithFSGroup(nonRootID).
		WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))
}

func httpProbe(path string, period, failures int32) *corev1ac.ProbeApplyConfiguration {
	return probeOn(httpPortName, path, period, failures)
}

// probeOn is an HTTP GET probe of path on the named container port.
func probeOn(port, path string, period, failures int32) *corev1ac.ProbeApplyConfiguration {
	return corev1ac.Probe().
		WithHTTPGet(corev1ac.HTTPGetAction().WithPath(path).WithPort(intstr.FromString(port))).
		WithPeriodSeconds(period).
		WithFailureThreshold(failures)
}

// resourceRequirements converts spec.resources, or nil when it is empty so
// the applied configuration has no empty object that the server would not echo.
func resourceRequirements(r corev1.ResourceRequirements) *corev1ac.ResourceRequirementsApplyConfiguration {
	if len(r.Limits) == 0 && len(r.Requests) == 0 && len(r.Claims) == 0 {
		return nil
	}
	ac := corev1ac.ResourceRequirements()
	if len(r.Limits) > 0 {
		ac.WithLimits(r.Limits.DeepCopy())
	}
	if len(r.Requests) > 0 {
		ac.WithRequests(r.Requests.DeepCopy())
	}
	for _, c := range r.Claims {
		claim := corev1ac.ResourceClaim().WithName(c.Name)
		if c.Request != "" {
			claim.WithRequest(c.Request)
		}
		ac.WithClaims(claim)
	}
	return ac
}
