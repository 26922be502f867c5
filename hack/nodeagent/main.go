package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	fs := flag.NewFlagSet("nodeagent", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "Path to the kubeconfig of the local control plane (required).")
	node := fs.String("node-name", "dev", "Name of the Node this agent registers.")
	state := fs.String("state-dir", ".dev", "Folder for volumes (<state>/volumes), pod folders (<state>/pods) and logs (<state>/logs).")
	binDir := fs.String("bin-dir", "bin", "Folder with the binaries pods run (fhirserver, aggregator).")
	proxy := fs.String("http-proxy", "", "HTTP_PROXY given to every process (make dev: the gateway, which routes <svc>.<ns>.svc names); empty: none.")
	interval := fs.Duration("probe-interval", 500*time.Millisecond, "How often a running pod's readinessProbe is polled.")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *kubeconfig == "" || fs.NArg() > 0 || *interval <= 0 {
		fmt.Fprintln(os.Stderr, "nodeagent: --kubeconfig is required, --probe-interval must be positive, and no arguments are taken")
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*kubeconfig, *node, *state, *binDir, *proxy, *interval, log); err != nil {
		log.Error("nodeagent stopped", "err", err)
		os.Exit(1)
	}
}

func run(kubeconfig, node, state, binDir, proxy string, interval time.Duration, log *slog.Logger) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig %s (make dev writes it as <state>/kubeconfig once its API server is up): %w", kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	// FQDN EndpointSlices are deprecated (see doc.go): said once there, not per write.
	cfg.WarningHandler = rest.NoWarnings{}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	a := &agent{
		cs: cs, node: node, state: abs(state), binDir: abs(binDir), kubeconfig: abs(kubeconfig), httpProxy: proxy,
		probeInterval: interval, log: log, kick: make(chan struct{}, 1), ports: newPortAllocator(),
		procs: map[types.UID]*running{}, startFailures: map[types.UID]string{},
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := a.registerNode(ctx); err != nil {
		return fmt.Errorf("register node %s: %w", node, err)
	}
	go a.keepNodeReady(ctx)
	if err := a.start(ctx); err != nil {
		return err
	}
	log.Info("node agent running", "node", node, "state", a.state, "bin", a.binDir)
	a.run(ctx)
	log.Info("every process stopped")
	return nil
}
