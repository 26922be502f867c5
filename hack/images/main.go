package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "images: %v\n", err)
		os.Exit(1)
	}
}

// options are the generator's inputs; the same inputs give the same digests.
type options struct {
	// Repo is the repository's root: where go build and git run.
	Repo string
	// Out receives <name>/ (OCI layout) and <name>.tar per image.
	Out string
	// Go is the go command; Arch the GOARCH of the binaries and images.
	Go, Arch string
	// CABundle is the build machine's CA certificates, copied in.
	CABundle string
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.Repo, "repo", ".", "root of the fhirfleet checkout")
	fs.StringVar(&o.Out, "out", "dist/images", "folder the images are written to")
	fs.StringVar(&o.Go, "go", "go", "go command")
	fs.StringVar(&o.Arch, "arch", runtime.GOARCH, "GOARCH of the binaries and the images (linux only)")
	fs.StringVar(&o.CABundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "CA certificates to put in the images (Debian: package ca-certificates)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := readMeta(ctx, o.Repo, os.Getenv)
	if err != nil {
		return err
	}
	built, err := build(ctx, o, m)
	if err != nil {
		return err
	}
	for _, b := range built {
		if err := write(o.Out, b.Spec, b.Tag, b.Image); err != nil {
			return err
		}
		d, err := b.Image.Digest()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s@%s\t%s\n", b.Tag, d, filepath.Join(o.Out, b.Spec.Name+".tar"))
	}
	return nil
}

// built is one assembled image, not yet written.
type built struct {
	Spec  spec
	Tag   name.Tag
	Image v1.Image
}

// build compiles the commands and assembles their images.
func build(ctx context.Context, o options, m meta) ([]built, error) {
	bundle, err := os.ReadFile(o.CABundle)
	if err != nil {
		return nil, fmt.Errorf("CA certificates: %w", err)
	}
	binDir, err := os.MkdirTemp("", "fhirfleet-images-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(binDir) }()
	images := specs()
	if err := compile(ctx, o.Go, o.Repo, o.Arch, binDir, images); err != nil {
		return nil, err
	}
	return assembleAll(images, binDir, bundle, m, o.Arch)
}

// assembleAll assembles an image per spec from the binaries in binDir.
func assembleAll(images []spec, binDir string, bundle []byte, m meta, arch string) ([]built, error) {
	base, err := layer(baseEntries(bundle))
	if err != nil {
		return nil, err
	}
	var out []built
	for _, s := range images {
		bin, err := os.ReadFile(filepath.Join(binDir, s.Name))
		if err != nil {
			return nil, err
		}
		img, err := assemble(s, base, bin, m, arch)
		if err != nil {
			return nil, err
		}
		t, err := tag(s, m)
		if err != nil {
			return nil, err
		}
		out = append(out, built{Spec: s, Tag: t, Image: img})
	}
	return out, nil
}
