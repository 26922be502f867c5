package kubesource

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
	"github.com/fhirfleet/fhirfleet/controllers"
)

// within is how long a test waits for the API server and the watches; the
// polls end as soon as what they wait for holds.
const within = 20 * time.Second

// eventually polls cond until it holds or within has passed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createEndpoint creates a FhirEndpoint ns/name of customer; enabled nil
// leaves spec.aggregation.enabled to its default.
func createEndpoint(t *testing.T, ns, name, customer string, enabled *bool) *fhirv1.FhirEndpoint {
	t.Helper()
	e := &fhirv1.FhirEndpoint{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: fhirv1.FhirEndpointSpec{
			Customer: customer, Feed: name, FHIRVersion: fhirv1.FHIRVersionR4,
			Aggregation: fhirv1.AggregationSpec{Enabled: enabled},
		},
	}
	if err := adminClient.Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// provision writes the status the operator writes once it has provisioned
// the endpoint, the way it writes it: a server-side apply of its own fields
// under its field manager.
func provision(t *testing.T, e *fhirv1.FhirEndpoint) {
	t.Helper()
	st := fhirv1.FhirEndpointStatus{
		URL:               "https://" + e.EffectiveSubdomain() + ".fhir.example.test/fhir",
		TokenURL:          "https://" + e.EffectiveSubdomain() + ".fhir.example.test/oauth2/token",
		InternalURL:       e.InternalURL(),
		CredentialsSecret: e.CredentialsSecretName(),
		FHIRVersion:       fhirv1.FHIRVersionR4,
		Conditions: []metav1.Condition{{
			Type: fhirv1.ConditionReady, Status: metav1.ConditionTrue, Reason: fhirv1.ReasonReady,
			Message: "serving", LastTransitionTime: metav1.Now(),
		}},
	}
	operatorApply(t, e, st)
}

// operatorApply applies st as the operator's status (controllers/status.go):
// everything it holds, under controllers.FieldManager, forced.
func operatorApply(t *testing.T, e *fhirv1.FhirEndpoint, st fhirv1.FhirEndpointStatus) {
	t.Helper()
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&st)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"status": content}}
	u.SetGroupVersionKind(fhirv1.GroupVersion.WithKind("FhirEndpoint"))
	u.SetName(e.Name)
	u.SetNamespace(e.Namespace)
	if err := adminClient.Status().Apply(context.Background(), client.ApplyConfigurationFromUnstructured(u),
		client.FieldOwner(controllers.FieldManager), client.ForceOwnership); err != nil {
		t.Fatal(err)
	}
}

// createSecret creates the endpoint's credentials Secret with the
// aggregator client id/secret; labelled as the operator labels the ones it
// generates, or not, as a user's own may be.
func createSecret(t *testing.T, e *fhirv1.FhirEndpoint, id, secret string, labelled bool) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.Namespace, Name: e.CredentialsSecretName()},
		Data: map[string][]byte{
			"client_id": []byte("customer"), "client_secret": []byte("customer-secret"),
			keyClientID: []byte(id), keyClientSecret: []byte(secret),
			"token_signing_key": []byte("not a key"),
		},
	}
	if labelled {
		s.Labels = map[string]string{controllers.LabelEndpoint: e.Name}
	}
	if err := adminClient.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// setSecret rewrites the aggregator client secret, as a rotation does.
func setSecret(t *testing.T, s *corev1.Secret, secret string) {
	t.Helper()
	s.Data[keyClientSecret] = []byte(secret)
	if err := adminClient.Update(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

// setEnabled sets spec.aggregation.enabled.
func setEnabled(t *testing.T, e *fhirv1.FhirEndpoint, enabled bool) {
	t.Helper()
	patch := client.MergeFrom(e.DeepCopy())
	e.Spec.Aggregation.Enabled = ptr.To(enabled)
	if err := adminClient.Patch(context.Background(), e, patch); err != nil {
		t.Fatal(err)
	}
}

// recorder is a running Sources' updates.
type recorder struct {
	mu      sync.Mutex
	last    []source.Spec
	updates int
	done    chan error
}

// run starts s.Run until the test ends.
func run(t *testing.T, s *Sources) *recorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &recorder{done: make(chan error, 1)}
	go func() {
		r.done <- s.Run(ctx, func(specs []source.Spec) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.last = specs
			r.updates++
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-r.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return r
}

func (r *recorder) specs() ([]source.Spec, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.last), r.updates
}

// spec is the Spec named name in the last update.
func (r *recorder) spec(name string) (source.Spec, bool) {
	specs, _ := r.specs()
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return source.Spec{}, false
}

// waitSpec waits until the last update holds a Spec named name for which
// ok holds.
func (r *recorder) waitSpec(t *testing.T, name, what string, ok func(source.Spec) bool) source.Spec {
	t.Helper()
	var got source.Spec
	eventually(t, name+": "+what, func() bool {
		s, found := r.spec(name)
		got = s
		return found && ok(s)
	})
	return got
}

// waitGone waits until the last update lacks name.
func (r *recorder) waitGone(t *testing.T, name string) {
	t.Helper()
	eventually(t, name+" to leave the set", func() bool {
		_, found := r.spec(name)
		return !found
	})
}

// newSources is New for the aggregator user, with the intervals made short
// enough for a test.
func newSources(t *testing.T, cfg Config) *Sources {
	t.Helper()
	if cfg.RESTConfig == nil {
		cfg.RESTConfig = aggregator
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.coalesce = 20 * time.Millisecond
	return s
}
