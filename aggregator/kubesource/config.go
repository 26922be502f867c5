package kubesource

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// The values of Config.SourceAddress (the aggregator's --source-address).
const (
	// AddressService reaches each server at its Service, status.internalURL:
	// the aggregator runs in the cluster.
	AddressService = "service"
	// AddressPublic reaches each server at its public URL, status.url and
	// status.tokenURL: the aggregator runs outside the cluster.
	AddressPublic = "public"
)

// FieldManager is the aggregator's field manager on FhirEndpoint status: it
// owns status.aggregation and the Aggregated condition, and nothing else.
const FieldManager = "fhirfleet-aggregator"

// Config says which cluster and namespaces to watch and how to reach the
// servers found there.
type Config struct {
	// RESTConfig reaches the API server (see RESTConfig). Required.
	RESTConfig *rest.Config
	// Namespaces to watch; empty watches every namespace.
	Namespaces []string
	// SourceAddress is AddressService (the default when empty) or
	// AddressPublic.
	SourceAddress string
	// Logger receives why an endpoint is not followed yet; nil discards.
	Logger *slog.Logger
}

// Sources finds the sources among FhirEndpoints: a source.Discoverer, and
// the StatusSink that writes each one's progress back to its FhirEndpoint.
type Sources struct {
	restConfig *rest.Config
	scheme     *runtime.Scheme
	direct     client.Client
	namespaces []string
	address    string
	log        *slog.Logger
	sink       *statusSink

	// coalesce is how long Run gathers events before it recomputes the set,
	// so a burst (a fleet created at once, an operator restart touching
	// every status) costs one update, not hundreds.
	coalesce time.Duration
	// resync is how often a Secret outside the cache (one a user made
	// without the fhir.fhirfleet.io/endpoint label) is read again.
	resync time.Duration
	// syncTimeout bounds the wait for the first listing, so missing RBAC or
	// a missing CRD ends Run with an error instead of waiting forever.
	syncTimeout time.Duration
}

// New checks cfg and prepares the clients; it does not contact the API
// server (Run and Publish do).
func New(cfg Config) (*Sources, error) {
	if cfg.RESTConfig == nil {
		return nil, errors.New("kubesource: no REST config")
	}
	address := cfg.SourceAddress
	switch address {
	case "":
		address = AddressService
	case AddressService, AddressPublic:
	default:
		return nil, fmt.Errorf("kubesource: source address %q: want %q or %q", cfg.SourceAddress, AddressService, AddressPublic)
	}
	namespaces, err := cleanNamespaces(cfg.Namespaces)
	if err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("kubesource: scheme: %w", err)
	}
	if err := fhirv1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("kubesource: scheme: %w", err)
	}
	direct, err := client.New(cfg.RESTConfig, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("kubesource: client: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Sources{
		restConfig:  cfg.RESTConfig,
		scheme:      scheme,
		direct:      direct,
		namespaces:  namespaces,
		address:     address,
		log:         log,
		sink:        newStatusSink(direct),
		coalesce:    250 * time.Millisecond,
		resync:      time.Minute,
		syncTimeout: 2 * time.Minute,
	}, nil
}

// cleanNamespaces trims, de-duplicates and checks the namespaces to watch
// (a flag's comma-separated list may carry blanks).
func cleanNamespaces(in []string) ([]string, error) {
	var out []string
	for _, ns := range in {
		ns = strings.TrimSpace(ns)
		if ns == "" || slices.Contains(out, ns) {
			continue
		}
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return nil, fmt.Errorf("kubesource: namespace %q: %s", ns, strings.Join(errs, "; "))
		}
		out = append(out, ns)
	}
	slices.Sort(out)
	return out, nil
}
