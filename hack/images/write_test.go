package main

import (
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// A second `make images` replaces the layout's image; appending would
// leave two images under one tag for skopeo to choose from.
func TestWriteReplacesTheLayout(t *testing.T) {
	out := t.TempDir()
	s := spec{Name: "tool"}
	tg, err := tag(s, meta{Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := write(out, s, tg, img); err != nil {
			t.Fatal(err)
		}
		idx, err := layout.ImageIndexFromPath(filepath.Join(out, "tool"))
		if err != nil {
			t.Fatal(err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		want, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if len(im.Manifests) != 1 || im.Manifests[0].Digest != want {
			t.Fatalf("layout lists %v, want only %s", im.Manifests, want)
		}
		fromTar, err := tarball.ImageFromPath(filepath.Join(out, "tool.tar"), &tg)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := fromTar.Digest(); got != want {
			t.Errorf("tarball holds %s, want %s", got, want)
		}
	}
}

func TestTagIsRepositoryNameVersion(t *testing.T) {
	tg, err := tag(spec{Name: "fhirserver"}, meta{Version: "3fe7f60-dirty"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tg.String(), "ghcr.io/fhirfleet/fhirserver:3fe7f60-dirty"; got != want {
		t.Errorf("tag %s, want %s", got, want)
	}
	if _, err := tag(spec{Name: "fhirserver"}, meta{Version: "not a tag"}); err == nil {
		t.Error("a version with spaces made a tag")
	}
}
