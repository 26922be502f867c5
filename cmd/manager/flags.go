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
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/fhirfleet/fhirfleet/controllers"
)

// defaultImage is the fhirserver image matching this manager's release.
const defaultImage = "ghcr.io/fhirfleet/fhirserver:latest"

// defaultAggregatorImage is the aggregator image matching this manager's release.
const defaultAggregatorImage = "ghcr.io/fhirfleet/aggregator:latest"

// options are the manager's command line.
type options struct {
	controllers.Config
	kubeconfig             string
	metricsBindAddress     string
	healthProbeBindAddress string
	leaderElect            bool
	maxConcurrent          int
	qps                    float64
	burst                  int
	zap                    zap.Options
	// The raw lists; parseFlags splits them into Config.
	allowedAnnotations, allowedImagePrefixes string
	serverTrustedProxies                     string
	maxConcurrentUpgrades                    string
}

// parseFlags reads the command line. getenv supplies POD_NAMESPACE (set by the
// manager Deployment through the downward API), the aggregator's default namespace.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.BaseDomain, "base-domain", "", "Required. Each FhirEndpoint is served at <subdomain>.<base-domain>.")
	fs.StringVar(&o.FhirServerImage, "fhirserver-image", defaultImage, "The fhirserver image, unless a FhirEndpoint's spec.image overrides it.")
	fs.StringVar(&o.AggregatorImage, "aggregator-image", defaultAggregatorImage, "The aggregator image, unless a FhirAggregator's spec.image overrides it.")
	fs.StringVar(&o.IngressClass, "ingress-class", "", "IngressClass of the Ingresses, unless spec.ingress.className overrides it; empty uses the cluster default.")
	fs.StringVar(&o.DefaultTLSSecret, "default-tls-secret", "", "Secret with the certificate for Ingresses whose FhirEndpoint sets no spec.ingress.tls (looked up in the endpoint's namespace, e.g. a wildcard for *.<base-domain>); empty: no TLS on those Ingresses.")
	fs.StringVar(&o.URLScheme, "url-scheme", "https", "Scheme of the public URLs (https, or http where nothing terminates TLS).")
	fs.IntVar(&o.URLPort, "url-port", 0, "Port of the public URLs when it is not the scheme's default (0), e.g. 8080 for make dev's local gateway; the Ingress host never carries it.")
	fs.StringVar(&o.IngressNamespace, "ingress-namespace", "ingress-nginx", "Namespace of the ingress controller; the only namespace the NetworkPolicies admit besides the aggregator.")
	podNamespace := getenv("POD_NAMESPACE")
	if podNamespace == "" {
		podNamespace = "fhirfleet-system"
	}
	fs.StringVar(&o.AggregatorNamespace, "aggregator-namespace", podNamespace, "Namespace of the aggregator pods (app.kubernetes.io/name: fhirfleet-aggregator) the NetworkPolicies admit; defaults to the manager's own.")
	fs.StringVar(&o.MetricsNamespace, "metrics-namespace", "monitoring", "Namespace of the Prometheus that scrapes the servers' metrics port (9090); the NetworkPolicies admit it there and no one else. Empty: no one.")
	fs.StringVar(&o.allowedAnnotations, "allowed-ingress-annotations", strings.Join(controllers.DefaultAllowedIngressAnnotations(), ","),
		"Comma-separated spec.ingress.annotations keys copied onto the Ingresses: exact keys, or prefixes ending in \"*\". Others are dropped and named in SpecAccepted. "+
			"Snippets, server-alias, auth-url, auth-signin, mirror-target/-host and permanent/temporal-redirect are refused even if listed. Empty: none.")
	fs.StringVar(&o.allowedImagePrefixes, "allowed-image-prefixes", "",
		"Comma-separated prefixes a FhirEndpoint's spec.image must start with to run (e.g. registry.example.org/fhirfleet/); "+
			"default: the repository of --fhirserver-image (for a FhirAggregator's spec.image: of --aggregator-image). Set to \"\" to allow only --fhirserver-image (--aggregator-image) itself.")
	fs.StringVar(&o.serverTrustedProxies, "server-trusted-proxies", "",
		"Comma-separated CIDRs of the ingress controller's pods, passed to every server as --trusted-proxies so its token throttle counts failures per real client address (X-Forwarded-For). Empty: none.")
	fs.StringVar(&o.maxConcurrentUpgrades, "max-concurrent-upgrades", "5",
		"Servers upgraded to a new --fhirserver-image at once across the fleet (those whose FhirEndpoint sets no spec.image): a number, or a percentage of the fleet such as 10%. 0: all at once.")
	fs.DurationVar(&o.UpgradeReadyTimeout, "upgrade-ready-timeout", 10*time.Minute,
		"How long an upgraded server may take to be ready on the new image; past it, the rollout halts (UpToDate=False, UpgradeStalled) until a person acts. 0: wait forever.")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "Path to a kubeconfig; in-cluster configuration (or $KUBECONFIG) when unset.")
	fs.StringVar(&o.metricsBindAddress, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; 0 disables it.")
	fs.StringVar(&o.healthProbeBindAddress, "health-probe-bind-address", ":8081", "Address of /healthz and /readyz.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader, so only one manager replica reconciles at a time.")
	fs.IntVar(&o.maxConcurrent, "max-concurrent-reconciles", 4, "FhirEndpoints reconciled at the same time.")
	// client-go's default (5 QPS, controller-runtime raises it to 20) makes a
	// fleet of a thousand endpoints wait minutes on the client, not the server.
	fs.Float64Var(&o.qps, "kube-api-qps", 50, "Sustained requests per second to the API server.")
	fs.IntVar(&o.burst, "kube-api-burst", 100, "Burst of requests to the API server.")
	o.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	limit, limitErr := controllers.ParseUpgradeLimit(o.maxConcurrentUpgrades)
	o.MaxConcurrentUpgrades = limit
	o.AllowedIngressAnnotations = splitList(o.allowedAnnotations)
	o.ServerTrustedProxies = splitList(o.serverTrustedProxies)
	o.AllowedImagePrefixes = []string{controllers.ImageRepository(o.FhirServerImage)}
	o.AllowedAggregatorImagePrefixes = []string{controllers.ImageRepository(o.AggregatorImage)}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "allowed-image-prefixes" {
			o.AllowedImagePrefixes = splitList(o.allowedImagePrefixes)
			o.AllowedAggregatorImagePrefixes = o.AllowedImagePrefixes
		}
	})
	if limitErr != nil {
		return o, errors.Join(fmt.Errorf("--max-concurrent-upgrades %w", limitErr), o.validate())
	}
	return o, o.validate()
}

