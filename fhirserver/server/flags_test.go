package server

import (
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    func(Config) bool
		wantErr bool
	}{
		{name: "defaults", args: []string{"--fhir-version", "R4"}, want: func(c Config) bool {
			return c.FHIRVersion == "R4" && c.DataDir == "./data" && c.Listen == ":8080" && c.MetricsListen == ":9090" &&
				c.BaseURL == "http://localhost:8080" && c.TokenTTL == 600*time.Second && c.SecretGrace == 24*time.Hour
		}},
		{name: "version is case-insensitive", args: []string{"--fhir-version=stu3"}, want: func(c Config) bool { return c.FHIRVersion == "STU3" }},
		{name: "environment fills flags", args: nil, env: map[string]string{
			"FHIRSERVER_FHIR_VERSION": "STU3", "FHIRSERVER_DATA_DIR": "/var/fhir", "FHIRSERVER_CREDENTIALS_DIR": "/creds",
			"FHIRSERVER_BASE_URL": "https://acme.example/", "FHIRSERVER_SECRET_GRACE_PERIOD": "1h",
		}, want: func(c Config) bool {
			return c.FHIRVersion == "STU3" && c.DataDir == "/var/fhir" && c.CredentialsDir == "/creds" &&
				c.BaseURL == "https://acme.example" && c.SecretGrace == time.Hour
		}},
		{name: "command line wins over environment", args: []string{"--fhir-version", "R4", "--listen", "127.0.0.1:9"},
			env:  map[string]string{"FHIRSERVER_LISTEN": ":1", "FHIRSERVER_FHIR_VERSION": "STU3"},
			want: func(c Config) bool { return c.FHIRVersion == "R4" && c.Listen == "127.0.0.1:9" }},
		{name: "metrics listener from the environment", args: []string{"--fhir-version", "R4"},
			env:  map[string]string{"FHIRSERVER_METRICS_LISTEN": "127.0.0.1:9999"},
			want: func(c Config) bool { return c.MetricsListen == "127.0.0.1:9999" }},
		{name: "metrics listener switched off", args: []string{"--fhir-version", "R4", "--metrics-listen="},
			want: func(c Config) bool { return c.MetricsListen == "" }},
		{name: "no profiling listener by default", args: []string{"--fhir-version", "R4"}, want: func(c Config) bool { return c.PprofListen == "" }},
		{name: "profiling listener from the environment", args: []string{"--fhir-version", "R4"},
			env:  map[string]string{"FHIRSERVER_PPROF_LISTEN": "127.0.0.1:6060"},
			want: func(c Config) bool { return c.PprofListen == "127.0.0.1:6060" }},
		{name: "profiling listener on all interfaces", args: []string{"--fhir-version", "R4", "--pprof-listen", ":6060"}, wantErr: true},
		{name: "profiling listener on a public address", args: []string{"--fhir-version", "R4"},
			env: map[string]string{"FHIRSERVER_PPROF_LISTEN": "10.1.2.3:6060"}, wantErr: true},
		{name: "version required", args: nil, wantErr: true},
		{name: "unknown version", args: []string{"--fhir-version", "R5"}, wantErr: true},
		{name: "bad base url", args: []string{"--fhir-version", "R4", "--base-url", "acme.example"}, wantErr: true},
		{name: "bad env value", args: []string{"--fhir-version", "R4"}, env: map[string]string{"FHIRSERVER_TOKEN_TTL": "soon"}, wantErr: true},
		{name: "stray argument", args: []string{"--fhir-version", "R4", "extra"}, wantErr: true},
		{name: "no trusted proxies by default", args: []string{"--fhir-version", "R4"}, want: func(c Config) bool { return len(c.TrustedProxies) == 0 }},
		{name: "trusted proxies from the environment", args: []string{"--fhir-version", "R4"},
			env: map[string]string{"FHIRSERVER_TRUSTED_PROXIES": "10.0.0.0/8, fd00::/8"},
			want: func(c Config) bool {
				return len(c.TrustedProxies) == 2 && c.TrustedProxies[0].String() == "10.0.0.0/8" && c.TrustedProxies[1].String() == "fd00::/8"
			}},
		{name: "bad trusted proxy", args: []string{"--fhir-version", "R4", "--trusted-proxies", "ingress"}, wantErr: true},
		{name: "request timeout default", args: []string{"--fhir-version", "R4"}, want: func(c Config) bool { return c.RequestTimeout == 30*time.Second }},
		{name: "request timeout from environment", args: []string{"--fhir-version", "R4"}, env: map[string]string{"FHIRSERVER_REQUEST_TIMEOUT": "5s"},
			want: func(c Config) bool { return c.RequestTimeout == 5*time.Second }},
		{name: "request timeout must be positive", args: []string{"--fhir-version", "R4", "--request-timeout", "0s"}, wantErr: true},
		{name: "limits against held connections and memory", args: []string{"--fhir-version", "R4"}, env: map[string]string{
			"FHIRSERVER_BODY_TIMEOUT": "5s", "FHIRSERVER_MAX_INFLIGHT_BODY_BYTES": "1000", "FHIRSERVER_MAX_ELEMENTS": "50",
			"FHIRSERVER_MAX_CONNECTIONS": "10", "FHIRSERVER_MAX_CONNECTIONS_PER_ADDRESS": "0",
		}, want: func(c Config) bool {
			return c.BodyTimeout == 5*time.Second && c.MaxInflightBodyBytes == 1000 && c.MaxElements == 50 &&
				c.MaxConnections == 10 && c.MaxConnectionsPerAddress == 0
		}},
		{name: "cache size default", args: []string{"--fhir-version", "R4"}, want: func(c Config) bool { return c.CacheBytes == 64<<20 }},
		{name: "cache size with a unit", args: []string{"--fhir-version", "R4", "--cache-size", "32MiB"}, want: func(c Config) bool { return c.CacheBytes == 32<<20 }},
		{name: "cache size from the environment", args: []string{"--fhir-version", "R4"}, env: map[string]string{"FHIRSERVER_CACHE_SIZE": "16777216"},
			want: func(c Config) bool { return c.CacheBytes == 16<<20 }},
		{name: "cache size too small", args: []string{"--fhir-version", "R4", "--cache-size", "4KiB"}, wantErr: true},
		{name: "cache size in decimal units", args: []string{"--fhir-version", "R4", "--cache-size", "64MB"}, wantErr: true},
		{name: "sync delay default", args: []string{"--fhir-version", "R4"}, want: func(c Config) bool { return c.MinSyncInterval == 500*time.Microsecond }},
		{name: "sync delay off", args: []string{"--fhir-version", "R4", "--min-sync-interval", "0"}, want: func(c Config) bool { return c.MinSyncInterval == 0 }},
		{name: "sync delay from the environment", args: []string{"--fhir-version", "R4"}, env: map[string]string{"FHIRSERVER_MIN_SYNC_INTERVAL": "2ms"},
			want: func(c Config) bool { return c.MinSyncInterval == 2*time.Millisecond }},
		{name: "negative sync delay", args: []string{"--fhir-version", "R4", "--min-sync-interval", "-1ms"}, wantErr: true},
		{name: "zero body timeout", args: []string{"--fhir-version", "R4", "--body-timeout", "0s"}, wantErr: true},
		{name: "negative connection cap", args: []string{"--fhir-version", "R4", "--max-connections", "-1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseFlags("fhirserver", tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got config %+v", c)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFlags: %v", err)
			}
			if !tt.want(c) {
				t.Fatalf("unexpected config %+v", c)
			}
		})
	}
}
