package main

// spec is one image: which command it runs and where the binary lives.
type spec struct {
	// Name is the image's and the binary's name (cmd/<Name>).
	Name string
	// Path is where the binary lies in the image; the entrypoint.
	Path string
	// Ports are the ports the process listens on, as "8080/tcp".
	Ports []string
	// Description is the org.opencontainers.image.description label.
	Description string
}

// Package is the Go package the image's binary is built from.
func (s spec) Package() string { return "./cmd/" + s.Name }

// specs lists the images `make images` builds. The paths match the
// Dockerfiles: config/manager runs the command /manager, and the operator
// runs the command `fhirserver`, found on PATH, in every server's pod.
func specs() []spec {
	return []spec{
		{
			Name:        "manager",
			Path:        "/manager",
			Description: "The fhirfleet operator: one FHIR server per FhirEndpoint",
		},
		{
			Name:        "fhirserver",
			Path:        "/usr/local/bin/fhirserver",
			Ports:       []string{"8080/tcp", "9090/tcp"},
			Description: "The FHIR server (R4 or STU3) the operator runs for every FhirEndpoint",
		},
		{
			Name:        "aggregator",
			Path:        "/usr/local/bin/aggregator",
			Description: "The fhirfleet aggregated endpoint (not built yet)",
		},
	}
}
