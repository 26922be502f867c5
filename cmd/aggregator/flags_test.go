package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	srcA := "name=a,customer=acme,url=http://127.0.0.1:1,credentials-dir=/a"
	srcB := "name=b,customer=beta,url=http://127.0.0.1:2,credentials-dir=/b"
	for _, tt := range []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(c config) bool
		wantErr string
	}{
		{name: "defaults", check: func(c config) bool {
			return c.DataDir == "./data" && c.Listen == ":8080" && c.MetricsListen == ":9090" &&
				c.BaseURL == "http://localhost:8080" && c.SourceAddress == "service" && !c.ForgetDeleted &&
				c.MaxConcurrentSources == 8 && c.Endpoint.PatientMinProofing == "P9" && c.LogFormat == "json" &&
				c.ShutdownTimeout == 25*time.Second && c.PollWait == 25*time.Second && len(c.Sources) == 0 && c.CacheBytes == 64<<20 && c.PprofListen == ""
		}},
		{name: "profiles on loopback", args: []string{"--pprof-listen", "127.0.0.1:6060"}, check: func(c config) bool { return c.PprofListen == "127.0.0.1:6060" }},
		{name: "profiles on every interface", args: []string{"--pprof-listen", ":6060"}, wantErr: "--pprof-listen"},
		{name: "cache size with a unit", args: []string{"--cache-size", "256MiB"}, check: func(c config) bool { return c.CacheBytes == 256<<20 }},
		{name: "cache too small", args: []string{"--cache-size", "4KiB"}, wantErr: "--cache-size"},
		{name: "cache size in decimal units", env: map[string]string{"AGGREGATOR_CACHE_SIZE": "64MB"}, wantErr: "AGGREGATOR_CACHE_SIZE"},
		{name: "repeated --source", args: []string{"--source", srcA, "--source", srcB}, check: func(c config) bool {
			return len(c.Sources) == 2 && c.Sources[0].Name == "a" && c.Sources[1].Origin == "http://127.0.0.1:2"
		}},
		{name: "several sources from the environment", env: map[string]string{"AGGREGATOR_SOURCE": srcA + ";" + srcB}, check: func(c config) bool {
			return len(c.Sources) == 2
		}},
		{name: "every flag from the environment", env: map[string]string{
			"AGGREGATOR_DATA_DIR": "/d", "AGGREGATOR_NAMESPACE": "a, b", "AGGREGATOR_SOURCE_ADDRESS": "public",
			"AGGREGATOR_FORGET_DELETED": "true", "AGGREGATOR_MAX_CONCURRENT_SOURCES": "2", "AGGREGATOR_BASE_URL": "https://agg.example/",
			"AGGREGATOR_POLL_WAIT": "55s",
		}, check: func(c config) bool {
			return c.DataDir == "/d" && slices.Equal(c.Namespaces, []string{"a", "b"}) && c.SourceAddress == "public" && c.PollWait == 55*time.Second &&
				c.ForgetDeleted && c.MaxConcurrentSources == 2 && c.BaseURL == "https://agg.example"
		}},
		{name: "the command line wins", args: []string{"--data-dir", "/cli"}, env: map[string]string{"AGGREGATOR_DATA_DIR": "/env"},
			check: func(c config) bool { return c.DataDir == "/cli" }},
		{name: "a bad --source names its key", args: []string{"--source", "name=a,customer=c,url=http://x"}, wantErr: "key credentials-dir is missing"},
		{name: "duplicate source names", args: []string{"--source", srcA, "--source", strings.Replace(srcB, "name=b", "name=a", 1)}, wantErr: "name a is already used"},
		{name: "static and Kubernetes at once", args: []string{"--source", srcA, "--namespace", "x"}, wantErr: "--kubeconfig and --namespace are for Kubernetes mode"},
		{name: "bad source address", args: []string{"--source-address", "pod"}, wantErr: "--source-address"},
		{name: "poll wait over the server's limit", args: []string{"--poll-wait", "61s"}, wantErr: "--poll-wait 1m1s: want 1s to 60s"},
		{name: "no slot", args: []string{"--max-concurrent-sources", "0"}, wantErr: "--max-concurrent-sources"},
		{name: "bad base URL", args: []string{"--base-url", "agg.example"}, wantErr: "--base-url"},
		{name: "bad log format", env: map[string]string{"AGGREGATOR_LOG_FORMAT": "xml"}, wantErr: "--log-format"},
		{name: "bad value in the environment", env: map[string]string{"AGGREGATOR_FORGET_DELETED": "maybe"}, wantErr: "AGGREGATOR_FORGET_DELETED"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected arguments"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags("aggregator", tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Fatalf("config %+v", c)
			}
		})
	}
}
