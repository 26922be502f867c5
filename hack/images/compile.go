package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// compile builds the commands of the images into outDir, one go build for
// all of them, as the Dockerfiles do: CGO off, so each binary is static and
// needs no libc in an image that has none; -trimpath, so the build
// machine's paths stay out and two checkouts build the same bytes.
func compile(ctx context.Context, goTool, repo, arch, outDir string, images []spec) error {
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", outDir + string(filepath.Separator)}
	for _, s := range images {
		args = append(args, s.Package())
	}
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", goTool, strings.Join(args, " "), err, out)
	}
	return nil
}
