package kubesource

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

var _ source.Discoverer = (*Sources)(nil)

// Run watches FhirEndpoints and their Secrets and calls update with the
// whole set of Specs once the first listing is in, then after every change
// to it, until ctx ends (it then returns nil). Events are gathered for a
// short interval first, so a burst costs one update. It fails when the
// API server cannot be watched (no CRD, no RBAC) within a couple of minutes.
// Run is called once per Sources.
func (s *Sources) Run(ctx context.Context, update func([]source.Spec)) error {
	c, err := cache.New(s.restConfig, func() cache.Options {
		o := cacheOptions(s.namespaces)
		o.Scheme = s.scheme
		return o
	}())
	if err != nil {
		return fmt.Errorf("kubesource: cache: %w", err)
	}
	dirty := make(chan struct{}, 1)
	poke := func() {
		select {
		case dirty <- struct{}{}:
		default:
		}
	}
	if err := watch(ctx, c, &fhirv1.FhirEndpoint{}, endpointEvents(poke)); err != nil {
		return err
	}
	if err := watch(ctx, c, &corev1.Secret{}, secretEvents(poke)); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	started := make(chan error, 1)
	go func() { started <- c.Start(ctx) }()
	stopped := false
	// The watches end with Run, not later.
	defer func() {
		cancel()
		if !stopped {
			if err := <-started; err != nil {
				s.log.Debug("kubesource: watches ended", "error", err)
			}
		}
	}()
	syncCtx, cancelSync := context.WithTimeout(ctx, s.syncTimeout)
	synced := c.WaitForCacheSync(syncCtx)
	cancelSync()
	if !synced {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("kubesource: FhirEndpoints and Secrets were not listed within %s: is the FhirEndpoint CRD installed, and may the aggregator get, list and watch fhirendpoints and secrets (ClusterRole fhirfleet-aggregator)?", s.syncTimeout)
	}

	secrets := newSecretReader(c, s.direct, s.resync)
	d := &discovery{s: s, cache: c, secrets: secrets, skipped: map[string]string{}}
	resync := time.NewTicker(s.resync)
	defer resync.Stop()
	var last []source.Spec
	first := true
	for {
		specs, err := d.current(ctx, last)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			// The cache answers from memory; this is the rare direct read of
			// a Secret that failed, and the endpoint it belongs to kept its
			// last Spec. Try again at the next event or resync.
			s.log.Warn("kubesource: listing sources", "error", err)
		}
		if first || !slices.Equal(specs, last) {
			first = false
			last = specs
			s.sink.keepOnly(specs)
			update(slices.Clone(specs))
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-started:
			stopped = true
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("kubesource: watch: %w", err)
			}
			return nil
		case <-dirty:
		case <-resync.C:
		}
		// Gather the rest of the burst.
		t := time.NewTimer(s.coalesce)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		select {
		case <-dirty:
		default:
		}
	}
}

// watch registers handler on obj's informer.
func watch(ctx context.Context, c cache.Cache, obj client.Object, handler toolscache.ResourceEventHandler) error {
	inf, err := c.GetInformer(ctx, obj)
	if err != nil {
		return fmt.Errorf("kubesource: watch %T: %w", obj, err)
	}
	if _, err := inf.AddEventHandler(handler); err != nil {
		return fmt.Errorf("kubesource: watch %T: %w", obj, err)
	}
	return nil
}

// discovery is one Run's state.
type discovery struct {
	s       *Sources
	cache   cache.Cache
	secrets *secretReader
	// skipped is why each endpoint that should be followed is not yet, so
	// each reason is logged once, not at every recomputation.
	skipped map[string]string
}

// current is the set of Specs now, sorted by name. An endpoint whose Secret
// could not be read keeps its Spec of last (the error is returned too), so a
// passing API server error does not stop and restart its follower. An
// endpoint that is no longer followed is parked first (see statusSink.park),
// so the follower's last words cannot land after the condition saying why.
func (d *discovery) current(ctx context.Context, last []source.Spec) ([]source.Spec, error) {
	var list fhirv1.FhirEndpointList
	if err := d.cache.List(ctx, &list); err != nil {
		return last, fmt.Errorf("list FhirEndpoints: %w", err)
	}
	var specs []source.Spec
	var errs []error
	seen := map[string]bool{}
	for i := range list.Items {
		e := &list.Items[i]
		name := e.Namespace + "/" + e.Name
		if e.DeletionTimestamp != nil {
			continue
		}
		seen[name] = true
		if !e.AggregationEnabled() {
			delete(d.skipped, name)
			errs = append(errs, d.s.sink.park(ctx, e, notFollowed{ReasonAggregationDisabled, "spec.aggregation.enabled is false"}))
			continue
		}
		data, err := d.secrets.get(ctx, types.NamespacedName{Namespace: e.Namespace, Name: secretName(e)})
		if err != nil {
			errs = append(errs, err)
			if i, ok := slices.BinarySearchFunc(last, name, func(sp source.Spec, n string) int { return strings.Compare(sp.Name, n) }); ok {
				specs = append(specs, last[i])
			}
			continue
		}
		spec, not := specFor(e, data, d.s.address)
		if not != nil {
			if d.skipped[name] != not.message {
				d.s.log.Info("kubesource: FhirEndpoint not followed", "endpoint", name, "reason", not.reason, "message", not.message)
				d.skipped[name] = not.message
			}
			errs = append(errs, d.s.sink.park(ctx, e, *not))
			continue
		}
		delete(d.skipped, name)
		specs = append(specs, spec)
	}
	for name := range d.skipped {
		if !seen[name] {
			delete(d.skipped, name)
		}
	}
	d.s.sink.keepParked(seen)
	d.secrets.sweep()
	slices.SortFunc(specs, func(a, b source.Spec) int { return strings.Compare(a.Name, b.Name) })
	return specs, errors.Join(errs...)
}
