package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// meta is what the labels say about the build: which source it is.
type meta struct {
	// Version is `git describe --tags --always --dirty`: a tag, or a commit
	// with -dirty when the tree has changes. It is also the image's tag.
	Version string
	// Revision is the full commit hash.
	Revision string
	// Created is SOURCE_DATE_EPOCH when set, else the commit's time, never
	// the clock: a rebuild of the same commit gives the same digest.
	Created time.Time
}

// readMeta asks git in dir about the checkout; getenv supplies
// SOURCE_DATE_EPOCH.
func readMeta(ctx context.Context, dir string, getenv func(string) string) (meta, error) {
	var m meta
	var err error
	if m.Version, err = git(ctx, dir, "describe", "--tags", "--always", "--dirty"); err != nil {
		return meta{}, err
	}
	if m.Revision, err = git(ctx, dir, "rev-parse", "HEAD"); err != nil {
		return meta{}, err
	}
	epoch := getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		if epoch, err = git(ctx, dir, "log", "-1", "--format=%ct"); err != nil {
			return meta{}, err
		}
	}
	if m.Created, err = parseEpoch(epoch); err != nil {
		return meta{}, err
	}
	return m, nil
}

// parseEpoch reads seconds since 1970 (SOURCE_DATE_EPOCH's format, and
// git's %ct) as a UTC time.
func parseEpoch(s string) (time.Time, error) {
	sec, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", s)
	}
	return time.Unix(sec, 0).UTC(), nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
