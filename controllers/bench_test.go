/*
Copyright 2026 The fhirfleet Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controllers

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// benchEndpoints is how many FhirEndpoints the fleet benchmark creates at once.
const benchEndpoints = 1000

// BenchmarkFleet creates 1,000 FhirEndpoints at once against a real API
// server and a manager configured as cmd/manager's defaults (4 workers, 50
// QPS, burst 100), and reports:
//   - s/fleet: seconds from the first create until every endpoint has all six children;
//   - writes/endpoint: API writes the manager spent provisioning one endpoint;
//   - steady-writes/reconcile: API writes of one reconcile once nothing changed (target 0).
//
// Run: go test -run '^$' -bench BenchmarkFleet -benchtime=1x ./controllers/
func BenchmarkFleet(b *testing.B) {
	// Errors only: the benchmark should show what went wrong, not every reconcile.
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, cfg, err := startControlPlane()
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		cancel()
		if err := env.Stop(); err != nil {
			b.Error(err)
		}
	}()
	scheme, err := testScheme()
	if err != nil {
		b.Fatal(err)
	}
	managerCfg := rest.CopyConfig(cfg)
	managerCfg.QPS, managerCfg.Burst = 50, 100
	r, counting, err := startManager(ctx, managerCfg, scheme, 4)
	if err != nil {
		b.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("fleet-%d", i)}}
		if err := c.Create(ctx, ns); err != nil {
			b.Fatal(err)
		}
		before := counting.writes.Load()
		b.StartTimer()

		start := time.Now()
		createFleet(ctx, b, c, ns.Name)
		waitForChildren(ctx, b, c, ns.Name)
		elapsed := time.Since(start)

		b.StopTimer()
		b.ReportMetric(elapsed.Seconds(), "s/fleet")
		b.ReportMetric(float64(counting.writes.Load()-before)/benchEndpoints, "writes/endpoint")
		b.ReportMetric(steadyWrites(ctx, b, r, counting, ns.Name), "steady-writes/reconcile")
		b.StartTimer()
	}
}

// createFleet creates the endpoints from 16 goroutines, "at once" as a GitOps
// sync of a thousand manifests would.
func createFleet(ctx context.Context, b *testing.B, c client.Client, ns string) {
	var wg sync.WaitGroup
	errs := make(chan error, benchEndpoints)
	next := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				e := &fhirv1.FhirEndpoint{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ep-%04d", i), Namespace: ns},
					Spec:       fhirv1.FhirEndpointSpec{Customer: ns, Feed: fmt.Sprintf("feed-%04d", i), FHIRVersion: fhirv1.FHIRVersionR4},
				}
				if err := c.Create(ctx, e); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range benchEndpoints {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// waitForChildren polls until every endpoint has all six children.
func waitForChildren(ctx context.Context, b *testing.B, c client.Client, ns string) {
	lists := []client.ObjectList{&corev1.SecretList{}, &corev1.PersistentVolumeClaimList{}, &appsv1.StatefulSetList{},
		&corev1.ServiceList{}, &networkingv1.IngressList{}, &networkingv1.NetworkPolicyList{}}
	deadline := time.Now().Add(20 * time.Minute)
	lastLog := time.Now()
	for _, list := range lists {
		for {
			if err := c.List(ctx, list, client.InNamespace(ns), client.HasLabels{LabelEndpoint}); err != nil {
				b.Fatal(err)
			}
			if countItems(list) >= benchEndpoints {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%T: only %d of %d children after 20 minutes", list, countItems(list), benchEndpoints)
			}
			if time.Since(lastLog) > 5*time.Second {
				fmt.Fprintf(os.Stderr, "fleet: %T: %d of %d\n", list, countItems(list), benchEndpoints)
				lastLog = time.Now()
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
}

func countItems(list client.ObjectList) int {
	n := 0
	switch l := list.(type) {
	case *corev1.SecretList:
		n = len(l.Items)
	case *corev1.PersistentVolumeClaimList:
		n = len(l.Items)
	case *appsv1.StatefulSetList:
		n = len(l.Items)
	case *corev1.ServiceList:
		n = len(l.Items)
	case *networkingv1.IngressList:
		n = len(l.Items)
	case *networkingv1.NetworkPolicyList:
		n = len(l.Items)
	}
	return n
}

// steadyWrites waits for the manager to settle, then reconciles every
// endpoint once more and returns the writes per reconcile.
func steadyWrites(ctx context.Context, b *testing.B, r *FhirEndpointReconciler, counting *countingClient, ns string) float64 {
	var list fhirv1.FhirEndpointList
	deadline := time.Now().Add(10 * time.Minute)
	for {
		if err := r.Client.List(ctx, &list, client.InNamespace(ns)); err != nil {
			b.Fatal(err)
		}
		settled := 0
		for _, e := range list.Items {
			if e.Status.ObservedGeneration == e.Generation {
				settled++
			}
		}
		if settled == benchEndpoints {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d endpoints settled", settled, benchEndpoints)
		}
		fmt.Fprintf(os.Stderr, "fleet: %d of %d endpoints settled, %d writes so far\n", settled, benchEndpoints, counting.writes.Load())
		time.Sleep(500 * time.Millisecond)
	}
	// Let the reconciles queued by the last status writes drain.
	for last := counting.writes.Load(); ; {
		time.Sleep(2 * time.Second)
		now := counting.writes.Load()
		fmt.Fprintf(os.Stderr, "fleet: draining: %d writes\n", now)
		if now == last {
			break
		}
		last = now
	}
	before := counting.writes.Load()
	for _, e := range list.Items {
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&e)}); err != nil {
			b.Fatal(err)
		}
	}
	return float64(counting.writes.Load()-before) / float64(len(list.Items))
}
