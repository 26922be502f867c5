package kubesource

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestParkedAggregation(t *testing.T) {
	if got := parkedAggregation(nil); got != nil {
		t.Errorf("no status.aggregation gave %v", got)
	}
	at := metav1.NewTime(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	got := parkedAggregation(&fhirv1.AggregationStatus{Cursor: "c", LastSyncTime: &at, LagSeconds: ptr.To[int64](9), Accepted: 3, Excluded: 2, Pending: 1})
	want := map[string]any{"cursor": "c", "lastSyncTime": "2026-12-02T10:00:00Z", "accepted": int64(3), "excluded": int64(2), "pending": int64(1)}
	if len(got) != len(want) {
		t.Fatalf("parked = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
}

func TestKeepParked(t *testing.T) {
	k := newStatusSink(nil)
	k.parked["a/x"], k.parked["a/y"] = true, true
	k.keepParked(map[string]bool{"a/x": true})
	if !k.parked["a/x"] || k.parked["a/y"] {
		t.Errorf("parked = %v", k.parked)
	}
}
