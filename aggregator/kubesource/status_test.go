package kubesource

import (
	"context"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestConditionOf(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	earlier := metav1.NewTime(now.Add(-time.Hour))
	tests := []struct {
		name       string
		st         source.State
		prev       metav1.Condition
		wantStatus metav1.ConditionStatus
		wantReason string
		wantSince  metav1.Time
	}{
		{name: "first healthy", st: source.State{Healthy: true, Reason: source.ReasonFollowing},
			wantStatus: metav1.ConditionTrue, wantReason: source.ReasonFollowing, wantSince: metav1.NewTime(now)},
		{name: "still healthy keeps the transition time",
			st:   source.State{Healthy: true, Reason: source.ReasonFollowing, Message: "at the head"},
			prev: metav1.Condition{Status: metav1.ConditionTrue, LastTransitionTime: earlier}, wantStatus: metav1.ConditionTrue,
			wantReason: source.ReasonFollowing, wantSince: earlier},
		{name: "a flip is a transition",
			st:   source.State{Reason: source.ReasonCredentialsRefused, Message: "401"},
			prev: metav1.Condition{Status: metav1.ConditionTrue, LastTransitionTime: earlier}, wantStatus: metav1.ConditionFalse,
			wantReason: source.ReasonCredentialsRefused, wantSince: metav1.NewTime(now)},
		{name: "another reason while false is no transition",
			st:         source.State{Reason: source.ReasonSourceUnreachable},
			prev:       metav1.Condition{Status: metav1.ConditionFalse, Reason: source.ReasonCredentialsRefused, LastTransitionTime: earlier},
			wantStatus: metav1.ConditionFalse, wantReason: source.ReasonSourceUnreachable, wantSince: earlier},
		{name: "no reason when unhealthy", st: source.State{},
			wantStatus: metav1.ConditionFalse, wantReason: source.ReasonSourceError, wantSince: metav1.NewTime(now)},
		{name: "no reason when healthy", st: source.State{Healthy: true},
			wantStatus: metav1.ConditionTrue, wantReason: source.ReasonFollowing, wantSince: metav1.NewTime(now)},
		{name: "a reason the API server refuses", st: source.State{Reason: "not a reason!"},
			wantStatus: metav1.ConditionFalse, wantReason: source.ReasonSourceError, wantSince: metav1.NewTime(now)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := conditionOf(tc.st, tc.prev, now)
			if c.Type != fhirv1.ConditionAggregated || c.Status != tc.wantStatus || c.Reason != tc.wantReason ||
				!c.LastTransitionTime.Equal(&tc.wantSince) || c.Message != tc.st.Message {
				t.Errorf("condition = %+v, want %s %s since %s", c, tc.wantStatus, tc.wantReason, tc.wantSince)
			}
		})
	}
	long := conditionOf(source.State{Message: strings.Repeat("é", maxMessage)}, metav1.Condition{}, now)
	if len(long.Message) > maxMessage || !strings.HasSuffix(long.Message, "…") || !strings.HasPrefix(long.Message, "é") {
		t.Errorf("a long message is %d bytes, ending %q", len(long.Message), long.Message[len(long.Message)-8:])
	}
}

