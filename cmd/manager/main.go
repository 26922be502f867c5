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

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
	"github.com/fhirfleet/fhirfleet/controllers"
)

func main() {
	o, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		os.Exit(2)
	}
	if err := run(ctrl.SetupSignalHandler(), o); err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o *options) error {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	log := ctrl.Log.WithName("setup")

	cfg, err := restConfig(o.kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = float32(o.qps), o.burst
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return fmt.Errorf("register Kubernetes types: %w", err)
	}
	if err := fhirv1.AddToScheme(scheme); err != nil {
		return fmt.Errorf("register FhirEndpoint and FhirAggregator: %w", err)
	}

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  controllers.CacheOptions(),
		Metrics:                metricsserver.Options{BindAddress: o.metricsBindAddress},
		HealthProbeBindAddress: o.healthProbeBindAddress,
		Controller:             config.Controller{MaxConcurrentReconciles: o.maxConcurrent},
		LeaderElection:         o.leaderElect,
		LeaderElectionID:       "fhirfleet-manager.fhir.fhirfleet.io",
		// The manager exits on a lost lease anyway; releasing it on a clean
		// shutdown lets the next replica take over without waiting it out.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	r := &controllers.FhirEndpointReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("fhirfleet-manager"),
		Config:    o.Config,
	}
	if o.MaxConcurrentUpgrades.String() != "0" {
		if r.Rollout, err = controllers.NewRollout(metrics.Registry); err != nil {
			return err
		}
	}
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up the FhirEndpoint controller: %w", err)
	}
	agg := &controllers.FhirAggregatorReconciler{
		Client:   mgr.GetClient(),
		Recorder: mgr.GetEventRecorder("fhirfleet-manager"),
		Config:   o.Config,
	}
	if err := agg.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up the FhirAggregator controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}
	log.Info("starting manager", "baseDomain", o.BaseDomain, "image", o.FhirServerImage, "aggregatorImage", o.AggregatorImage, "urlScheme", o.URLScheme,
		"allowedImagePrefixes", o.AllowedImagePrefixes, "allowedIngressAnnotations", o.AllowedIngressAnnotations,
		"maxConcurrentUpgrades", o.MaxConcurrentUpgrades.String(), "upgradeReadyTimeout", o.UpgradeReadyTimeout)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("run manager: %w", err)
	}
	return nil
}

// restConfig honours --kubeconfig, then controller-runtime's usual order
// ($KUBECONFIG, in-cluster, ~/.kube/config).
func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
		}
		return cfg, nil
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return nil, fmt.Errorf("find the API server: %w", err)
	}
	return cfg, nil
}
