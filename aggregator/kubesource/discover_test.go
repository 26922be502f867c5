package kubesource

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// TestDiscovery follows one namespace's FhirEndpoints through one Run:
// they appear, change credentials, are disabled and deleted, and the set
// follows without a restart.
func TestDiscovery(t *testing.T) {
	ns := newNamespace(t)
	s := newSources(t, Config{Namespaces: []string{ns}})
	s.resync = 200 * time.Millisecond
	rec := run(t, s)
	eventually(t, "the first update", func() bool { _, n := rec.specs(); return n > 0 })

	labs := createEndpoint(t, ns, "labs", "acme", nil)
	labsSecret := createSecret(t, labs, "agg-labs", "first", true)

	t.Run("an endpoint appears once provisioned", func(t *testing.T) {
		if _, found := rec.spec(ns + "/labs"); found {
			t.Fatal("followed before the operator published status.url")
		}
		provision(t, labs)
		got := rec.waitSpec(t, ns+"/labs", "appears", func(source.Spec) bool { return true })
		want := source.Spec{
			Name: ns + "/labs", Customer: "acme",
			Base:      "https://acme-labs.fhir.example.test/fhir",
			FetchBase: "http://labs." + ns + ".svc:8080/fhir",
			TokenURL:  "http://labs." + ns + ".svc:8080/oauth2/token",
			ClientID:  "agg-labs", ClientSecret: "first",
			Namespace: ns, Object: "labs",
		}
		if got != want {
			t.Errorf("spec =\n %+v\nwant\n %+v", got, want)
		}
	})

	t.Run("a rotated Secret brings the new credentials", func(t *testing.T) {
		setSecret(t, labsSecret, "second")
		rec.waitSpec(t, ns+"/labs", "new secret", func(s source.Spec) bool { return s.ClientSecret == "second" })
	})

	t.Run("a change elsewhere in the Secret is no update", func(t *testing.T) {
		_, before := rec.specs()
		labsSecret.Data["client_secret"] = []byte("customer-rotated")
		if err := adminClient.Update(context.Background(), labsSecret); err != nil {
			t.Fatal(err)
		}
		// A later change that is one shows the first was seen and dropped.
		setSecret(t, labsSecret, "third")
		rec.waitSpec(t, ns+"/labs", "third secret", func(s source.Spec) bool { return s.ClientSecret == "third" })
		if _, after := rec.specs(); after != before+1 {
			t.Errorf("%d updates for one change of the aggregator client", after-before)
		}
	})

	t.Run("a user's unlabelled Secret is read, and its rotation seen", func(t *testing.T) {
		own := createEndpoint(t, ns, "own", "acme", nil)
		ownSecret := createSecret(t, own, "agg-own", "mine", false)
		provision(t, own)
		rec.waitSpec(t, ns+"/own", "appears", func(s source.Spec) bool { return s.ClientSecret == "mine" })
		setSecret(t, ownSecret, "mine-rotated")
		rec.waitSpec(t, ns+"/own", "rotated at the resync", func(s source.Spec) bool { return s.ClientSecret == "mine-rotated" })
	})

	t.Run("an endpoint without the aggregator client is not followed", func(t *testing.T) {
		bare := createEndpoint(t, ns, "bare", "acme", nil)
		s := createSecret(t, bare, "", "", true)
		provision(t, bare)
		// Provisioned, then a later event (a change to labs) is seen: bare
		// was considered and left out.
		setSecret(t, labsSecret, "fourth")
		rec.waitSpec(t, ns+"/labs", "fourth secret", func(s source.Spec) bool { return s.ClientSecret == "fourth" })
		if _, found := rec.spec(ns + "/bare"); found {
			t.Fatal("followed without an aggregator client")
		}
		s.Data[keyClientID] = []byte("agg-bare")
		setSecret(t, s, "bare-secret")
		rec.waitSpec(t, ns+"/bare", "appears", func(s source.Spec) bool { return s.ClientID == "agg-bare" })
	})

	t.Run("a disabled endpoint leaves the set, says so, and comes back", func(t *testing.T) {
		ctx := context.Background()
		spec, _ := rec.spec(ns + "/labs")
		following := source.State{Cursor: "c7", Lag: 2 * time.Second, Accepted: 4, Healthy: true, Reason: source.ReasonFollowing}
		if err := s.StatusSink().Publish(ctx, spec, following); err != nil {
			t.Fatal(err)
		}
		setEnabled(t, labs, false)
		rec.waitGone(t, ns+"/labs")
		var c *metav1.Condition
		eventually(t, "Aggregated=False AggregationDisabled", func() bool {
			c = aggregated(t, labs)
			return c != nil && c.Status == metav1.ConditionFalse && c.Reason == ReasonAggregationDisabled
		})
		got := endpoint(t, labs)
		if a := got.Status.Aggregation; a == nil || a.Cursor != "c7" || a.Accepted != 4 || a.LagSeconds != nil {
			t.Errorf("a parked endpoint's status.aggregation = %+v, want the cursor and counts without a lag", a)
		}
		// The follower, still stopping, publishes once more: no effect.
		if err := s.StatusSink().Publish(ctx, spec, following); err != nil {
			t.Fatal(err)
		}
		if c := aggregated(t, labs); c.Reason != ReasonAggregationDisabled {
			t.Errorf("a late publish overwrote the parked condition: %+v", c)
		}

		setEnabled(t, labs, true)
		spec = rec.waitSpec(t, ns+"/labs", "back", func(source.Spec) bool { return true })
		if err := s.StatusSink().Publish(ctx, spec, following); err != nil {
			t.Fatal(err)
		}
		if c := aggregated(t, labs); c.Status != metav1.ConditionTrue {
			t.Errorf("followed again, yet Aggregated = %+v", c)
		}
	})

	t.Run("an endpoint whose Secret loses the aggregator client says so", func(t *testing.T) {
		delete(labsSecret.Data, keyClientSecret)
		if err := adminClient.Update(context.Background(), labsSecret); err != nil {
			t.Fatal(err)
		}
		rec.waitGone(t, ns+"/labs")
		eventually(t, "Aggregated=False CredentialsMissing", func() bool {
			c := aggregated(t, labs)
			return c != nil && c.Status == metav1.ConditionFalse && c.Reason == ReasonCredentialsMissing &&
				strings.Contains(c.Message, keyClientSecret)
		})
		setSecret(t, labsSecret, "fifth")
		rec.waitSpec(t, ns+"/labs", "back", func(s source.Spec) bool { return s.ClientSecret == "fifth" })
	})

	t.Run("an endpoint never reported on gets no condition", func(t *testing.T) {
		own := endpoint(t, &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "own"}})
		setEnabled(t, own, false)
		rec.waitGone(t, ns+"/own")
		setSecret(t, labsSecret, "sixth")
		rec.waitSpec(t, ns+"/labs", "sixth secret", func(s source.Spec) bool { return s.ClientSecret == "sixth" })
		if c := aggregated(t, own); c != nil {
			t.Errorf("Aggregated written on an endpoint never followed: %+v", c)
		}
		setEnabled(t, own, true)
		rec.waitSpec(t, ns+"/own", "back", func(source.Spec) bool { return true })
	})

	t.Run("a deleted endpoint leaves the set", func(t *testing.T) {
		if err := adminClient.Delete(context.Background(), labs); err != nil {
			t.Fatal(err)
		}
		rec.waitGone(t, ns+"/labs")
		if _, found := rec.spec(ns + "/own"); !found {
			t.Error("the other endpoints went too")
		}
	})

	t.Run("an endpoint disabled from the start is never followed", func(t *testing.T) {
		off := createEndpoint(t, ns, "off", "acme", ptr.To(false))
		createSecret(t, off, "agg-off", "off", true)
		provision(t, off)
		on := createEndpoint(t, ns, "on", "acme", nil)
		createSecret(t, on, "agg-on", "on", true)
		provision(t, on)
		rec.waitSpec(t, ns+"/on", "appears", func(source.Spec) bool { return true })
		if _, found := rec.spec(ns + "/off"); found {
			t.Fatal("a disabled endpoint is followed")
		}
	})
}

