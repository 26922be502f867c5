package kubesource

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
	"github.com/fhirfleet/fhirfleet/controllers"
)

// TestWithOperator runs the real operator beside the discoverer: the
// endpoint it provisions is followed with the credentials it generated, a
// rotation it performs reaches the running discoverer (issue 12), and its
// status writes and the aggregator's never erase each other.
func TestWithOperator(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	startOperator(t, ns)
	rec := run(t, newSources(t, Config{Namespaces: []string{ns}}))
	e := createEndpoint(t, ns, "labs", "acme", nil)

	generated := func() *corev1.Secret {
		t.Helper()
		s := &corev1.Secret{}
		if err := adminClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: e.CredentialsSecretName()}, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := rec.waitSpec(t, ns+"/labs", "followed once provisioned", func(source.Spec) bool { return true })
	secret := generated()
	if first.ClientID != string(secret.Data[keyClientID]) || first.ClientSecret != string(secret.Data[keyClientSecret]) || first.ClientSecret == "" {
		t.Fatalf("spec credentials %q/%q are not the generated Secret's", first.ClientID, first.ClientSecret)
	}
	if first.Base != "https://acme-labs.fhir.example.test/fhir" || first.FetchBase != e.InternalURL()+"/fhir" {
		t.Errorf("spec addresses: %+v", first)
	}

	state := source.State{Cursor: "c1", LastSync: time.Now(), Accepted: 3, Healthy: true, Reason: source.ReasonFollowing}
	sources := newSources(t, Config{})
	if err := sources.StatusSink().Publish(ctx, first, state); err != nil {
		t.Fatal(err)
	}

	// Rotation: the operator rewrites the Secret and its status.
	if err := adminClient.Get(ctx, client.ObjectKeyFromObject(e), e); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(e.DeepCopy())
	e.Spec.Credentials.Rotation = 1
	if err := adminClient.Patch(ctx, e, patch); err != nil {
		t.Fatal(err)
	}
	rotated := rec.waitSpec(t, ns+"/labs", "the rotated secret", func(s source.Spec) bool { return s.ClientSecret != first.ClientSecret })
	if rotated.ClientSecret != string(generated().Data[keyClientSecret]) || rotated.ClientID != first.ClientID {
		t.Errorf("after the rotation the spec holds %q/%q", rotated.ClientID, rotated.ClientSecret)
	}

	// The operator wrote status.credentials for the rotation; the
	// aggregator's fields are still there.
	eventually(t, "the operator's status of the rotation", func() bool {
		got := &fhirv1.FhirEndpoint{}
		if err := adminClient.Get(ctx, client.ObjectKeyFromObject(e), got); err != nil {
			t.Fatal(err)
		}
		return got.Status.Credentials != nil && got.Status.Credentials.Rotation == 1
	})
	got := &fhirv1.FhirEndpoint{}
	if err := adminClient.Get(ctx, client.ObjectKeyFromObject(e), got); err != nil {
		t.Fatal(err)
	}
	if got.Status.Aggregation == nil || got.Status.Aggregation.Cursor != "c1" ||
		meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionAggregated) == nil {
		t.Errorf("the operator erased the aggregator's status: %+v", got.Status)
	}

	// And the aggregator's next write leaves the operator's status alone.
	state.Cursor, state.Healthy, state.Reason = "c2", false, source.ReasonCredentialsRefused
	if err := sources.StatusSink().Publish(ctx, rotated, state); err != nil {
		t.Fatal(err)
	}
	if err := adminClient.Get(ctx, client.ObjectKeyFromObject(e), got); err != nil {
		t.Fatal(err)
	}
	if got.Status.URL == "" || got.Status.Credentials == nil || meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionCredentialsReady) == nil {
		t.Errorf("the aggregator erased the operator's status: %+v", got.Status)
	}
	if c := meta.FindStatusCondition(got.Status.Conditions, fhirv1.ConditionAggregated); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("Aggregated = %+v", c)
	}
	assertManagers(t, got)
}

// startOperator runs the operator's FhirEndpoint controller on namespace ns
// until the test ends, configured as the manager's defaults would have it.
func startOperator(t *testing.T, ns string) {
	t.Helper()
	opts := controllers.CacheOptions()
	opts.DefaultNamespaces = map[string]cache.Config{ns: {}}
	mgr, err := ctrl.NewManager(admin, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  opts,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &controllers.FhirEndpointReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("kubesource-test"),
		Config: controllers.Config{
			BaseDomain:          "fhir.example.test",
			FhirServerImage:     "registry.example.test/fhirserver:test",
			IngressClass:        "nginx",
			URLScheme:           "https",
			IngressNamespace:    "ingress-nginx",
			AggregatorNamespace: "fhirfleet-system",
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		cancel()
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("operator: %v", err)
		}
	})
}
