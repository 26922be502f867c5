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
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// testConfig is the operator configuration every envtest run uses: the
// manager's default policy, plus one more allowed registry folder.
func testConfig() Config {
	return Config{
		BaseDomain:                     "fhir.example.test",
		FhirServerImage:                "registry.example.test/fhirserver:test",
		AggregatorImage:                "registry.example.test/aggregator:test",
		IngressClass:                   "nginx",
		URLScheme:                      "https",
		IngressNamespace:               "ingress-nginx",
		AggregatorNamespace:            "fhirfleet-system",
		MetricsNamespace:               "monitoring",
		AllowedIngressAnnotations:      DefaultAllowedIngressAnnotations(),
		AllowedImagePrefixes:           []string{"registry.example.test/fhirserver", "example.test/"},
		AllowedAggregatorImagePrefixes: []string{"registry.example.test/aggregator"},
	}
}

// controlPlaneAssets is the folder with kube-apiserver and etcd:
// $KUBEBUILDER_ASSETS as `make test` sets it, else what hack/setup-envtest.sh
// builds (or finds cached), as the architecture's contract says.
func controlPlaneAssets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	out, err := exec.Command(filepath.Join("..", "hack", "setup-envtest.sh")).Output()
	if err != nil {
		return "", fmt.Errorf("hack/setup-envtest.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func testScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := fhirv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	return scheme, nil
}

// startControlPlane starts a real kube-apiserver and etcd with the CRD installed.
func startControlPlane() (*envtest.Environment, *rest.Config, error) {
	assets, err := controlPlaneAssets()
	if err != nil {
		return nil, nil, err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	// The API server's default Service range (10.0.0.0/24) holds 254
	// Services; the fleet benchmark needs a thousand.
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.96.0.0/16")
	cfg, err := env.Start()
	if err != nil {
		return nil, nil, fmt.Errorf("start envtest: %w", err)
	}
	return env, cfg, nil
}

// startManager runs the FhirEndpoint controller against cfg the way
// cmd/manager does (with workers reconciles at a time), every write counted.
func startManager(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme, workers int) (*FhirEndpointReconciler, *countingClient, error) {
	r, counting, _, err := startManagerWith(ctx, cfg, scheme, workers, nil)
	return r, counting, err
}

// startManagerWith is startManager (with the FhirAggregator controller
// beside, as cmd/manager runs it) with configure changing the reconciler
// (its Config, a Rollout) before it starts; stopped is closed once the
// manager has stopped after ctx ends, so a test can start another in its place.
func startManagerWith(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme, workers int, configure func(*FhirEndpointReconciler)) (*FhirEndpointReconciler, *countingClient, <-chan struct{}, error) {
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  CacheOptions(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true), MaxConcurrentReconciles: workers},
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create manager: %w", err)
	}
	counting := &countingClient{Client: mgr.GetClient()}
	r := &FhirEndpointReconciler{
		Client:    counting,
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("fhirfleet-test"),
		Config:    testConfig(),
	}
	if configure != nil {
		configure(r)
	}
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		return nil, nil, nil, err
	}
	agg := &FhirAggregatorReconciler{Client: counting, Recorder: mgr.GetEventRecorder("fhirfleet-test"), Config: r.Config}
	if err := agg.SetupWithManager(mgr); err != nil {
		return nil, nil, nil, err
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return nil, nil, nil, fmt.Errorf("cache did not sync")
	}
	return r, counting, stopped, nil
}

// countingClient counts the requests that write: what a steady state must
// not send. It counts in total and per namespace, so a test can watch its own
// endpoint while the manager still works on other tests' endpoints.
type countingClient struct {
	client.Client
	writes atomic.Int64

	mu          sync.Mutex
	byNamespace map[string]int64
}

func (c *countingClient) count(ns string) {
	c.writes.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byNamespace == nil {
		c.byNamespace = map[string]int64{}
	}
	c.byNamespace[ns]++
}

// writesIn is the number of writes to objects in namespace ns so far.
func (c *countingClient) writesIn(ns string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byNamespace[ns]
}

// namespaceOf reads the namespace of an apply configuration: a generated
// one (a *string) or one made from an unstructured object (a string).
func namespaceOf(obj runtime.ApplyConfiguration) string {
	switch o := obj.(type) {
	case interface{ GetNamespace() *string }:
		if o.GetNamespace() != nil {
			return *o.GetNamespace()
		}
	case interface{ GetNamespace() string }:
		return o.GetNamespace()
	}
	return ""
}

func (c *countingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.count(obj.GetNamespace())
	return c.Client.Create(ctx, obj, opts...)
}

func (c *countingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	c.count(obj.GetNamespace())
	return c.Client.Update(ctx, obj, opts...)
}

func (c *countingClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	c.count(obj.GetNamespace())
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func (c *countingClient) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
	c.count(namespaceOf(obj))
	return c.Client.Apply(ctx, obj, opts...)
}

func (c *countingClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	c.count(obj.GetNamespace())
	return c.Client.Delete(ctx, obj, opts...)
}

func (c *countingClient) Status() client.SubResourceWriter {
	return &countingStatus{SubResourceWriter: c.Client.Status(), c: c}
}

type countingStatus struct {
	client.SubResourceWriter
	c *countingClient
}

func (s *countingStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	s.c.count(obj.GetNamespace())
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

func (s *countingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	s.c.count(obj.GetNamespace())
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

func (s *countingStatus) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	s.c.count(namespaceOf(obj))
	return s.SubResourceWriter.Apply(ctx, obj, opts...)
}
