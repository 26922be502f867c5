package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// repository is where the images are published; the operator's default
// --fhirserver-image and config/manager name the same place.
const repository = "ghcr.io/fhirfleet/"

// tag is the reference an image is written under: <repository><name>:<version>.
func tag(s spec, m meta) (name.Tag, error) {
	t, err := name.NewTag(repository + s.Name + ":" + m.Version)
	if err != nil {
		return name.Tag{}, fmt.Errorf("image %s: tag: %w", s.Name, err)
	}
	return t, nil
}

// write puts img twice under out: an OCI image layout in <name>/ (what
// registries take, e.g. `skopeo copy oci:dist/images/fhirserver docker://...`)
// and a `docker save` tarball <name>.tar (what `docker load` and
// `podman load` take). Both are replaced, never appended to.
func write(out string, s spec, t name.Tag, img v1.Image) error {
	dir := filepath.Join(out, s.Name)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("image %s: %w", s.Name, err)
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("image %s: layout: %w", s.Name, err)
	}
	// ref.name is the tag, as the OCI spec has it (skopeo's oci:<dir>:<tag>);
	// containerd's `ctr import` names the image from the full reference.
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": t.TagStr(),
		"io.containerd.image.name":          t.Name(),
	})); err != nil {
		return fmt.Errorf("image %s: layout: %w", s.Name, err)
	}
	if err := tarball.WriteToFile(filepath.Join(out, s.Name+".tar"), t, img); err != nil {
		return fmt.Errorf("image %s: tarball: %w", s.Name, err)
	}
	return nil
}
