package kubesource

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRESTConfigKubeconfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	kubeconfig := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user: {token: "t"}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := RESTConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "https://127.0.0.1:6443" || cfg.BearerToken != "t" || cfg.UserAgent != FieldManager || cfg.QPS == 0 {
		t.Errorf("config = host %q, token %q, agent %q, qps %v", cfg.Host, cfg.BearerToken, cfg.UserAgent, cfg.QPS)
	}
	if _, err := RESTConfig(filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "kubeconfig") {
		t.Errorf("a missing kubeconfig: %v", err)
	}
}

func TestRESTConfigOutsideCluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	_, err := RESTConfig("")
	if err == nil || !strings.Contains(err.Error(), "--kubeconfig") || !strings.Contains(err.Error(), "--source") {
		t.Fatalf("RESTConfig outside a cluster = %v, want advice naming --kubeconfig and --source", err)
	}
}
