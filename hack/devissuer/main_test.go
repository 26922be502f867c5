package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	state := t.TempDir()
	env := func(k string) string {
		if k == "DEV_STATE_DIR" {
			return state
		}
		return ""
	}
	call := func(args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := run(args, &out, &errs, env, time.Now)
		return code, out.String(), errs.String()
	}

	// Before any key: token says how to get one.
	if code, _, errs := call("token", "--nhs-number", "9000000009"); code != 1 || !strings.Contains(errs, "make dev creates it") {
		t.Fatalf("token without a key: %d %q", code, errs)
	}
	code, out, errs := call("keys")
	if want := filepath.Join(state, "issuer", jwksFile) + "\n"; code != 0 || out != want {
		t.Fatalf("keys: %d %q %q, want the path %q", code, out, errs, want)
	}
	code, out, errs = call("token", "--nhs-number", "9000000009")
	if code != 0 || strings.Count(strings.TrimSpace(out), ".") != 2 || errs != "" {
		t.Fatalf("token: %d %q %q", code, out, errs)
	}

	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage"},
		{"unknown command", []string{"sign"}, "usage"},
		{"unknown flag", []string{"keys", "--nhs-number", "9000000009"}, "not defined"},
		{"no NHS number", []string{"token"}, "--nhs-number is required"},
		{"bad NHS number", []string{"token", "--nhs-number", "9000000001"}, "not an NHS number"},
		{"bad proofing level", []string{"token", "--nhs-number", "9000000009", "--proofing-level", "9"}, "not P0"},
		{"an argument", []string{"token", "--nhs-number", "9000000009", "extra"}, "no arguments"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := call(tt.args...)
			if code != 2 || out != "" || !strings.Contains(errs, tt.want) {
				t.Fatalf("%v: %d %q %q, want exit 2 saying %q", tt.args, code, out, errs, tt.want)
			}
		})
	}
}
