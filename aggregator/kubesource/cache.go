package kubesource

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
	"github.com/fhirfleet/fhirfleet/controllers"
)

// cacheOptions restricts the cache to the namespaces watched and, among
// Secrets, to those carrying the operator's fhir.fhirfleet.io/endpoint label
// (every Secret it generates; a user's own if they follow docs/operator.md),
// so the aggregator never holds the cluster's other Secrets. Of those it
// keeps only the aggregator client: the customers' client secrets and the
// token signing keys never reach its memory.
func cacheOptions(namespaces []string) cache.Options {
	req, err := labels.NewRequirement(controllers.LabelEndpoint, selection.Exists, nil)
	if err != nil {
		// The key is a constant, valid label key: this cannot happen.
		panic(err)
	}
	opts := cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {Label: labels.NewSelector().Add(*req), Transform: keepAggregatorClient},
		},
	}
	if len(namespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range namespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return opts
}

// keepAggregatorClient drops everything of a Secret but its metadata and the
// aggregator client's two keys.
func keepAggregatorClient(obj any) (any, error) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return obj, nil
	}
	s.ManagedFields = nil
	s.Annotations = nil
	s.StringData = nil
	s.Data = aggregatorClient(s.Data)
	return s, nil
}

// aggregatorClient is the part of a Secret's data the aggregator reads.
func aggregatorClient(data map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, 2)
	for _, k := range []string{keyClientID, keyClientSecret} {
		if v, ok := data[k]; ok {
			out[k] = v
		}
	}
	return out
}

// followed is what of a FhirEndpoint the set of Specs depends on: an update
// that changes none of it (the aggregator's own status writes, the
// operator's conditions) costs no recomputation.
type followed struct {
	enabled, deleting                         bool
	customer, url, tokenURL, internal, secret string
}

func followedOf(e *fhirv1.FhirEndpoint) followed {
	return followed{
		enabled:  e.AggregationEnabled(),
		deleting: e.DeletionTimestamp != nil,
		customer: e.Spec.Customer,
		url:      e.Status.URL,
		tokenURL: e.Status.TokenURL,
		internal: e.Status.InternalURL,
		secret:   e.Status.CredentialsSecret,
	}
}

// endpointEvents pokes on every FhirEndpoint event that may change the set.
func endpointEvents(poke func()) toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { poke() },
		UpdateFunc: func(oldObj, newObj any) {
			o, ok1 := oldObj.(*fhirv1.FhirEndpoint)
			n, ok2 := newObj.(*fhirv1.FhirEndpoint)
			if !ok1 || !ok2 || followedOf(o) != followedOf(n) {
				poke()
			}
		},
		DeleteFunc: func(any) { poke() },
	}
}

// secretEvents pokes on every Secret event that may change the set: not on
// a change of other keys, labels or annotations.
func secretEvents(poke func()) toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { poke() },
		UpdateFunc: func(oldObj, newObj any) {
			o, ok1 := oldObj.(*corev1.Secret)
			n, ok2 := newObj.(*corev1.Secret)
			if !ok1 || !ok2 || !maps.EqualFunc(aggregatorClient(o.Data), aggregatorClient(n.Data), func(a, b []byte) bool { return string(a) == string(b) }) {
				poke()
			}
		},
		DeleteFunc: func(any) { poke() },
	}
}