// splitList reads a comma-separated flag: entries trimmed, empty ones dropped,
// so "" is the empty list.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func (o *options) validate() error {
	var errs []error
	if o.BaseDomain == "" {
		errs = append(errs, errors.New("--base-domain is required"))
	} else if msgs := validation.IsDNS1123Subdomain(o.BaseDomain); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("--base-domain %q: %s", o.BaseDomain, strings.Join(msgs, "; ")))
	}
	if o.URLScheme != "https" && o.URLScheme != "http" {
		errs = append(errs, fmt.Errorf("--url-scheme %q: want https or http", o.URLScheme))
	}
	if o.URLPort < 0 || o.URLPort > 65535 {
		errs = append(errs, fmt.Errorf("--url-port %d: want 0 (the scheme's default) or a port up to 65535", o.URLPort))
	}
	if o.DefaultTLSSecret != "" {
		if msgs := validation.IsDNS1123Subdomain(o.DefaultTLSSecret); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("--default-tls-secret %q: %s", o.DefaultTLSSecret, strings.Join(msgs, "; ")))
		}
	}
	if o.maxConcurrent < 1 {
		errs = append(errs, fmt.Errorf("--max-concurrent-reconciles %d: want at least 1", o.maxConcurrent))
	}
	if o.qps <= 0 || o.burst < 1 {
		errs = append(errs, fmt.Errorf("--kube-api-qps %g and --kube-api-burst %d must be positive", o.qps, o.burst))
	}
	if o.UpgradeReadyTimeout < 0 {
		errs = append(errs, fmt.Errorf("--upgrade-ready-timeout %s: want 0 or more", o.UpgradeReadyTimeout))
	}
	if o.FhirServerImage == "" {
		errs = append(errs, errors.New("--fhirserver-image must not be empty"))
	}
	if o.AggregatorImage == "" {
		errs = append(errs, errors.New("--aggregator-image must not be empty"))
	}
	if err := controllers.ValidateAnnotationPatterns(o.AllowedIngressAnnotations); err != nil {
		errs = append(errs, fmt.Errorf("--allowed-ingress-annotations: %w", err))
	}
	if err := controllers.ValidateImagePrefixes(o.AllowedImagePrefixes); err != nil {
		errs = append(errs, fmt.Errorf("--allowed-image-prefixes: %w", err))
	}
	for _, p := range o.ServerTrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, aerr := netip.ParseAddr(p); aerr != nil {
				errs = append(errs, fmt.Errorf("--server-trusted-proxies %q: want a CIDR such as 10.0.0.0/8 or an address", p))
			}
		}
	}
	namespaces := map[string]string{"--ingress-namespace": o.IngressNamespace, "--aggregator-namespace": o.AggregatorNamespace}
	if o.MetricsNamespace != "" {
		namespaces["--metrics-namespace"] = o.MetricsNamespace
	}
	for flagName, ns := range namespaces {
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("%s %q: %s", flagName, ns, strings.Join(msgs, "; ")))
		}
	}
	if _, err := url.Parse(o.URLScheme + "://x." + o.BaseDomain); err != nil {
		errs = append(errs, fmt.Errorf("--base-domain does not make a URL: %w", err))
	}
	return errors.Join(errs...)
}
