package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// nonroot is the user every image runs as: distroless's nonroot, so
// volumes prepared for the distroless-based Dockerfile builds fit too.
const nonroot = 65532

// layerTime is every file's time in the layers. A fixed time keeps the
// layer digests a function of the contents alone, so the base layer is the
// same blob in all three images and in every build.
var layerTime = time.Unix(0, 0).UTC()

// entry is one file or directory of a layer.
type entry struct {
	// Path is absolute, as the process sees it: "/etc/passwd".
	Path string
	// Mode holds the permission bits, with sticky (01000) where wanted.
	Mode int64
	// Dir makes a directory; otherwise a regular file holding Data.
	Dir  bool
	Data []byte
	// Owner is uid and gid both; 0 is root.
	Owner int
}

// baseEntries are the files every image carries besides its binary: the
// users, the CA bundle for outgoing TLS, name lookup order, the nonroot
// home (the working directory) and a world-writable /tmp.
func baseEntries(caBundle []byte) []entry {
	return []entry{
		{Path: "/etc/passwd", Mode: 0o644, Data: []byte(
			"root:x:0:0:root:/root:/sbin/nologin\n" +
				"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{Path: "/etc/group", Mode: 0o644, Data: []byte("root:x:0:\nnonroot:x:65532:\n")},
		// Without it Go's resolver asks DNS before /etc/hosts.
		{Path: "/etc/nsswitch.conf", Mode: 0o644, Data: []byte("hosts: files dns\n")},
		{Path: "/etc/ssl/certs/ca-certificates.crt", Mode: 0o644, Data: caBundle},
		{Path: "/home/nonroot", Dir: true, Mode: 0o700, Owner: nonroot},
		{Path: "/tmp", Dir: true, Mode: 0o1777},
	}
}

// layer packs entries into a gzip-compressed OCI layer. Parent directories
// are added (root-owned, 0755) so that every runtime extracts the same
// tree; entries are written in path order so the bytes never depend on
// the order given.
func layer(entries []entry) (v1.Layer, error) {
	all := map[string]entry{}
	for _, e := range entries {
		if !path.IsAbs(e.Path) || path.Clean(e.Path) != e.Path || e.Path == "/" {
			return nil, fmt.Errorf("layer entry %q: want a clean absolute path", e.Path)
		}
		all[e.Path] = e
		for dir := path.Dir(e.Path); dir != "/"; dir = path.Dir(dir) {
			if _, ok := all[dir]; !ok {
				all[dir] = entry{Path: dir, Dir: true, Mode: 0o755}
			}
		}
	}
	paths := make([]string, 0, len(all))
	for p := range all {
		paths = append(paths, p)
	}
	slices.Sort(paths)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		if err := writeEntry(tw, all[p]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close layer tar: %w", err)
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}

func writeEntry(tw *tar.Writer, e entry) error {
	h := &tar.Header{
		// Layer paths are relative to the root, directories end in "/".
		Name:    strings.TrimPrefix(e.Path, "/"),
		Mode:    e.Mode,
		Uid:     e.Owner,
		Gid:     e.Owner,
		ModTime: layerTime,
	}
	if e.Dir {
		h.Typeflag = tar.TypeDir
		h.Name += "/"
	} else {
		h.Typeflag = tar.TypeReg
		h.Size = int64(len(e.Data))
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("layer entry %s: %w", e.Path, err)
	}
	if _, err := tw.Write(e.Data); err != nil {
		return fmt.Errorf("layer entry %s: %w", e.Path, err)
	}
	return nil
}
