package main

import (
	"slices"
	"testing"
	"time"
)

func TestImageConfig(t *testing.T) {
	g := generate(t)
	for _, s := range specs() {
		t.Run(s.Name, func(t *testing.T) {
			cf, err := readBack(t, g, s).ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cf.OS != "linux" || cf.Architecture == "" {
				t.Errorf("platform %s/%s, want linux/<arch>", cf.OS, cf.Architecture)
			}
			if !cf.Created.Equal(g.Meta.Created) {
				t.Errorf("created %v, want the commit's time %v", cf.Created.Time, g.Meta.Created)
			}
			c := cf.Config
			// A runtime starts the image as this user unless told otherwise;
			// runAsNonRoot in the pods needs it numeric.
			if c.User != "65532:65532" {
				t.Errorf("user %q, want 65532:65532", c.User)
			}
			if !slices.Equal(c.Entrypoint, []string{s.Path}) || len(c.Cmd) != 0 {
				t.Errorf("entrypoint %q cmd %q, want [%s] and no cmd", c.Entrypoint, c.Cmd, s.Path)
			}
			if c.WorkingDir != "/home/nonroot" {
				t.Errorf("working dir %q, want nonroot's home", c.WorkingDir)
			}
			if !slices.Contains(c.Env, imagePATH) {
				t.Errorf("env %q, want %s", c.Env, imagePATH)
			}
			want := map[string]string{
				"org.opencontainers.image.title":    s.Name,
				"org.opencontainers.image.source":   source,
				"org.opencontainers.image.version":  g.Meta.Version,
				"org.opencontainers.image.revision": g.Meta.Revision,
				"org.opencontainers.image.created":  g.Meta.Created.Format(time.RFC3339),
			}
			for k, v := range want {
				if c.Labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
				}
			}
			for _, p := range s.Ports {
				if _, ok := c.ExposedPorts[p]; !ok {
					t.Errorf("exposed ports %v, want %s", c.ExposedPorts, p)
				}
			}
		})
	}
}

// maxImageBytes bounds each image as pulled (compressed layers): a static
// binary and a CA bundle. When this was written the manager (client-go) was
// about 13 MB, the fhirserver with its FHIR definitions about 8 MB.
const maxImageBytes = 40 << 20

func TestImageSize(t *testing.T) {
	g := generate(t)
	for _, s := range specs() {
		t.Run(s.Name, func(t *testing.T) {
			layers, err := readBack(t, g, s).Layers()
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for _, l := range layers {
				n, err := l.Size()
				if err != nil {
					t.Fatal(err)
				}
				total += n
			}
			t.Logf("%s: %d bytes compressed", s.Name, total)
			if total > maxImageBytes {
				t.Errorf("%s is %d bytes, want at most %d", s.Name, total, maxImageBytes)
			}
		})
	}
}
