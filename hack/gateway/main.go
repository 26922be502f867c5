package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/signal"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "Path to the kubeconfig of the local control plane (required).")
	listen := fs.String("listen", "127.0.0.1:8080", "Address serving every Ingress host.")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *kubeconfig == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "gateway: --kubeconfig is required and no arguments are taken")
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*kubeconfig, *listen, log); err != nil {
		log.Error("gateway stopped", "err", err)
		os.Exit(1)
	}
}

func run(kubeconfig, listen string, log *slog.Logger) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig %s (make dev writes it as <state>/kubeconfig once its API server is up): %w", kubeconfig, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	f := informers.NewSharedInformerFactory(cs, 10*time.Minute)
	ingInf := f.Networking().V1().Ingresses()
	svcInf := f.Core().V1().Services()
	sliceInf := f.Discovery().V1().EndpointSlices()
	// Every informer is created before Start, or its lister stays empty.
	svcInf.Informer()
	sliceInf.Informer()
	publish := make(chan struct{}, 1)
	_, _ = ingInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { signalOnce(publish) },
		UpdateFunc: func(any, any) { signalOnce(publish) },
	})
	s := state{
		ingresses: func() ([]*networkingv1.Ingress, error) { return ingInf.Lister().List(labels.Everything()) },
		service: func(ns, name string) (*corev1.Service, error) {
			return svcInf.Lister().Services(ns).Get(name)
		},
		slices: func(ns, name string) ([]*discoveryv1.EndpointSlice, error) {
			return sliceInf.Lister().EndpointSlices(ns).List(selectorForService(name))
		},
	}
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	go publishAddress(ctx, cs, s, publish, log)

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("%w (is another gateway running? pass --listen another address)", err)
	}
	srv := &http.Server{Handler: handler(s, log), ReadHeaderTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("gateway serving every Ingress host", "listen", ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func signalOnce(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// handler proxies each request to its Ingress backend.
func handler(s state, log *slog.Logger) http.Handler {
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     90 * time.Second,
	}
	proxy := &httputil.ReverseProxy{
		Transport:     transport,
		FlushInterval: -1, // stream: a long poll's answer goes out as soon as it comes
		Rewrite: func(r *httputil.ProxyRequest) {
			b := r.In.Context().Value(backendKey{}).(*backend)
			r.Out.URL.Scheme, r.Out.URL.Host = "http", b.addr
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			b := r.Context().Value(backendKey{}).(*backend)
			log.Warn("backend failed", "host", r.Host, "path", r.URL.Path, "service", b.namespace+"/"+b.service, "err", err)
			outcome(w, http.StatusBadGateway, "transient", fmt.Sprintf("the server behind Service %s/%s (%s) did not answer: %v", b.namespace, b.service, b.addr, err))
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := route(s, r.Host, r.URL.Path)
		if err != nil {
			var re *routeError
			if errors.As(err, &re) {
				code := "transient"
				switch re.status {
				case http.StatusNotFound:
					code = "not-found"
				case http.StatusBadRequest:
					code = "invalid"
				}
				outcome(w, re.status, code, re.msg)
				return
			}
			outcome(w, http.StatusBadGateway, "exception", err.Error())
			return
		}
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), backendKey{}, b)))
	})
}

type backendKey struct{}

// outcome answers with a FHIR OperationOutcome, which FHIR clients show.
func outcome(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"resourceType": "OperationOutcome",
		"issue":        []any{map[string]any{"severity": "error", "code": code, "diagnostics": "fhirfleet dev gateway: " + msg}},
	})
}

// publishAddress writes 127.0.0.1 into every Ingress's status, as an ingress
// controller publishes where it serves.
func publishAddress(ctx context.Context, cs kubernetes.Interface, s state, wake <-chan struct{}, log *slog.Logger) {
	for {
		ings, _ := s.ingresses()
		for _, ing := range ings {
			lb := ing.Status.LoadBalancer.Ingress
			if len(lb) == 1 && lb[0].IP == "127.0.0.1" {
				continue
			}
			u := ing.DeepCopy()
			u.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "127.0.0.1"}}
			if _, err := cs.NetworkingV1().Ingresses(ing.Namespace).UpdateStatus(ctx, u, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
				log.Debug("publish Ingress address (retried)", "ingress", ing.Namespace+"/"+ing.Name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-time.After(30 * time.Second):
		}
	}
}
