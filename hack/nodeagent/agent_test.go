package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// TestMain doubles as the "fhirserver" the agent runs in TestAgentRunsAPod:
// with NODEAGENT_TEST_SERVER set it serves /readyz on FHIRSERVER_LISTEN
// until SIGTERM.
func TestMain(m *testing.M) {
	if os.Getenv("NODEAGENT_TEST_SERVER") == "1" {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM)
		srv := &http.Server{Addr: os.Getenv("FHIRSERVER_LISTEN"), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/readyz" {
				http.NotFound(w, r)
			}
		})}
		go func() { <-stop; _ = srv.Close() }()
		_ = srv.ListenAndServe()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestAgentRunsAPod drives the agent against a real API server: a pod is
// bound, run, reported Ready with its ports, published in an EndpointSlice,
// its claim bound to a folder; deleting the pod stops the process and
// removes the pod, deleting the claim removes the folder.
func TestAgentRunsAPod(t *testing.T) {
	env := &envtest.Environment{BinaryAssetsDirectory: testenv.ControlPlane(t)}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	cfg.WarningHandler = rest.NoWarnings{} // FQDN EndpointSlices are deprecated: known
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	binDir, state := t.TempDir(), t.TempDir()
	self, _ := os.Executable()
	if err := os.Symlink(self, filepath.Join(binDir, "fhirserver")); err != nil {
		t.Fatal(err)
	}
	a := &agent{cs: cs, node: "dev", state: state, binDir: binDir, probeInterval: 50 * time.Millisecond,
		log: slog.New(slog.DiscardHandler), kick: make(chan struct{}, 1), procs: map[types.UID]*running{},
		startFailures: map[types.UID]string{}, ports: newPortAllocator()}
	if err := a.registerNode(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { a.run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	ns := "acme"
	mustCreate := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	mustCreate(err)
	_, err = cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds"}, Data: map[string][]byte{"client_id": []byte("id")}}, metav1.CreateOptions{})
	mustCreate(err)
	_, err = cs.CoreV1().PersistentVolumeClaims(ns).Create(ctx, &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"}, Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
	}}, metav1.CreateOptions{})
	mustCreate(err)
	_, err = cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "srv"}, Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "srv"},
		Ports:    []corev1.ServicePort{{Name: "http", Port: 8080, TargetPort: intstr.FromString("http")}},
	}}, metav1.CreateOptions{})
	mustCreate(err)
	_, err = cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "srv-0", Labels: map[string]string{"app": "srv"}}, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "fhirserver", Image: "ghcr.io/fhirfleet/fhirserver:test", Command: []string{"fhirserver", "--data-dir", "/data"},
			Env:            []corev1.EnvVar{{Name: "NODEAGENT_TEST_SERVER", Value: "1"}},
			Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromString("http")}}},
			VolumeMounts:   []corev1.VolumeMount{{Name: "data", MountPath: "/data"}, {Name: "creds", MountPath: "/creds"}},
		}},
		Volumes: []corev1.Volume{
			{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}},
			{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}}},
		},
	}}, metav1.CreateOptions{})
	mustCreate(err)

	var ports map[string]int
	waitFor(t, "the pod bound, running and Ready", func() bool {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "srv-0", metav1.GetOptions{})
		if err != nil || p.Spec.NodeName != "dev" || p.Status.Phase != corev1.PodRunning {
			return false
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return json.Unmarshal([]byte(p.Annotations[portsAnnotation]), &ports) == nil && ports["http"] != 0
			}
		}
		return false
	})
	readyz := "http://127.0.0.1:" + strconv.Itoa(ports["http"]) + "/readyz"
	if resp, err := http.Get(readyz); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the process at the annotated port: %v %v", resp, err)
	}
	node, err := cs.CoreV1().Nodes().Get(ctx, "dev", metav1.GetOptions{})
	if err != nil || len(node.Status.Conditions) == 0 || node.Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("node %+v, %v", node.Status.Conditions, err)
	}
	if b, err := os.ReadFile(filepath.Join(state, "pods", "acme_srv-0", "creds", "client_id")); err != nil || string(b) != "id" {
		t.Fatalf("secret file: %q, %v", b, err)
	}
	waitFor(t, "an EndpointSlice for the Service and the claim Bound", func() bool {
		slices, err := cs.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=srv"})
		pvc, perr := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
		return err == nil && len(slices.Items) == 1 && *slices.Items[0].Endpoints[0].Conditions.Ready && perr == nil && pvc.Status.Phase == corev1.ClaimBound
	})
	claim := filepath.Join(state, "volumes", ns, "data")
	if _, err := os.Stat(claim); err != nil {
		t.Fatal(err)
	}

	// Deleted with a grace period, as the StatefulSet controller does: the
	// agent stops the process and removes the pod itself.
	grace := int64(30)
	mustCreate(cs.CoreV1().Pods(ns).Delete(ctx, "srv-0", metav1.DeleteOptions{GracePeriodSeconds: &grace}))
	waitFor(t, "the pod removed and its process stopped", func() bool {
		_, err := cs.CoreV1().Pods(ns).Get(ctx, "srv-0", metav1.GetOptions{})
		_, gerr := http.Get(readyz)
		return apierrors.IsNotFound(err) && gerr != nil
	})
	if _, err := os.Stat(claim); err != nil {
		t.Fatalf("the claim's folder went with the pod: %v", err)
	}
	mustCreate(cs.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, "data", metav1.DeleteOptions{}))
	// While the claim is only terminating its data stays; envtest runs no
	// controller to lift its pvc-protection finalizer, so do it here.
	if _, err := os.Stat(claim); err != nil {
		t.Fatalf("a terminating claim's folder is gone: %v", err)
	}
	_, err = cs.CoreV1().PersistentVolumeClaims(ns).Patch(ctx, "data", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	mustCreate(err)
	waitFor(t, "the claim's folder removed", func() bool {
		_, err := os.Stat(claim)
		return os.IsNotExist(err)
	})
}