func TestAggregationOf(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	got := aggregationOf(source.State{Cursor: "c9", LastSync: at, Lag: 1600 * time.Millisecond, Accepted: 5, Excluded: 2, Pending: 1})
	want := map[string]any{"cursor": "c9", "lastSyncTime": "2026-12-02T09:00:00Z", "lagSeconds": int64(2),
		"accepted": int64(5), "excluded": int64(2), "pending": int64(1)}
	if len(got) != len(want) {
		t.Fatalf("aggregation = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	zero := aggregationOf(source.State{Lag: -time.Second})
	if zero["lagSeconds"] != int64(0) || zero["accepted"] != int64(0) {
		t.Errorf("a state at the start: %v", zero)
	}
	if _, ok := zero["cursor"]; ok {
		t.Errorf("an empty cursor is written: %v", zero)
	}
}

// TestStatusSink writes status on the real API server beside the operator's.
func TestStatusSink(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	e := createEndpoint(t, ns, "labs", "acme", nil)
	provision(t, e)
	sources := newSources(t, Config{})
	sink := sources.sink
	clock := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	sink.now = func() time.Time { return clock }
	spec := source.Spec{Name: ns + "/labs", Namespace: ns, Object: "labs"}
	get := func() *fhirv1.FhirEndpoint {
		t.Helper()
		got := &fhirv1.FhirEndpoint{}
		if err := adminClient.Get(ctx, client.ObjectKeyFromObject(e), got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	following := source.State{Cursor: "c1", LastSync: clock, Lag: 3 * time.Second, Accepted: 10, Excluded: 2, Pending: 1,
		Healthy: true, Reason: source.ReasonFollowing, Message: "following"}

	t.Run("publish writes status.aggregation and Aggregated", func(t *testing.T) {
		if err := sources.StatusSink().Publish(ctx, spec, following); err != nil {
			t.Fatal(err)
		}
		got := get()
		a := got.Status.Aggregation
		if a == nil || a.Cursor != "c1" || ptr.Deref(a.LagSeconds, -1) != 3 || a.Accepted != 10 || a.Excluded != 2 || a.Pending != 1 ||
			a.LastSyncTime == nil || !a.LastSyncTime.Time.Equal(clock) {
			t.Errorf("status.aggregation = %+v", a)
		}
		c := meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionAggregated)
		if c == nil || c.Status != metav1.ConditionTrue || c.Reason != source.ReasonFollowing || c.Message != "following" {
			t.Errorf("Aggregated = %+v", c)
		}
		if got.Status.URL == "" || meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionReady) == nil {
			t.Errorf("the operator's status is gone: %+v", got.Status)
		}
		assertManagers(t, got)
	})

	t.Run("the operator's apply keeps them", func(t *testing.T) {
		st := get().Status
		st.Aggregation = nil
		st.Conditions = []metav1.Condition{{Type: fhirv1.ConditionReady, Status: metav1.ConditionFalse, Reason: fhirv1.ReasonPodNotReady,
			Message: "restarting", LastTransitionTime: metav1.Now()}}
		st.Image = "registry.example.test/fhirserver:next"
		operatorApply(t, e, st)
		got := get()
		if got.Status.Aggregation == nil || got.Status.Aggregation.Cursor != "c1" ||
			meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionAggregated) == nil {
			t.Errorf("the operator's apply erased the aggregator's status: %+v", got.Status)
		}
		if r := meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionReady); r == nil || r.Status != metav1.ConditionFalse {
			t.Errorf("the operator's apply did not land: %+v", r)
		}
	})

	t.Run("an unchanged state costs no write", func(t *testing.T) {
		before := get().ResourceVersion
		clock = clock.Add(time.Minute)
		if err := sink.Publish(ctx, spec, following); err != nil {
			t.Fatal(err)
		}
		if after := get().ResourceVersion; after != before {
			t.Errorf("resourceVersion %s → %s", before, after)
		}
	})

	t.Run("a failure flips the condition; the operator's fields stay", func(t *testing.T) {
		refused := following
		refused.Healthy, refused.Reason, refused.Message = false, source.ReasonCredentialsRefused, "token endpoint said 401"
		if err := sink.Publish(ctx, spec, refused); err != nil {
			t.Fatal(err)
		}
		got := get()
		c := meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionAggregated)
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != source.ReasonCredentialsRefused || !c.LastTransitionTime.Time.Equal(clock) {
			t.Errorf("Aggregated = %+v, want False since %s", c, clock)
		}
		if got.Status.Image != "registry.example.test/fhirserver:next" || meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionReady) == nil {
			t.Errorf("the aggregator's apply erased the operator's status: %+v", got.Status)
		}
	})

	t.Run("a restarted aggregator keeps the transition time", func(t *testing.T) {
		restarted := newSources(t, Config{})
		restarted.sink.now = func() time.Time { return clock.Add(time.Hour) }
		still := following
		still.Healthy, still.Reason, still.Message, still.Cursor = false, source.ReasonSourceUnreachable, "connection refused", "c2"
		if err := restarted.StatusSink().Publish(ctx, spec, still); err != nil {
			t.Fatal(err)
		}
		got := get()
		c := meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionAggregated)
		if c == nil || c.Reason != source.ReasonSourceUnreachable || !c.LastTransitionTime.Time.Equal(clock) {
			t.Errorf("Aggregated = %+v, want still False since %s", c, clock)
		}
		if got.Status.Aggregation.Cursor != "c2" {
			t.Errorf("cursor = %q", got.Status.Aggregation.Cursor)
		}
	})

	t.Run("a deleted endpoint is no error", func(t *testing.T) {
		gone := createEndpoint(t, ns, "gone", "acme", nil)
		goneSpec := source.Spec{Name: ns + "/gone", Namespace: ns, Object: "gone"}
		if err := sink.Publish(ctx, goneSpec, following); err != nil {
			t.Fatal(err)
		}
		if err := adminClient.Delete(ctx, gone); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(time.Minute)
		later := following
		later.Cursor = "c3"
		if err := sink.Publish(ctx, goneSpec, later); err != nil {
			t.Fatalf("publish to a deleted endpoint: %v", err)
		}
		if err := sink.Publish(ctx, source.Spec{Name: ns + "/never", Namespace: ns, Object: "never"}, following); err != nil {
			t.Fatalf("publish to an endpoint that never was: %v", err)
		}
	})

	t.Run("a static source is refused", func(t *testing.T) {
		if err := sink.Publish(ctx, source.Spec{Name: "static"}, following); err == nil {
			t.Fatal("published a source without a FhirEndpoint")
		}
	})
}

// assertManagers checks the aggregator owns its fields and no others.
func assertManagers(t *testing.T, e *fhirv1.FhirEndpoint) {
	t.Helper()
	for _, m := range e.ManagedFields {
		if m.Manager != FieldManager {
			continue
		}
		if m.Subresource != "status" || m.Operation != metav1.ManagedFieldsOperationApply {
			t.Errorf("%s wrote %s %q", FieldManager, m.Operation, m.Subresource)
		}
		fields := m.FieldsV1.GetRawString()
		for _, theirs := range []string{`"f:url"`, `"f:internalURL"`, `"k:{\"type\":\"Ready\"}"`} {
			if strings.Contains(fields, theirs) {
				t.Errorf("%s owns %s: %s", FieldManager, theirs, fields)
			}
		}
		if !strings.Contains(fields, `"f:aggregation"`) || !strings.Contains(fields, `"k:{\"type\":\"Aggregated\"}"`) {
			t.Errorf("%s does not own its fields: %s", FieldManager, fields)
		}
		return
	}
	t.Errorf("no managed fields of %s", FieldManager)
}

// TestLagPrinterColumn: `kubectl get fhe` shows the lag.
func TestLagPrinterColumn(t *testing.T) {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := adminClient.Get(context.Background(), client.ObjectKey{Name: "fhirendpoints.fhir.fhirfleet.io"}, crd); err != nil {
		t.Fatal(err)
	}
	for _, v := range crd.Spec.Versions {
		for _, c := range v.AdditionalPrinterColumns {
			if c.JSONPath == ".status.aggregation.lagSeconds" && c.Name == "Lag" {
				return
			}
		}
	}
	t.Error("no Lag printer column on .status.aggregation.lagSeconds")
}
