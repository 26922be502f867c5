package envflag

import (
	"flag"
	"io"
	"strconv"
	"strings"
	"testing"
)

func TestApply(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    string // "<dir> <n>"
		wantErr string
	}{
		{"defaults", nil, nil, "./data 8", ""},
		{"from the environment", nil, map[string]string{"X_DATA_DIR": "/env", "X_MAX_N": "3"}, "/env 3", ""},
		{"the command line wins", []string{"--data-dir", "/cli"}, map[string]string{"X_DATA_DIR": "/env"}, "/cli 8", ""},
		{"an empty variable is unset", nil, map[string]string{"X_DATA_DIR": ""}, "./data 8", ""},
		{"a bad value names its variable", nil, map[string]string{"X_MAX_N": "many"}, "", "X_MAX_N"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			dir := fs.String("data-dir", "./data", "")
			n := fs.Int("max-n", 8, "")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := Apply(fs, "X_", func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := *dir + " " + strconv.Itoa(*n); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestName(t *testing.T) {
	if got := Name("AGGREGATOR_", "max-concurrent-sources"); got != "AGGREGATOR_MAX_CONCURRENT_SOURCES" {
		t.Fatal(got)
	}
}
