package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// generated is one run of the generator, as `make images` runs it, shared
// by the tests that inspect its output (one go build for all of them).
type generated struct {
	Out    string
	Stdout string
	Meta   meta
	Err    error
}

var (
	// testDir holds what the tests generate; TestMain removes it.
	testDir      string
	generateOnce sync.Once
	generatedRun generated
)

func TestMain(m *testing.M) {
	var err error
	if testDir, err = os.MkdirTemp("", "fhirfleet-images-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(testDir)
	os.Exit(code)
}

// generate runs the generator once per test binary and returns its output.
func generate(t *testing.T) generated {
	t.Helper()
	generateOnce.Do(func() {
		generatedRun = runGenerator(context.Background(), filepath.Join(testDir, "first"))
	})
	if generatedRun.Err != nil {
		t.Fatal(generatedRun.Err)
	}
	return generatedRun
}

func runGenerator(ctx context.Context, out string) generated {
	var stdout bytes.Buffer
	g := generated{Out: out}
	g.Err = run(ctx, []string{"-repo", "../..", "-out", out}, &stdout)
	g.Stdout = stdout.String()
	if g.Err == nil {
		g.Meta, g.Err = readMeta(ctx, "../..", func(string) string { return "" })
	}
	return g
}

// readBack reads the image of s from the tarball and from the OCI layout,
// as docker/podman and registries would, and fails unless they agree.
func readBack(t *testing.T, g generated, s spec) v1.Image {
	t.Helper()
	ref, err := name.NewTag(repository + s.Name + ":" + g.Meta.Version)
	if err != nil {
		t.Fatal(err)
	}
	fromTar, err := tarball.ImageFromPath(filepath.Join(g.Out, s.Name+".tar"), &ref)
	if err != nil {
		t.Fatalf("tarball: %v", err)
	}
	idx, err := layout.ImageIndexFromPath(filepath.Join(g.Out, s.Name))
	if err != nil {
		t.Fatalf("layout: %v", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("layout index lists %d manifests, want 1", len(im.Manifests))
	}
	desc := im.Manifests[0]
	if got := desc.Annotations["org.opencontainers.image.ref.name"]; got != g.Meta.Version {
		t.Errorf("layout ref.name = %q, want the tag %q", got, g.Meta.Version)
	}
	fromLayout, err := idx.Image(desc.Digest)
	if err != nil {
		t.Fatal(err)
	}
	// A docker-save tarball carries no manifest (docker load makes its
	// own), so the two agree on what a runtime uses: config and layers.
	if a, b := blobs(t, fromTar), blobs(t, fromLayout); a != b {
		t.Errorf("tarball holds %s, layout %s: want the same config and layers", a, b)
	}
	if want := ref.String() + "@" + desc.Digest.String(); !strings.Contains(g.Stdout, want) {
		t.Errorf("generator printed %q, want a line naming %s", g.Stdout, want)
	}
	return fromLayout
}

// blobs names an image's config and layers by digest.
func blobs(t *testing.T, img v1.Image) string {
	t.Helper()
	c, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{c.String()}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, d.String())
	}
	return strings.Join(names, " ")
}

func TestImagesReadBackFromTarballAndLayout(t *testing.T) {
	g := generate(t)
	for _, s := range specs() {
		t.Run(s.Name, func(t *testing.T) {
			img := readBack(t, g, s)
			m, err := img.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			if m.MediaType != "application/vnd.oci.image.manifest.v1+json" ||
				m.Config.MediaType != "application/vnd.oci.image.config.v1+json" {
				t.Errorf("media types %s / %s, want OCI's", m.MediaType, m.Config.MediaType)
			}
			if len(m.Layers) != 2 {
				t.Fatalf("%d layers, want 2: base and binary", len(m.Layers))
			}
		})
	}
}

// The base layer is one blob for all images, so a registry or a node
// stores it once.
func TestImagesShareTheBaseLayer(t *testing.T) {
	g := generate(t)
	var first v1.Hash
	for i, s := range specs() {
		layers, err := readBack(t, g, s).Layers()
		if err != nil {
			t.Fatal(err)
		}
		d, err := layers[0].Digest()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = d
		} else if d != first {
			t.Errorf("%s: base layer %s, want %s as in %s", s.Name, d, first, specs()[0].Name)
		}
	}
}

// Two runs over the same checkout give byte-identical images, even with a
// clock that has moved on: nothing in them comes from the time of the run.
// The second run is `go run`, another process as `make images` would be, so
// nothing computed once per process (a time, a seed) can hide.
func TestImagesAreReproducible(t *testing.T) {
	g := generate(t)
	out := filepath.Join(testDir, "again")
	cmd := exec.Command("go", "run", ".", "-repo", "../..", "-out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run .: %v\n%s", err, stderr.String())
	}
	if got, want := string(stdout), strings.ReplaceAll(g.Stdout, g.Out, out); got != want {
		t.Errorf("second run printed\n%s\nfirst run\n%s", got, want)
	}
	for _, s := range specs() {
		a, err := os.ReadFile(filepath.Join(g.Out, s.Name+".tar"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(out, s.Name+".tar"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s.tar differs between two runs", s.Name)
		}
	}
}
