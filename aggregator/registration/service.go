package registration

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// DefaultInvitationTTL is how long an invitation may be redeemed unless
// --invitation-ttl says otherwise.
const DefaultInvitationTTL = 30 * 24 * time.Hour

// Config is what the service is built from.
type Config struct {
	// Store is the aggregated store; the service writes application
	// metadata only.
	Store *storage.Store
	// BaseURL is the aggregator's public origin.
	BaseURL string
	// JoinBaseURL is the join URL invitations point at (default BaseURL +
	// "/join"; the aggregator serves /join and /join/callback).
	JoinBaseURL string
	// InvitationTTL is an invitation's lifetime (default 30 days).
	InvitationTTL time.Duration
	// PatientIssuer and PatientAudience are the OpenID Connect provider the
	// join page sends the patient to (its <issuer>/authorize) and the
	// client_id it asks for an ID token for.
	PatientIssuer, PatientAudience string
	// Pipeline is what $process-message feeds (nil: it answers 501).
	Pipeline Applier
	// SMTPURL is where invitation mails go (smtp://host:port); empty: none
	// are sent.
	SMTPURL string
	Logger  logr.Logger
	// Clock is for tests; default time.Now.
	Clock func() time.Time
}

// Service is the registration model and its operations.
type Service struct {
	cfg                          Config
	engine                       *search.Engine
	policy                       *access.Policy
	registered, invites, receipt *storage.AppMeta
	outbox                       *storage.AppMeta
	now                          func() time.Time
	msgs                         messages
	wake                         chan struct{} // a mail was queued
}

// New builds the service over cfg.Store.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("registration: Store is required")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.JoinBaseURL == "" {
		cfg.JoinBaseURL = cfg.BaseURL + "/join"
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = DefaultInvitationTTL
	}
	if cfg.InvitationTTL < 0 {
		return nil, fmt.Errorf("registration: the invitation lifetime %s is negative", cfg.InvitationTTL)
	}
	if cfg.Logger.GetSink() == nil {
		cfg.Logger = logr.Discard()
	}
	s := &Service{cfg: cfg, now: cfg.Clock, wake: make(chan struct{}, 1)}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.engine, err = search.NewEngine(defs.R4, cfg.Store, search.Options{BaseURL: cfg.BaseURL + "/fhir"}); err != nil {
		return nil, fmt.Errorf("registration: %w", err)
	}
	s.policy = access.NewPolicy(cfg.Store, s.engine)
	for ns, m := range map[string]**storage.AppMeta{storage.AppMetaRegistrations: &s.registered,
		storage.AppMetaInvitations: &s.invites, storage.AppMetaReadReceipts: &s.receipt, storage.AppMetaMailOutbox: &s.outbox} {
		if *m, err = cfg.Store.AppMeta(ns); err != nil {
			return nil, fmt.Errorf("registration: %w", err)
		}
	}
	return s, nil
}
