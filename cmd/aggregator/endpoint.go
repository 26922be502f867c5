package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/aggregator/endpoint"
	"github.com/fhirfleet/fhirfleet/aggregator/registration"
	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// mountAggregatedEndpoint mounts the aggregated, read-only R4 endpoint
// (issue 10) on the public listener's mux: <base-url>/fhir, its token
// endpoint /oauth2/token and SMART discovery, with the mass registration
// operations and the join URL (issue 14). The returned endpoint is
// closed at shutdown, after the listener stopped and before the store
// closes; the registration service's mailer runs while the process serves.
func mountAggregatedEndpoint(ctx context.Context, mux *http.ServeMux, cfg config, dataDir string, store *storage.Store,
	pipe registration.Applier, log *slog.Logger) (*endpoint.Endpoint, *registration.Service, error) {
	ec := *cfg.Endpoint
	ec.Store = store
	ec.BaseURL = cfg.BaseURL
	ec.DataDir = dataDir
	ec.Logger = logr.FromSlogHandler(log.Handler())
	reg, err := registration.New(registration.Config{
		Store: store, BaseURL: cfg.BaseURL, JoinBaseURL: cfg.JoinBaseURL, InvitationTTL: cfg.InvitationTTL,
		PatientIssuer: ec.PatientIssuer, PatientAudience: ec.PatientAudience, Logger: ec.Logger.WithName("registration"),
		Pipeline: pipe, SMTPURL: cfg.SMTPURL,
	})
	if err != nil {
		return nil, nil, err
	}
	ec.Operations = reg.Operations()
	ec.OnPatientSignIn = reg.Register
	ec.OnPatientRead = reg.NoteRead
	ep, err := endpoint.New(ctx, ec)
	if err != nil {
		return nil, nil, err
	}
	mux.Handle("/", ep.Handler())
	// The join URL (docs/mass-registration.md): its page and the issuer's
	// callback, at /join whatever --join-base-url's public path.
	join := reg.JoinHandler(ep.VerifyPatient)
	mux.Handle("/join", join)
	mux.Handle("/join/", join)
	return ep, reg, nil
}

// withCustomers gives every customer the follower is about to follow its
// client at the aggregated endpoint (generated when there is no
// --clients-dir) before the follower sees the source, so a customer can
// read its data as soon as the first of it arrives.
type withCustomers struct {
	source.Discoverer
	ensure func(customer string) error
	log    *slog.Logger
}

func (d withCustomers) Run(ctx context.Context, update func([]source.Spec)) error {
	return d.Discoverer.Run(ctx, func(specs []source.Spec) {
		for _, s := range specs {
			if err := d.ensure(s.Customer); err != nil {
				d.log.Error("cannot give the customer a client at the aggregated endpoint", "customer", s.Customer, "err", err)
			}
		}
		update(specs)
	})
}
