package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepoRootFindsGoMod(t *testing.T) {
	root := RepoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || len(b) == 0 {
		t.Fatalf("RepoRoot %s has no go.mod: %v", root, err)
	}
}

func TestFHIRPackagesHoldBothVersions(t *testing.T) {
	dir := FHIRPackages(t)
	for _, f := range []string{"r4/package/Patient-example.json", "stu3/package/Patient-null.json", "r4/package/Bundle-searchParams.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("official packages at %s lack %s: %v", dir, f, err)
		}
	}
}

func TestCacheHonoursTheEnvironment(t *testing.T) {
	t.Setenv("FHIRFLEET_CACHE", "/somewhere/else")
	if got := Cache(t); got != "/somewhere/else" {
		t.Fatalf("Cache = %s", got)
	}
}

func TestNPMInstallNeedsALockFile(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "package.json"), []byte(`{"name":"x","private":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		NPMInstall(ft, "no-lock", src)
	}()
	if !ft.failed {
		t.Fatal("an npm project without package-lock.json must be refused: versions would not be pinned")
	}
}

// fatalRecorder turns Fatalf into a recorded failure and a panic, so a test
// can check that a helper refuses.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fatalRecorder) Fatal(...any)          { f.failed = true; panic("fatal") }
func (f *fatalRecorder) Helper()               {}
