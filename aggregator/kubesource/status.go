package kubesource

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// StatusSink writes each source's State to its FhirEndpoint.
func (s *Sources) StatusSink() source.StatusSink { return s.sink }

// statusSink server-side applies status.aggregation and the Aggregated
// condition on the status subresource under FieldManager. An apply carries
// only those two fields, so the operator's (status.url, its conditions,
// applied under its own manager) are never touched, and its applies, which
// carry only its own, never erase these.
type statusSink struct {
	c   client.Client
	now func() time.Time

	// locks serialise the writes to one endpoint (striped by name), so a
	// Publish and a park of the same endpoint never cross.
	locks [64]sync.Mutex

	mu sync.Mutex
	// last is what was last applied per source (Spec.Name): an unchanged
	// State costs no write, and the condition keeps its lastTransitionTime
	// while its status stays.
	last map[string]applied
	// parked are the endpoints no longer followed; Publish leaves them alone.
	parked map[string]bool
}

// applied is one source's last apply. A nil aggregation is not sent.
type applied struct {
	aggregation map[string]any
	condition   metav1.Condition
}

// lock locks the writes to the endpoint name and returns the unlock.
func (k *statusSink) lock(name string) func() {
	h := fnv.New32a()
	h.Write([]byte(name))
	m := &k.locks[h.Sum32()%uint32(len(k.locks))]
	m.Lock()
	return m.Unlock
}

func newStatusSink(c client.Client) *statusSink {
	return &statusSink{c: c, now: time.Now, last: map[string]applied{}, parked: map[string]bool{}}
}

// Publish applies st to the FhirEndpoint spec.Namespace/spec.Object. An
// endpoint that no longer exists is not an error: it has just stopped being a
// source.
func (k *statusSink) Publish(ctx context.Context, spec source.Spec, st source.State) error {
	if spec.Namespace == "" || spec.Object == "" {
		return fmt.Errorf("kubesource: source %q names no FhirEndpoint", spec.Name)
	}
	key := types.NamespacedName{Namespace: spec.Namespace, Name: spec.Object}
	defer k.lock(spec.Name)()
	k.mu.Lock()
	prev, known := k.last[spec.Name]
	parked := k.parked[spec.Name]
	k.mu.Unlock()
	if parked {
		// No longer a source: a follower still stopping has nothing to say.
		return nil
	}
	if !known {
		// The first publish of this process: carry on the condition the
		// previous aggregator left, so a restart is no transition.
		cond, err := k.currentCondition(ctx, key)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		prev.condition = cond
	}
	want := applied{aggregation: aggregationOf(st), condition: conditionOf(st, prev.condition, k.now())}
	if known && sameApply(prev, want) {
		return nil
	}
	err := k.apply(ctx, key, want)
	if apierrors.IsNotFound(err) {
		k.forget(spec.Name)
		return nil
	}
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.last[spec.Name] = want
	k.mu.Unlock()
	return nil
}

// currentCondition is the endpoint's Aggregated condition as stored (zero if
// it has none).
func (k *statusSink) currentCondition(ctx context.Context, key types.NamespacedName) (metav1.Condition, error) {
	var e fhirv1.FhirEndpoint
	if err := k.c.Get(ctx, key, &e); err != nil {
		if apierrors.IsNotFound(err) {
			return metav1.Condition{}, err
		}
		return metav1.Condition{}, fmt.Errorf("kubesource: get FhirEndpoint %s: %w", key, err)
	}
	if c := meta.FindStatusCondition(e.Status.Conditions, fhirv1.ConditionAggregated); c != nil {
		return *c, nil
	}
	return metav1.Condition{}, nil
}

func (k *statusSink) apply(ctx context.Context, key types.NamespacedName, a applied) error {
	c := a.condition
	status := map[string]any{
		"conditions": []any{map[string]any{
			"type":               c.Type,
			"status":             string(c.Status),
			"reason":             c.Reason,
			"message":            c.Message,
			"lastTransitionTime": c.LastTransitionTime.UTC().Format(time.RFC3339),
		}},
	}
	if a.aggregation != nil {
		status["aggregation"] = a.aggregation
	}
	u := &unstructured.Unstructured{Object: map[string]any{"status": status}}
	u.SetGroupVersionKind(fhirv1.GroupVersion.WithKind("FhirEndpoint"))
	u.SetNamespace(key.Namespace)
	u.SetName(key.Name)
	// ForceOwnership takes these fields back should someone else have set
	// them (kubectl edit); they are the aggregator's alone.
	err := k.c.Status().Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("kubesource: apply status of FhirEndpoint %s: %w", key, err)
	}
	return err
}

// forget drops a source's memory: the next publish reads the object again.
func (k *statusSink) forget(name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.last, name)
}

// keepOnly forgets the sources not in specs, so an endpoint deleted and
// made again under its name starts from its own (empty) status, and lets
// Publish write again to those in specs that were parked.
func (k *statusSink) keepOnly(specs []source.Spec) {
	names := make(map[string]bool, len(specs))
	for _, s := range specs {
		names[s.Name] = true
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for name := range k.last {
		if !names[name] {
			delete(k.last, name)
		}
	}
	for name := range names {
		delete(k.parked, name)
	}
}

// aggregationOf is status.aggregation for st; the counts and the lag are
// written even when zero, so `kubectl get fhe` shows a lag of 0, not nothing.
func aggregationOf(st source.State) map[string]any {
	lag := int64(math.Round(max(st.Lag, 0).Seconds()))
	out := map[string]any{
		"lagSeconds": lag,
		"accepted":   max(st.Accepted, 0),
		"excluded":   max(st.Excluded, 0),
		"pending":    max(st.Pending, 0),
	}
	if st.Cursor != "" {
		out["cursor"] = st.Cursor
	}
	if !st.LastSync.IsZero() {
		out["lastSyncTime"] = st.LastSync.UTC().Format(time.RFC3339)
	}
	return out
}

// conditionReason is what the API server accepts as a condition reason.
var conditionReason = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`)

// maxMessage is the API server's limit on a condition message.
const maxMessage = 32768

// conditionOf is the Aggregated condition for st. Its lastTransitionTime is
// prev's while the status stays the same, now when it flips.
func conditionOf(st source.State, prev metav1.Condition, now time.Time) metav1.Condition {
	status, reason := metav1.ConditionFalse, st.Reason
	if st.Healthy {
		status = metav1.ConditionTrue
	}
	if reason == "" || len(reason) > 1024 || !conditionReason.MatchString(reason) {
		reason = source.ReasonSourceError
		if st.Healthy {
			reason = source.ReasonFollowing
		}
	}
	msg := st.Message
	if len(msg) > maxMessage {
		cut := maxMessage - len("…")
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	c := metav1.Condition{
		Type:               fhirv1.ConditionAggregated,
		Status:             status,
		Reason:             reason,
		Message:            msg,
		LastTransitionTime: metav1.NewTime(now.Truncate(time.Second)),
	}
	if prev.Status == status && !prev.LastTransitionTime.IsZero() {
		c.LastTransitionTime = prev.LastTransitionTime
	}
	return c
}

// sameApply reports whether two applies would write the same.
func sameApply(a, b applied) bool {
	if len(a.aggregation) != len(b.aggregation) {
		return false
	}
	for k, v := range a.aggregation {
		if b.aggregation[k] != v {
			return false
		}
	}
	return a.condition.Status == b.condition.Status && a.condition.Reason == b.condition.Reason &&
		a.condition.Message == b.condition.Message && a.condition.LastTransitionTime.Equal(&b.condition.LastTransitionTime)
}
