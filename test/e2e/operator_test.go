package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/test/testenv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// TestManagerBinaryProvisionsEndpoints runs bin/manager as a process against
// a real kube-apiserver, applies the shipped samples, and checks from the
// outside what a platform engineer sees: every child object, the status URL,
// `kubectl get fhe` columns, and a Secret that a real fhirserver accepts.
func TestManagerBinaryProvisionsEndpoints(t *testing.T) {
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: testenv.ControlPlane(t),
	}
	if _, err := env.Start(); err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	defer func() { _ = env.Stop() }()
	admin, err := env.AddUser(envtest.User{Name: "platform-engineer", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kcPath := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kcPath, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := admin.Config()
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}

	build := exec.Command("go", "build", "-o", filepath.Join(binDir, "manager"), "github.com/fhirfleet/fhirfleet/cmd/manager")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build manager: %v\n%s", err, out)
	}
	probe := freeAddr(t)
	logs := &syncBuffer{}
	mgr := exec.Command(filepath.Join(binDir, "manager"), "--kubeconfig", kcPath, "--base-domain", "fhir.example.test",
		"--metrics-bind-address", "0", "--health-probe-bind-address", probe, "--ingress-class", "nginx")
	mgr.Stdout, mgr.Stderr = logs, logs
	if err := mgr.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mgr.Process.Kill(); _ = mgr.Wait() }()
	waitFor(t, 60*time.Second, "manager /readyz", logs, func() bool {
		resp, err := http.Get("http://" + probe + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})

	ctx := context.Background()
	for _, ns := range []string{"acme", "globex"} {
		obj := &unstructured.Unstructured{}
		obj.SetAPIVersion("v1")
		obj.SetKind("Namespace")
		obj.SetName(ns)
		if err := c.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"fhir_v1alpha1_fhirendpoint_r4.yaml", "fhir_v1alpha1_fhirendpoint_stu3.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", f))
		if err != nil {
			t.Fatal(err)
		}
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(b, &obj.Object); err != nil {
			t.Fatal(err)
		}
		if err := c.Create(ctx, obj); err != nil {
			t.Fatalf("apply sample %s: %v", f, err)
		}
	}

	get := func(gvk schema.GroupVersionKind, ns, name string) (*unstructured.Unstructured, error) {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		return u, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u)
	}
	children := []struct {
		gvk  schema.GroupVersionKind
		name string
	}{
		{schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, "acme-labs-credentials"},
		{schema.GroupVersionKind{Version: "v1", Kind: "PersistentVolumeClaim"}, "acme-labs-data"},
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}, "acme-labs"},
		{schema.GroupVersionKind{Version: "v1", Kind: "Service"}, "acme-labs"},
		{schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}, "acme-labs"},
		{schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"}, "acme-labs"},
	}
	for _, ch := range children {
		waitFor(t, 60*time.Second, ch.gvk.Kind+" "+ch.name, logs, func() bool {
			u, err := get(ch.gvk, "acme", ch.name)
			return err == nil && u.GetLabels()["app.kubernetes.io/managed-by"] == "fhirfleet" &&
				u.GetLabels()["fhir.fhirfleet.io/endpoint"] == "acme-labs"
		})
	}
	ing, _ := get(schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}, "acme", "acme-labs")
	host, _, _ := unstructured.NestedSlice(ing.Object, "spec", "rules")
	if len(host) != 1 || host[0].(map[string]any)["host"] != "acme-labs.fhir.example.test" {
		t.Fatalf("Ingress rules %v, want host acme-labs.fhir.example.test", host)
	}
	// Only the public API is routed: /metrics, /healthz and the rest stay inside.
	paths, _, _ := unstructured.NestedSlice(host[0].(map[string]any), "http", "paths")
	var routed []string
	for _, p := range paths {
		routed = append(routed, fmt.Sprint(p.(map[string]any)["path"]))
	}
	if fmt.Sprint(routed) != "[/fhir /oauth2 /.well-known]" {
		t.Fatalf("Ingress routes %v, want only /fhir, /oauth2 and /.well-known", routed)
	}
	sts, _ := get(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}, "acme", "acme-labs")
	containers, _, _ := unstructured.NestedSlice(sts.Object, "spec", "template", "spec", "containers")
	args := fmt.Sprint(containers[0].(map[string]any)["args"], containers[0].(map[string]any)["command"])
	for _, want := range []string{"--fhir-version", "R4", "--base-url", "https://acme-labs.fhir.example.test", "--credentials-dir", "--data-dir", "--metrics-listen :9090"} {
		if !strings.Contains(args, want) {
			t.Fatalf("server command %s lacks %q", args, want)
		}
	}

	// The server "becomes ready" (envtest runs no StatefulSet controller).
	_ = unstructured.SetNestedField(sts.Object, int64(1), "status", "replicas")
	_ = unstructured.SetNestedField(sts.Object, int64(1), "status", "readyReplicas")
	_ = unstructured.SetNestedField(sts.Object, int64(1), "status", "availableReplicas")
	_ = unstructured.SetNestedField(sts.Object, int64(1), "status", "updatedReplicas")
	_ = unstructured.SetNestedField(sts.Object, int64(1), "status", "currentReplicas")
	_ = unstructured.SetNestedField(sts.Object, sts.GetGeneration(), "status", "observedGeneration")
	if err := c.Status().Update(ctx, sts); err != nil {
		t.Fatal(err)
	}
	fheGVK := schema.GroupVersionKind{Group: "fhir.fhirfleet.io", Version: "v1alpha1", Kind: "FhirEndpoint"}
	waitFor(t, 60*time.Second, "acme-labs Ready=True", logs, func() bool {
		fhe, err := get(fheGVK, "acme", "acme-labs")
		if err != nil {
			return false
		}
		conds, _, _ := unstructured.NestedSlice(fhe.Object, "status", "conditions")
		for _, cond := range conds {
			m := cond.(map[string]any)
			if m["type"] == "Ready" && m["status"] == "True" {
				return true
			}
		}
		return false
	})
	fhe, _ := get(fheGVK, "acme", "acme-labs")
	status := fhe.Object["status"].(map[string]any)
	if status["url"] != "https://acme-labs.fhir.example.test/fhir" || status["tokenURL"] != "https://acme-labs.fhir.example.test/oauth2/token" ||
		status["credentialsSecret"] != "acme-labs-credentials" || status["fhirVersion"] != "R4" {
		t.Fatalf("status %v", status)
	}

	// What `kubectl get fhe -n acme` prints: the server-side table.
	table := kubectlGetTable(t, cfg, "/apis/fhir.fhirfleet.io/v1alpha1/namespaces/acme/fhirendpoints")
	if !strings.Contains(table, `"Customer"`) || !strings.Contains(table, `"Ready"`) || !strings.Contains(table, `"URL"`) ||
		!strings.Contains(table, `"acme","labs","R4","https://acme-labs.fhir.example.test/fhir","True"`) {
		t.Fatalf("kubectl get fhe table:\n%s", table)
	}

	// The Secret the operator generated is what a real fhirserver runs on:
	// mount it as files and get a token with its client credentials.
	secret, _ := get(schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, "acme", "acme-labs-credentials")
	credDir := t.TempDir()
	data, _, _ := unstructured.NestedStringMap(secret.Object, "data")
	for _, key := range []string{"client_id", "client_secret", "aggregator_client_id", "aggregator_client_secret", "token_signing_key"} {
		if data[key] == "" {
			t.Fatalf("Secret lacks %s", key)
		}
		raw, err := decodeB64(data[key])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(credDir, key), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dataDir := t.TempDir()
	srv := startServer(t, "R4", dataDir, "--credentials-dir", credDir)
	if err := os.Symlink(credDir, filepath.Join(dataDir, "credentials")); err != nil {
		t.Fatal(err)
	}
	client := newClient(srv.Base, srv.token(false))
	resp, err := client.do(ctx, "POST", "/Patient", []byte(`{"resourceType":"Patient","active":true}`), nil)
	if err != nil || resp.Status != 201 {
		t.Fatalf("create with the operator's credentials: %v %d %s", err, resp.Status, resp.Body)
	}
}

func decodeB64(s string) ([]byte, error) {
	var b []byte
	err := json.Unmarshal([]byte(`"`+s+`"`), &b)
	return b, err
}

func kubectlGetTable(t *testing.T, cfg *rest.Config, path string) string {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", strings.TrimRight(cfg.Host, "/")+path, nil)
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var tbl struct {
		ColumnDefinitions []struct{ Name string } `json:"columnDefinitions"`
		Rows              []struct{ Cells []any } `json:"rows"`
	}
	if err := json.Unmarshal(b, &tbl); err != nil {
		t.Fatalf("table: %v: %s", err, b)
	}
	out, _ := json.Marshal(tbl)
	return string(out)
}

func waitFor(t *testing.T, d time.Duration, what string, logs *syncBuffer, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; manager log:\n%s", what, logs.String())
}
