package main

import (
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// source is the repository the org.opencontainers.image.source label names.
const source = "https://github.com/fhirfleet/fhirfleet"

// imagePATH is distroless's PATH, so the operator's command `fhirserver`
// resolves to /usr/local/bin/fhirserver as it does in the Dockerfile build.
const imagePATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// assemble makes the image of s: the base layer, shared by all images, then
// a layer with the binary alone, so a new build of one command changes one
// layer and a registry keeps a single copy of the base.
func assemble(s spec, base v1.Layer, binary []byte, m meta, arch string) (v1.Image, error) {
	app, err := layer([]entry{{Path: s.Path, Mode: 0o755, Data: binary}})
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, History: v1.History{
			Created: v1.Time{Time: m.Created}, CreatedBy: "hack/images: users, CA certificates, /tmp"}},
		mutate.Addendum{Layer: app, History: v1.History{
			Created: v1.Time{Time: m.Created}, CreatedBy: "hack/images: go build " + s.Package()}},
	)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", s.Name, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", s.Name, err)
	}
	cf = cf.DeepCopy()
	cf.OS = "linux"
	cf.Architecture = arch
	cf.Created = v1.Time{Time: m.Created}
	cf.Config = config(s, m)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", s.Name, err)
	}
	return img, nil
}

// config is what a runtime reads to start the container: run the binary
// as nonroot, never as root, in nonroot's home.
func config(s spec, m meta) v1.Config {
	c := v1.Config{
		User:       fmt.Sprintf("%d:%d", nonroot, nonroot),
		Entrypoint: []string{s.Path},
		WorkingDir: "/home/nonroot",
		Env:        []string{imagePATH},
		Labels: map[string]string{
			"org.opencontainers.image.title":       s.Name,
			"org.opencontainers.image.description": s.Description,
			"org.opencontainers.image.source":      source,
			"org.opencontainers.image.url":         source,
			"org.opencontainers.image.version":     m.Version,
			"org.opencontainers.image.revision":    m.Revision,
			"org.opencontainers.image.created":     m.Created.Format(time.RFC3339),
		},
	}
	if len(s.Ports) > 0 {
		c.ExposedPorts = map[string]struct{}{}
		for _, p := range s.Ports {
			c.ExposedPorts[p] = struct{}{}
		}
	}
	return c
}
