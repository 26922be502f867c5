package source

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeClient writes the files as a rotation does: each one replaced
// whole (a rename), so a reader sees the old or the new file, never half.
func writeClient(t *testing.T, dir, id, secret string) {
	t.Helper()
	for name, v := range map[string]string{fileClientID: id, fileClientSecret: secret} {
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStaticDiscoverer: the first update comes at once with every readable
// source; a rotated secret and a source whose files appear later each
// bring a new update; files that become unreadable do not remove a source.
func TestStaticDiscoverer(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeClient(t, a, "agg-a", "secret-a-1")
	d := NewStaticDiscoverer([]Static{
		{Name: "a", Customer: "c1", Origin: "http://127.0.0.1:1", CredentialsDir: a},
		{Name: "b", Customer: "c2", Origin: "http://127.0.0.1:2", CredentialsDir: b},
	}, time.Millisecond, nil)
	updates := make(chan []Spec, 100)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- d.Run(ctx, func(s []Spec) { updates <- s }) }()

	next := func(what string) []Spec {
		t.Helper()
		select {
		case s := <-updates:
			return s
		case <-time.After(10 * time.Second):
			t.Fatalf("no update after %s", what)
			return nil
		}
	}
	first := next("start")
	if len(first) != 1 || first[0].Name != "a" || first[0].ClientID != "agg-a" || first[0].ClientSecret != "secret-a-1" ||
		first[0].Base != "http://127.0.0.1:1/fhir" || first[0].TokenURL != "http://127.0.0.1:1/oauth2/token" {
		t.Fatalf("first update: %+v", first)
	}
	writeClient(t, a, "agg-a", "secret-a-2")
	if s := next("rotation"); len(s) != 1 || s[0].ClientSecret != "secret-a-2" {
		t.Fatalf("after rotation: %+v", s)
	}
	writeClient(t, b, "agg-b", "secret-b")
	if s := next("b's files appeared"); len(s) != 2 || s[1].Name != "b" || s[1].Customer != "c2" {
		t.Fatalf("after b appeared: %+v", s)
	}
	// Unreadable files later keep the client last read: no update.
	if err := os.Remove(filepath.Join(a, fileClientSecret)); err != nil {
		t.Fatal(err)
	}
	writeClient(t, b, "agg-b", "secret-b-2")
	if s := next("b rotated"); len(s) != 2 || s[0].ClientSecret != "secret-a-2" || s[1].ClientSecret != "secret-b-2" {
		t.Fatalf("after a's files went and b rotated: %+v", s)
	}
	select {
	case s := <-updates:
		t.Fatalf("an update without a change: %+v", s)
	default:
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestReadClient(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := readClient(dir); err == nil {
		t.Fatal("no files: no error")
	}
	writeClient(t, dir, "id", "")
	if _, _, err := readClient(dir); err == nil {
		t.Fatal("an empty secret: no error")
	}
	writeClient(t, dir, " id ", "s3cret")
	if id, secret, err := readClient(dir); err != nil || id != "id" || secret != "s3cret" {
		t.Fatalf("got %q %q %v", id, secret, err)
	}
}
