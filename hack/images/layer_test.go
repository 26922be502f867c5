package main

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"errors"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// tarEntry is a layer's tar header as the tests compare it.
type tarEntry struct {
	Name     string
	Typeflag byte
	Mode     int64
	Uid, Gid int
	Size     int64
}

func readLayer(t *testing.T, l v1.Layer) ([]tarEntry, map[string][]byte) {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	var got []tarEntry
	data := map[string][]byte{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got, data
		}
		if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(layerTime) {
			t.Errorf("%s: time %v, want the fixed %v", h.Name, h.ModTime, layerTime)
		}
		got = append(got, tarEntry{h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, h.Size})
		if data[h.Name], err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLayerAddsParentsInPathOrder(t *testing.T) {
	l, err := layer([]entry{
		{Path: "/usr/local/bin/tool", Mode: 0o755, Data: []byte("#")},
		{Path: "/tmp", Dir: true, Mode: 0o1777},
		{Path: "/home/nonroot", Dir: true, Mode: 0o700, Owner: nonroot},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, data := readLayer(t, l)
	want := []tarEntry{
		{"home/", tar.TypeDir, 0o755, 0, 0, 0},
		{"home/nonroot/", tar.TypeDir, 0o700, nonroot, nonroot, 0},
		{"tmp/", tar.TypeDir, 0o1777, 0, 0, 0},
		{"usr/", tar.TypeDir, 0o755, 0, 0, 0},
		{"usr/local/", tar.TypeDir, 0o755, 0, 0, 0},
		{"usr/local/bin/", tar.TypeDir, 0o755, 0, 0, 0},
		{"usr/local/bin/tool", tar.TypeReg, 0o755, 0, 0, 1},
	}
	if len(got) != len(want) {
		t.Fatalf("layer holds %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if string(data["usr/local/bin/tool"]) != "#" {
		t.Errorf("file content %q, want %q", data["usr/local/bin/tool"], "#")
	}
}

func TestLayerDigestIgnoresOrderGiven(t *testing.T) {
	a := []entry{{Path: "/etc/a", Mode: 0o644, Data: []byte("a")}, {Path: "/etc/b", Mode: 0o644, Data: []byte("b")}}
	b := []entry{a[1], a[0]}
	la, err := layer(a)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := layer(b)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := la.Digest()
	db, _ := lb.Digest()
	if da != db {
		t.Errorf("same files in another order: digest %s, want %s", db, da)
	}
}

func TestLayerRefusesUncleanPaths(t *testing.T) {
	for _, p := range []string{"etc/passwd", "/etc/../passwd", "/", "/etc/"} {
		t.Run(p, func(t *testing.T) {
			if _, err := layer([]entry{{Path: p, Mode: 0o644}}); err == nil {
				t.Errorf("layer accepted the path %q", p)
			}
		})
	}
}

func TestBaseEntriesUsers(t *testing.T) {
	files := map[string]string{}
	for _, e := range baseEntries([]byte("bundle")) {
		files[e.Path] = string(e.Data)
	}
	if got := files["/etc/ssl/certs/ca-certificates.crt"]; got != "bundle" {
		t.Errorf("CA bundle %q, want the one given", got)
	}
	for file, line := range map[string]string{
		"/etc/passwd": "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
		"/etc/group":  "nonroot:x:65532:\n",
	} {
		if !containsLine(files[file], line) {
			t.Errorf("%s = %q, want the line %q", file, files[file], line)
		}
	}
}

// containsLine reports whether text has line (with its newline) as a whole line.
func containsLine(text, line string) bool {
	return strings.Contains("\n"+text, "\n"+line)
}

// imageFile is one path of an image's flattened filesystem.
type imageFile struct {
	Header *tar.Header
	Data   []byte
}

// imageFS reads the filesystem a container of img starts with.
func imageFS(t *testing.T, img v1.Image) map[string]imageFile {
	t.Helper()
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	files := map[string]imageFile{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files["/"+strings.TrimSuffix(h.Name, "/")] = imageFile{h, data}
	}
}

// The images hold the binary and the few files it needs, nothing else: no
// shell, no package manager, no other program a foothold could use.
func TestImageFiles(t *testing.T) {
	g := generate(t)
	hostBundle, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs() {
		t.Run(s.Name, func(t *testing.T) {
			files := imageFS(t, readBack(t, g, s))
			var regular []string
			for p, f := range files {
				if f.Header.Typeflag == tar.TypeDir {
					continue
				}
				if f.Header.Typeflag != tar.TypeReg {
					t.Errorf("%s: type %q, want only files and directories (no links)", p, f.Header.Typeflag)
				}
				regular = append(regular, p)
				if f.Header.Mode&0o111 != 0 && p != s.Path {
					t.Errorf("%s is executable; want only %s", p, s.Path)
				}
				if base := path.Base(p); slices.Contains([]string{"sh", "bash", "dash", "ash", "busybox", "nologin"}, base) {
					t.Errorf("%s: a shell in the image", p)
				}
			}
			slices.Sort(regular)
			want := []string{"/etc/group", "/etc/nsswitch.conf", "/etc/passwd", "/etc/ssl/certs/ca-certificates.crt", s.Path}
			slices.Sort(want)
			if !slices.Equal(regular, want) {
				t.Errorf("files %q, want %q", regular, want)
			}

			if p := string(files["/etc/passwd"].Data); !containsLine(p, "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n") {
				t.Errorf("/etc/passwd = %q, want the nonroot user 65532", p)
			}
			if grp := string(files["/etc/group"].Data); !containsLine(grp, "nonroot:x:65532:\n") {
				t.Errorf("/etc/group = %q, want the nonroot group 65532", grp)
			}
			bundle := files["/etc/ssl/certs/ca-certificates.crt"].Data
			if !bytes.Equal(bundle, hostBundle) || !x509.NewCertPool().AppendCertsFromPEM(bundle) {
				t.Errorf("CA bundle of %d bytes, want the build machine's %d bytes of certificates", len(bundle), len(hostBundle))
			}
			if bin := files[s.Path].Header; bin == nil || bin.Mode != 0o755 || bin.Uid != 0 {
				t.Errorf("%s: %+v, want root-owned 0755 (the process cannot rewrite it)", s.Path, bin)
			}
			for dir, want := range map[string]struct {
				mode  int64
				owner int
			}{"/tmp": {0o1777, 0}, "/home/nonroot": {0o700, nonroot}} {
				h := files[dir].Header
				if h == nil || h.Typeflag != tar.TypeDir || h.Mode != want.mode || h.Uid != want.owner {
					t.Errorf("%s: %+v, want a directory, mode %o, owner %d", dir, h, want.mode, want.owner)
				}
			}
		})
	}
}
