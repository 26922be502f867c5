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

package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/fhirfleet/fhirfleet/controllers"
)

func TestParseFlags(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, o *options)
	}{
		{
			name: "defaults",
			args: []string{"--base-domain", "fhir.example.com"},
			check: func(t *testing.T, o *options) {
				if o.URLScheme != "https" || o.IngressNamespace != "ingress-nginx" || o.AggregatorNamespace != "fhirfleet-system" || o.FhirServerImage != defaultImage || o.leaderElect ||
					o.maxConcurrent != 4 || o.qps != 50 || o.burst != 100 {
					t.Errorf("defaults = %+v", o)
				}
			},
		},
		{
			name: "everything",
			args: []string{"--base-domain=fhir.example.com", "--fhirserver-image=reg/fs:1", "--ingress-class=nginx", "--url-scheme=http",
				"--ingress-namespace=ingress", "--aggregator-namespace=agg", "--kubeconfig=/k", "--metrics-bind-address=:9", "--health-probe-bind-address=:10", "--leader-elect",
				"--max-concurrent-reconciles=8", "--default-tls-secret=wildcard-tls", "--kube-api-qps=100", "--kube-api-burst=200", "--aggregator-image=reg/agg:1"},
			check: func(t *testing.T, o *options) {
				if o.FhirServerImage != "reg/fs:1" || o.AggregatorImage != "reg/agg:1" || o.IngressClass != "nginx" || o.URLScheme != "http" || o.IngressNamespace != "ingress" ||
					o.AggregatorNamespace != "agg" || o.kubeconfig != "/k" || o.metricsBindAddress != ":9" || o.healthProbeBindAddress != ":10" || !o.leaderElect ||
					o.maxConcurrent != 8 || o.qps != 100 || o.burst != 200 || o.DefaultTLSSecret != "wildcard-tls" {
					t.Errorf("options = %+v", o)
				}
			},
		},
		{
			name: "a gateway's port in the public URLs",
			args: []string{"--base-domain", "localhost", "--url-scheme", "http", "--url-port", "8080"},
			check: func(t *testing.T, o *options) {
				if o.URLPort != 8080 {
					t.Errorf("URLPort = %d, want 8080", o.URLPort)
				}
			},
		},
		{
			name: "aggregator namespace from the pod",
			args: []string{"--base-domain", "fhir.example.com"},
			env:  map[string]string{"POD_NAMESPACE": "ops"},
			check: func(t *testing.T, o *options) {
				if o.AggregatorNamespace != "ops" {
					t.Errorf("AggregatorNamespace = %q, want ops", o.AggregatorNamespace)
				}
			},
		},
		{
			name: "policy defaults: safe annotations, the server image's own repository, a monitoring namespace",
			args: []string{"--base-domain", "fhir.example.com"},
			check: func(t *testing.T, o *options) {
				if !reflect.DeepEqual(o.AllowedIngressAnnotations, controllers.DefaultAllowedIngressAnnotations()) {
					t.Errorf("AllowedIngressAnnotations = %q", o.AllowedIngressAnnotations)
				}
				if !reflect.DeepEqual(o.AllowedImagePrefixes, []string{"ghcr.io/fhirfleet/fhirserver"}) {
					t.Errorf("AllowedImagePrefixes = %q, want the repository of %s", o.AllowedImagePrefixes, defaultImage)
				}
				if o.AggregatorImage != defaultAggregatorImage || !reflect.DeepEqual(o.AllowedAggregatorImagePrefixes, []string{"ghcr.io/fhirfleet/aggregator"}) {
					t.Errorf("aggregator image %q, prefixes %q, want the repository of %s", o.AggregatorImage, o.AllowedAggregatorImagePrefixes, defaultAggregatorImage)
				}
				if o.MetricsNamespace != "monitoring" {
					t.Errorf("MetricsNamespace = %q", o.MetricsNamespace)
				}
			},
		},
		{
			name: "image prefix follows --fhirserver-image, digest and registry port included",
			args: []string{"--base-domain", "x.io", "--fhirserver-image", "localhost:5000/team/fs@sha256:0123"},
			check: func(t *testing.T, o *options) {
				if !reflect.DeepEqual(o.AllowedImagePrefixes, []string{"localhost:5000/team/fs"}) {
					t.Errorf("AllowedImagePrefixes = %q", o.AllowedImagePrefixes)
				}
			},
		},
		{
			name: "lists are comma-separated and trimmed",
			args: []string{"--base-domain", "x.io", "--allowed-ingress-annotations", " example.com/a , nginx.ingress.kubernetes.io/proxy-*,",
				"--allowed-image-prefixes", "registry.example.org/fhirfleet/,ghcr.io/acme/fhirserver", "--metrics-namespace", "prom"},
			check: func(t *testing.T, o *options) {
				if !reflect.DeepEqual(o.AllowedIngressAnnotations, []string{"example.com/a", "nginx.ingress.kubernetes.io/proxy-*"}) {
					t.Errorf("AllowedIngressAnnotations = %q", o.AllowedIngressAnnotations)
				}
				if !reflect.DeepEqual(o.AllowedImagePrefixes, []string{"registry.example.org/fhirfleet/", "ghcr.io/acme/fhirserver"}) {
					t.Errorf("AllowedImagePrefixes = %q", o.AllowedImagePrefixes)
				}
				if !reflect.DeepEqual(o.AllowedAggregatorImagePrefixes, o.AllowedImagePrefixes) {
					t.Errorf("AllowedAggregatorImagePrefixes = %q, want --allowed-image-prefixes for both kinds", o.AllowedAggregatorImagePrefixes)
				}
				if o.MetricsNamespace != "prom" {
					t.Errorf("MetricsNamespace = %q", o.MetricsNamespace)
				}
			},
		},
		{
			name: "server trusted proxies are passed on as given",
			args: []string{"--base-domain", "x.io", "--server-trusted-proxies", "10.0.0.0/8, 192.0.2.7"},
			check: func(t *testing.T, o *options) {
				if !reflect.DeepEqual(o.ServerTrustedProxies, []string{"10.0.0.0/8", "192.0.2.7"}) {
					t.Errorf("ServerTrustedProxies = %q", o.ServerTrustedProxies)
				}
			},
		},
		{
			name: "empty lists allow nothing, and no one scrapes",
			args: []string{"--base-domain", "x.io", "--allowed-ingress-annotations=", "--allowed-image-prefixes=", "--metrics-namespace="},
			check: func(t *testing.T, o *options) {
				if len(o.AllowedIngressAnnotations) != 0 || len(o.AllowedImagePrefixes) != 0 || o.MetricsNamespace != "" {
					t.Errorf("annotations %q, prefixes %q, metrics namespace %q: want all empty", o.AllowedIngressAnnotations, o.AllowedImagePrefixes, o.MetricsNamespace)
				}
			},
		},
		{name: "url port out of range", args: []string{"--base-domain", "x.io", "--url-port", "70000"}, wantErr: "--url-port 70000"},
		{name: "a snippet is never allowed", args: []string{"--base-domain", "x.io", "--allowed-ingress-annotations", "nginx.ingress.kubernetes.io/configuration-snippet"}, wantErr: "never allowed"},
		{name: "server-alias is never allowed", args: []string{"--base-domain", "x.io", "--allowed-ingress-annotations", "example.com/a,nginx.ingress.kubernetes.io/server-alias"}, wantErr: "server-alias"},
		{name: "auth-url is never allowed", args: []string{"--base-domain", "x.io", "--allowed-ingress-annotations", "nginx.ingress.kubernetes.io/auth-url"}, wantErr: "never allowed"},
		{name: "glob only at the end", args: []string{"--base-domain", "x.io", "--allowed-ingress-annotations", "nginx.ingress.kubernetes.io/*-timeout"}, wantErr: "may only end"},
		{name: "annotation key syntax", args: []string{"--base-domain", "x.io", "--allowed-ingress-annotations", "not a key"}, wantErr: "--allowed-ingress-annotations"},
		{name: "image prefixes are not globs", args: []string{"--base-domain", "x.io", "--allowed-image-prefixes", "registry.example.org/*"}, wantErr: "--allowed-image-prefixes"},
		{name: "server trusted proxies", args: []string{"--base-domain", "x.io", "--server-trusted-proxies", "10.0.0.0/8,ingress"}, wantErr: "--server-trusted-proxies"},
		{name: "metrics namespace", args: []string{"--base-domain", "x.io", "--metrics-namespace", "Bad"}, wantErr: "--metrics-namespace"},
		{name: "base domain required", args: nil, wantErr: "--base-domain is required"},
		{name: "base domain must be a DNS name", args: []string{"--base-domain", "Not_A_Domain"}, wantErr: "--base-domain"},
		{name: "scheme", args: []string{"--base-domain", "x.io", "--url-scheme", "ftp"}, wantErr: "--url-scheme"},
		{name: "namespace", args: []string{"--base-domain", "x.io", "--ingress-namespace", "Bad"}, wantErr: "--ingress-namespace"},
		{name: "workers", args: []string{"--base-domain", "x.io", "--max-concurrent-reconciles", "0"}, wantErr: "--max-concurrent-reconciles"},
		{name: "qps", args: []string{"--base-domain", "x.io", "--kube-api-qps", "0"}, wantErr: "--kube-api-qps"},
		{name: "tls secret", args: []string{"--base-domain", "x.io", "--default-tls-secret", "Bad_Name"}, wantErr: "--default-tls-secret"},
		{name: "stray argument", args: []string{"--base-domain", "x.io", "extra"}, wantErr: "unexpected arguments"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "not defined"},
		{
			name: "upgrades: five at a time, ten minutes each, by default",
			args: []string{"--base-domain", "x.io"},
			check: func(t *testing.T, o *options) {
				if o.MaxConcurrentUpgrades != intstr.FromInt32(5) || o.UpgradeReadyTimeout != 10*time.Minute {
					t.Errorf("upgrades = %s, %s", o.MaxConcurrentUpgrades.String(), o.UpgradeReadyTimeout)
				}
			},
		},
		{
			name: "upgrades: a percentage of the fleet",
			args: []string{"--base-domain", "x.io", "--max-concurrent-upgrades", "10%", "--upgrade-ready-timeout", "90s"},
			check: func(t *testing.T, o *options) {
				if o.MaxConcurrentUpgrades != intstr.FromString("10%") || o.UpgradeReadyTimeout != 90*time.Second {
					t.Errorf("upgrades = %s, %s", o.MaxConcurrentUpgrades.String(), o.UpgradeReadyTimeout)
				}
			},
		},
		{name: "upgrade limit", args: []string{"--base-domain", "x.io", "--max-concurrent-upgrades", "ten"}, wantErr: "--max-concurrent-upgrades"},
		{name: "upgrade percentage", args: []string{"--base-domain", "x.io", "--max-concurrent-upgrades", "150%"}, wantErr: "--max-concurrent-upgrades"},
		{name: "upgrade timeout", args: []string{"--base-domain", "x.io", "--upgrade-ready-timeout", "-1s"}, wantErr: "--upgrade-ready-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args, env(tt.env), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o)
		})
	}
}

// The install's Deployment passes flags the manager accepts, its policy is
// the documented default, and it runs two replicas of which leader election
// lets only one reconcile (issue 12: a manager survives losing its node).
func TestInstallManifestFlags(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "manager", "manager.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	var replicas int32
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		var d appsv1.Deployment
		if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind == "Deployment" {
			args = d.Spec.Template.Spec.Containers[0].Args
			if d.Spec.Replicas != nil {
				replicas = *d.Spec.Replicas
			}
		}
	}
	o, err := parseFlags(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatalf("args %q: %v", args, err)
	}
	if !reflect.DeepEqual(o.AllowedImagePrefixes, []string{controllers.ImageRepository(o.FhirServerImage)}) ||
		!reflect.DeepEqual(o.AllowedIngressAnnotations, controllers.DefaultAllowedIngressAnnotations()) || o.MetricsNamespace != "monitoring" {
		t.Errorf("install policy: images %q, annotations %q, metrics namespace %q", o.AllowedImagePrefixes, o.AllowedIngressAnnotations, o.MetricsNamespace)
	}
	if replicas != 2 || !o.leaderElect {
		t.Errorf("install runs %d replicas, leader election %v; want 2 replicas with leader election", replicas, o.leaderElect)
	}
}