func TestDiscoveryPublicAddress(t *testing.T) {
	ns := newNamespace(t)
	rec := run(t, newSources(t, Config{Namespaces: []string{ns}, SourceAddress: AddressPublic}))
	e := createEndpoint(t, ns, "labs", "acme", nil)
	createSecret(t, e, "agg", "s", true)
	provision(t, e)
	got := rec.waitSpec(t, ns+"/labs", "appears", func(source.Spec) bool { return true })
	if got.API() != "https://acme-labs.fhir.example.test/fhir" || got.FetchBase != "" {
		t.Errorf("public mode calls %q (FetchBase %q)", got.API(), got.FetchBase)
	}
	if got.TokenURL != "https://acme-labs.fhir.example.test/oauth2/token" {
		t.Errorf("token URL %q", got.TokenURL)
	}
}

func TestDiscoveryNamespaces(t *testing.T) {
	watched, other := newNamespace(t), newNamespace(t)
	for _, ns := range []string{watched, other} {
		e := createEndpoint(t, ns, "labs", "acme", nil)
		createSecret(t, e, "agg", "s", true)
		provision(t, e)
	}
	one := run(t, newSources(t, Config{Namespaces: []string{watched, " "}}))
	all := run(t, newSources(t, Config{}))
	for _, ns := range []string{watched, other} {
		all.waitSpec(t, ns+"/labs", "seen watching every namespace", func(source.Spec) bool { return true })
	}
	one.waitSpec(t, watched+"/labs", "seen in its namespace", func(source.Spec) bool { return true })
	specs, _ := one.specs()
	for _, s := range specs {
		if s.Namespace != watched {
			t.Errorf("watching %s, followed %s", watched, s.Name)
		}
	}
}

// TestDiscoveryWithoutRBAC: Run says what is missing instead of waiting.
func TestDiscoveryWithoutRBAC(t *testing.T) {
	s := newSources(t, Config{RESTConfig: nobody})
	s.syncTimeout = time.Second
	err := s.Run(context.Background(), func([]source.Spec) { t.Error("an update without access") })
	if err == nil || !strings.Contains(err.Error(), "fhirfleet-aggregator") {
		t.Fatalf("Run = %v, want an error naming the ClusterRole", err)
	}
}

// endpoint reads e as it is now.
func endpoint(t *testing.T, e *fhirv1.FhirEndpoint) *fhirv1.FhirEndpoint {
	t.Helper()
	got := &fhirv1.FhirEndpoint{}
	if err := adminClient.Get(context.Background(), client.ObjectKeyFromObject(e), got); err != nil {
		t.Fatal(err)
	}
	return got
}

// aggregated is e's Aggregated condition now, nil without one.
func aggregated(t *testing.T, e *fhirv1.FhirEndpoint) *metav1.Condition {
	t.Helper()
	return meta.FindStatusCondition(endpoint(t, e).Status.Conditions, fhirv1.ConditionAggregated)
}
