package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Cache is the folder for everything expensive that outlives a checkout:
// $FHIRFLEET_CACHE, else ~/.cache/fhirfleet (as the Makefile and hack/ use).
func Cache(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("FHIRFLEET_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatalf("no FHIRFLEET_CACHE and no home folder: %v", err)
	}
	return filepath.Join(home, ".cache", "fhirfleet")
}

// RepoRoot is the folder holding go.mod, found from the test's folder.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// FHIRPackages is the folder with the official FHIR packages
// (<dir>/r4/package, <dir>/stu3/package): FHIRFLEET_FHIR_PACKAGES, which
// make test sets, or what hack/fhir-packages.sh prints.
func FHIRPackages(t testing.TB) string {
	t.Helper()
	return fromEnvOrScript(t, "FHIRFLEET_FHIR_PACKAGES", "fhir-packages.sh")
}

// ControlPlane is the folder with kube-apiserver and etcd built from source:
// KUBEBUILDER_ASSETS, which make test sets, or what hack/setup-envtest.sh prints.
func ControlPlane(t testing.TB) string {
	t.Helper()
	return fromEnvOrScript(t, "KUBEBUILDER_ASSETS", "setup-envtest.sh")
}

func fromEnvOrScript(t testing.TB, env, script string) string {
	t.Helper()
	if d := os.Getenv(env); d != "" {
		return d
	}
	cmd := exec.Command(filepath.Join(RepoRoot(t), "hack", script))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/%s: %v\n%s", script, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// NPMInstall installs the npm project in srcDir (its package.json and
// package-lock.json pin every version) into Cache/npm/<name>, never into the
// checkout, and returns that folder, which then holds node_modules and a
// copy of every file of srcDir (so scripts there can import the packages).
// It runs `npm ci --ignore-scripts` (no install script of a dependency runs)
// only when the lock file changed since the last install,
// under a file lock, so parallel test runs share one install.
func NPMInstall(t testing.TB, name, srcDir string) string {
	t.Helper()
	dir := filepath.Join(Cache(t), "npm", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock %s: %v", dir, err)
	}
	wantLock, err := os.ReadFile(filepath.Join(srcDir, "package-lock.json"))
	if err != nil {
		t.Fatalf("%s needs a package-lock.json that pins its versions: %v", srcDir, err)
	}
	installed, _ := os.ReadFile(filepath.Join(dir, ".installed-lock.json"))
	entries, err := os.ReadDir(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(srcDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil && bytes.Equal(installed, wantLock) {
		return dir
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci for %s in %s: %v\n%s", name, dir, err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, ".installed-lock.json"), wantLock, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
