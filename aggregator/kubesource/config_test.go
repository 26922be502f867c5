package kubesource

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

func TestNew(t *testing.T) {
	cfg := &rest.Config{Host: "https://127.0.0.1:6443"}
	tests := []struct {
		name    string
		cfg     Config
		address string
		err     string
	}{
		{name: "defaults to the Service", cfg: Config{RESTConfig: cfg}, address: AddressService},
		{name: "public", cfg: Config{RESTConfig: cfg, SourceAddress: "public"}, address: AddressPublic},
		{name: "no REST config", cfg: Config{}, err: "no REST config"},
		{name: "unknown address", cfg: Config{RESTConfig: cfg, SourceAddress: "ingress"}, err: `source address "ingress": want "service" or "public"`},
		{name: "bad namespace", cfg: Config{RESTConfig: cfg, Namespaces: []string{"Acme"}}, err: `namespace "Acme"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.cfg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("New = %v, want an error containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.address != tc.address || s.log == nil || s.StatusSink() == nil {
				t.Errorf("address %q, logger %v", s.address, s.log)
			}
		})
	}
}

func TestCleanNamespaces(t *testing.T) {
	got, err := cleanNamespaces([]string{" b", "a", "", "b ", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("namespaces = %q", got)
	}
	if got, _ := cleanNamespaces([]string{" "}); got != nil {
		t.Errorf("only blanks gave %q, want every namespace (nil)", got)
	}
}
