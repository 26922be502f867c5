package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// extractBinary writes the binary of s, taken from the image's layers, to
// a temporary file, and returns its path and the image's environment.
func extractBinary(t *testing.T, g generated, s spec) (string, []string) {
	t.Helper()
	img := readBack(t, g, s)
	f, ok := imageFS(t, img)[s.Path]
	if !ok {
		t.Fatalf("no %s in the image", s.Path)
	}
	bin := filepath.Join(t.TempDir(), s.Name)
	if err := os.WriteFile(bin, f.Data, 0o755); err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return bin, cf.Config.Env
}

// An image without libc runs only static binaries: no program interpreter
// (ld.so) and no dynamic section naming shared libraries.
func TestBinariesAreStatic(t *testing.T) {
	g := generate(t)
	for _, s := range specs() {
		t.Run(s.Name, func(t *testing.T) {
			bin, _ := extractBinary(t, g, s)
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = f.Close() }()
			if f.Type != elf.ET_EXEC {
				t.Errorf("ELF type %v, want ET_EXEC (not position-independent, which needs a loader)", f.Type)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("program header %v: the binary is dynamically linked", p.Type)
				}
			}
			if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("needs shared libraries %q", libs)
			}
		})
	}
}

// The binaries taken out of the images run, with the images' environment
// only, and answer as their commands do.
func TestBinariesRun(t *testing.T) {
	g := generate(t)
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"manager", []string{"--help"}, 0, "-leader-elect"},
		{"fhirserver", []string{"--help"}, 0, "-fhir-version"},
		{"fhirserver", []string{"--fhir-version", "R5"}, 2, "R5"},
		{"aggregator", []string{"--help"}, 0, "-patient-issuer"},
		{"aggregator", nil, 2, "pass --source"}, // outside a cluster, with no source named
	} {
		t.Run(tc.name+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			s := specByName(t, tc.name)
			bin, env := extractBinary(t, g, s)
			cmd := exec.Command(bin, tc.args...)
			cmd.Env = env
			cmd.Dir = t.TempDir()
			out, err := cmd.CombinedOutput()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode || !strings.Contains(string(out), tc.wantOut) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and %q", code, out, tc.wantCode, tc.wantOut)
			}
		})
	}
}

// The fhirserver from the image starts on an empty data folder, answers
// its liveness probe and stops cleanly on SIGTERM, as in a pod.
func TestFhirserverFromImageServes(t *testing.T) {
	g := generate(t)
	bin, env := extractBinary(t, g, specByName(t, "fhirserver"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--fhir-version", "R4", "--data-dir", t.TempDir(),
		"--listen", "127.0.0.1:0", "--metrics-listen=")
	cmd.Env = env
	cmd.Dir = t.TempDir()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr, logs := servingAddress(stderr)
	if addr == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("no \"serving\" line; log:\n%s", logs)
	}
	// Keep draining the log so the server never blocks on a full pipe.
	go func() { _, _ = io.Copy(io.Discard, stderr) }()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d %s, want 200", resp.StatusCode, body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v, want exit 0", err)
	}
}

// servingAddress reads JSON log lines until the server says where it
// serves; it returns "" and the log read if it ends first.
func servingAddress(r io.Reader) (string, string) {
	var logs bytes.Buffer
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		logs.Write(sc.Bytes())
		logs.WriteByte('\n')
		var line struct{ Msg, Address string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
			return line.Address, logs.String()
		}
	}
	return "", logs.String()
}

func specByName(t *testing.T, name string) spec {
	t.Helper()
	for _, s := range specs() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no image %s", name)
	return spec{}
}
