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
	"errors"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// A FhirEndpoint author reaches further than the server they ask for: the
// ingress controller reads spec.ingress.annotations (ingress-nginx's *-snippet
// annotations are configuration it runs for every host; server-alias answers
// for another host past the subdomain check), and spec.image runs with the
// customer's data volume and credentials. The manager's flags say what an
// author may ask for; the reconciler enforces it, because a CEL rule in the
// CRD cannot read the manager's flags. See docs/operator.md, "Trust model".

// DefaultAllowedIngressAnnotations is --allowed-ingress-annotations when the
// flag is not given: ingress-nginx annotations that shape only this host's own
// traffic (body size, timeouts, rate limits, source ranges, TLS redirects,
// CORS) and cert-manager's choice of issuer.
func DefaultAllowedIngressAnnotations() []string {
	return []string{
		"nginx.ingress.kubernetes.io/proxy-body-size",
		"nginx.ingress.kubernetes.io/proxy-connect-timeout",
		"nginx.ingress.kubernetes.io/proxy-read-timeout",
		"nginx.ingress.kubernetes.io/proxy-send-timeout",
		"nginx.ingress.kubernetes.io/limit-*",
		"nginx.ingress.kubernetes.io/whitelist-source-range",
		"nginx.ingress.kubernetes.io/allowlist-source-range",
		"nginx.ingress.kubernetes.io/denylist-source-range",
		"nginx.ingress.kubernetes.io/ssl-redirect",
		"nginx.ingress.kubernetes.io/force-ssl-redirect",
		"nginx.ingress.kubernetes.io/enable-cors",
		"nginx.ingress.kubernetes.io/cors-*",
		"cert-manager.io/cluster-issuer",
		"cert-manager.io/issuer",
	}
}

// neverAllowed says why an annotation is refused even when the allow list
// covers it (a glob such as nginx.ingress.kubernetes.io/* would), or "". Names
// are matched after the last "/", whatever the prefix: ingress-nginx's
// --annotations-prefix can be changed, and other controllers copy its names.
func neverAllowed(key string) string {
	lower := strings.ToLower(key)
	name := lower[strings.LastIndex(lower, "/")+1:]
	switch {
	case strings.Contains(lower, "snippet"):
		return "injects configuration into the ingress controller"
	case name == "server-alias":
		return "claims hosts other than the endpoint's own"
	case name == "auth-url", name == "auth-signin", name == "mirror-target", name == "mirror-host",
		name == "permanent-redirect", name == "temporal-redirect":
		return "sends requests, or their clients, to another address"
	}
	return ""
}

// matchesPattern: a pattern is an exact annotation key, or a prefix ending in "*".
func matchesPattern(key, pattern string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(key, prefix)
	}
	return key == pattern
}

// ValidateAnnotationPatterns checks --allowed-ingress-annotations: each entry
// an annotation key, or a key prefix followed by a single trailing "*". A key
// that is never allowed is an error rather than silently ignored, so the
// operator of the cluster learns at start-up that listing it has no effect.
func ValidateAnnotationPatterns(patterns []string) error {
	var errs []error
	for _, p := range patterns {
		prefix, glob := strings.CutSuffix(p, "*")
		switch {
		case strings.Contains(prefix, "*"):
			errs = append(errs, fmt.Errorf("%q: \"*\" may only end a pattern", p))
		case glob:
			if strings.ContainsAny(prefix, " \t\n") {
				errs = append(errs, fmt.Errorf("%q: a pattern holds no white space", p))
			}
		case len(validation.IsQualifiedName(p)) > 0:
			errs = append(errs, fmt.Errorf("%q: %s", p, strings.Join(validation.IsQualifiedName(p), "; ")))
		case neverAllowed(p) != "":
			errs = append(errs, fmt.Errorf("%q is never allowed (it %s)", p, neverAllowed(p)))
		}
	}
	return errors.Join(errs...)
}

// filterAnnotations splits spec.ingress.annotations into those the Ingress
// gets and the refused keys (sorted), each with the reason.
func filterAnnotations(allowed []string, annotations map[string]string) (kept map[string]string, refused []string) {
	for key, value := range annotations {
		reason := neverAllowed(key)
		if reason == "" && !anyMatch(key, allowed) {
			reason = "not in --allowed-ingress-annotations"
		}
		if reason != "" {
			refused = append(refused, fmt.Sprintf("%s (%s)", bounded(key), reason))
			continue
		}
		if kept == nil {
			kept = map[string]string{}
		}
		kept[key] = value
	}
	sort.Strings(refused)
	return kept, refused
}

func anyMatch(key string, patterns []string) bool {
	for _, p := range patterns {
		if matchesPattern(key, p) {
			return true
		}
	}
	return false
}

// ImageRepository is image without its tag or digest: the default of
// --allowed-image-prefixes, so other tags of the manager's own server image
// are allowed and nothing else is.
func ImageRepository(image string) string {
	repo, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return repo
}

