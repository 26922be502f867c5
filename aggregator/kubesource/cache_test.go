package kubesource

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestKeepAggregatorClient(t *testing.T) {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "labs-credentials", Annotations: map[string]string{"a": "b"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m"}}},
		Data: map[string][]byte{
			"client_secret": []byte("customer"), "token_signing_key": []byte("key"),
			keyClientID: []byte("agg"), keyClientSecret: []byte("s"),
		},
	}
	out, err := keepAggregatorClient(s)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.Secret)
	if len(got.Data) != 2 || string(got.Data[keyClientID]) != "agg" || string(got.Data[keyClientSecret]) != "s" {
		t.Errorf("data kept: %v", got.Data)
	}
	if got.Name != "labs-credentials" || got.ManagedFields != nil || got.Annotations != nil {
		t.Errorf("metadata kept: %+v", got.ObjectMeta)
	}
	other := &corev1.ConfigMap{}
	if out, _ := keepAggregatorClient(other); out != other {
		t.Error("another type was changed")
	}
}

func TestCacheOptions(t *testing.T) {
	if all := cacheOptions(nil); all.DefaultNamespaces != nil {
		t.Errorf("no namespaces given, yet restricted to %v", all.DefaultNamespaces)
	}
	some := cacheOptions([]string{"a", "b"})
	if len(some.DefaultNamespaces) != 2 {
		t.Errorf("namespaces %v", some.DefaultNamespaces)
	}
	for obj, by := range some.ByObject {
		if _, ok := obj.(*corev1.Secret); !ok {
			continue
		}
		if by.Label == nil || by.Label.String() != "fhir.fhirfleet.io/endpoint" || by.Transform == nil {
			t.Errorf("Secrets are cached by %v", by.Label)
		}
		return
	}
	t.Error("Secrets are not restricted")
}

func TestEndpointEvents(t *testing.T) {
	base := &fhirv1.FhirEndpoint{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "labs", ResourceVersion: "1"},
		Spec:       fhirv1.FhirEndpointSpec{Customer: "acme"},
		Status:     fhirv1.FhirEndpointStatus{URL: "https://x/fhir"},
	}
	tests := []struct {
		name   string
		change func(*fhirv1.FhirEndpoint)
		poke   bool
	}{
		{"the aggregator's own status write", func(e *fhirv1.FhirEndpoint) {
			e.Status.Aggregation = &fhirv1.AggregationStatus{Cursor: "c"}
			e.Status.Conditions = []metav1.Condition{{Type: fhirv1.ConditionAggregated}}
		}, false},
		{"the operator's conditions", func(e *fhirv1.FhirEndpoint) { e.Status.ObservedGeneration = 3 }, false},
		{"disabled", func(e *fhirv1.FhirEndpoint) { e.Spec.Aggregation.Enabled = ptr.To(false) }, true},
		{"being deleted", func(e *fhirv1.FhirEndpoint) { e.DeletionTimestamp = ptr.To(metav1.Now()) }, true},
		{"provisioned elsewhere", func(e *fhirv1.FhirEndpoint) { e.Status.URL = "https://y/fhir" }, true},
		{"a new Service address", func(e *fhirv1.FhirEndpoint) { e.Status.InternalURL = "http://labs.acme.svc:8080" }, true},
		{"another Secret", func(e *fhirv1.FhirEndpoint) { e.Status.CredentialsSecret = "other" }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pokes := 0
			h := endpointEvents(func() { pokes++ })
			n := base.DeepCopy()
			tc.change(n)
			h.OnUpdate(base, n)
			if (pokes > 0) != tc.poke {
				t.Errorf("poked %d times, want a poke: %v", pokes, tc.poke)
			}
		})
	}
}

func TestSecretEvents(t *testing.T) {
	base := &corev1.Secret{Data: map[string][]byte{keyClientID: []byte("agg"), keyClientSecret: []byte("s")}}
	pokes := 0
	h := secretEvents(func() { pokes++ })
	same := base.DeepCopy()
	same.Labels = map[string]string{"x": "y"}
	h.OnUpdate(base, same)
	if pokes != 0 {
		t.Error("a label change poked")
	}
	rotated := base.DeepCopy()
	rotated.Data[keyClientSecret] = []byte("t")
	h.OnUpdate(base, rotated)
	h.OnAdd(base, false)
	h.OnDelete(base)
	if pokes != 3 {
		t.Errorf("%d pokes for a rotation, an add and a delete", pokes)
	}
}
