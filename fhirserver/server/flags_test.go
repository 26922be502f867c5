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
		{name: "version required", args: nil, wantErr: true},
		{name: "unknown version", args: []string{"--fhir-version", "R5"}, wantErr: true},
		{name: "bad base url", args: []string{"--fhir-version", "R4", "--base-url", "acme.example"}, wantErr: true},
		{name: "bad env value", args: []string{"--fhir-version", "R4"}, env: map[string]string{"FHIRSERVER_TOKEN_TTL": "soon"}, wantErr: true},
		{name: "stray argument", args: []string{"--fhir-version", "R4", "extra"}, wantErr: true},
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