// ValidateImagePrefixes checks --allowed-image-prefixes: plain prefixes, no
// globs (a "*" would be taken literally and match nothing).
func ValidateImagePrefixes(prefixes []string) error {
	var errs []error
	for _, p := range prefixes {
		if strings.ContainsAny(p, "* \t\n") {
			errs = append(errs, fmt.Errorf("%q: a prefix is plain text, without \"*\" or white space", p))
		}
	}
	return errors.Join(errs...)
}

// imageAllowed: the manager's own image, or an image under an allowed prefix.
// A prefix ends at a boundary of the reference: "ghcr.io/fhirfleet/fhirserver"
// allows its tags and digests and anything under it, never
// "ghcr.io/fhirfleet/fhirserver-evil"; a prefix ending in "/" allows a whole
// registry or folder.
func imageAllowed(cfg Config, image string) bool {
	return imageAllowedAs(cfg.AllowedImagePrefixes, cfg.FhirServerImage, image)
}

// imageAllowedAs is imageAllowed for a workload whose own image (the
// manager's flag) is own: that image, or one under an allowed prefix.
func imageAllowedAs(prefixes []string, own, image string) bool {
	if image == own {
		return true
	}
	// No runtime resolves "..", but a prefix check must not depend on that.
	for _, seg := range strings.Split(image, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	for _, p := range prefixes {
		rest, ok := strings.CutPrefix(image, p)
		if !ok || p == "" {
			continue
		}
		if rest == "" || strings.ContainsAny(p[len(p)-1:], "/:@") || strings.ContainsAny(rest[:1], "/:@") {
			return true
		}
	}
	return false
}

// maxNamedInMessage bounds how many refused keys a condition message names:
// an author may write thousands of annotations, and a condition message over
// 32768 bytes would make the status patch itself fail.
const maxNamedInMessage = 20

// checkSpecPolicy decides which of the spec's annotations the Ingress gets and
// whether spec.image may run, and says what it refused in SpecAccepted. It
// never blocks: the rest of the spec is still applied (the Ingress without the
// refused annotations; the server without the refused image, see serverImage),
// so tightening the manager's flags takes effect on every endpoint at once.
func checkSpecPolicy(_ context.Context, s *scope) error {
	e := s.endpoint
	v := judgeSpec(s.cfg.AllowedIngressAnnotations, s.cfg.AllowedImagePrefixes, "--fhirserver-image", s.cfg.FhirServerImage, e.Spec.Image, e.Spec.Ingress.Annotations)
	s.ingressAnnotations, s.imageRefused = v.annotations, v.imageRefused
	v.report(s)
	return nil
}

// specVerdict is what the manager's policy makes of a spec's image and
// Ingress annotations.
type specVerdict struct {
	// annotations are the ones the Ingress gets.
	annotations  map[string]string
	imageRefused bool
	// reason and message are SpecAccepted's when something was refused.
	reason, message string
}

// judgeSpec applies the policy to image (empty: the manager's own, named
// by ownFlag) and the Ingress annotations.
func judgeSpec(allowedAnnotations, allowedPrefixes []string, ownFlag, ownImage, image string, annotations map[string]string) specVerdict {
	kept, refusedKeys := filterAnnotations(allowedAnnotations, annotations)
	v := specVerdict{annotations: kept, imageRefused: image != "" && !imageAllowedAs(allowedPrefixes, ownImage, image)}
	var msgs []string
	if v.imageRefused {
		v.reason = fhirv1.ReasonImageRefused
		msgs = append(msgs, fmt.Sprintf("spec.image %s is not run: it is neither %s nor under --allowed-image-prefixes (%s)",
			quoteBounded(image), ownFlag, strings.Join(allowedPrefixes, ", ")))
	}
	if len(refusedKeys) > 0 {
		v.reason = fhirv1.ReasonAnnotationsRefused
		if v.imageRefused {
			v.reason = fhirv1.ReasonImageAndAnnotationsRefused
		}
		named := refusedKeys
		more := ""
		if len(named) > maxNamedInMessage {
			named, more = named[:maxNamedInMessage], fmt.Sprintf(" and %d more", len(refusedKeys)-maxNamedInMessage)
		}
		msgs = append(msgs, "spec.ingress.annotations not applied: "+strings.Join(named, ", ")+more)
	}
	v.message = strings.Join(msgs, "; ")
	return v
}

// report sets SpecAccepted from the verdict.
func (v specVerdict) report(s reporter) {
	if v.reason == "" {
		setCondition(s, fhirv1.ConditionSpecAccepted, metav1.ConditionTrue, fhirv1.ReasonAccepted, "spec.image and spec.ingress.annotations are within the manager's policy")
		return
	}
	setCondition(s, fhirv1.ConditionSpecAccepted, metav1.ConditionFalse, v.reason, v.message)
}

// bounded cuts a spec value to a readable length for a message: the CRD does
// not bound annotation keys or the image, and a condition message must stay
// under 32768 bytes.
func bounded(v string) string {
	const limit = 200
	if len(v) > limit {
		return v[:limit] + "..."
	}
	return v
}

func quoteBounded(v string) string { return fmt.Sprintf("%q", bounded(v)) }
