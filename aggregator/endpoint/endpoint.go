package endpoint

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/rest"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// clientsReloadEvery is how often the clients and the signing key are
// re-read even without a change notice (clients_watch.go watches the
// folders; a new client's first failed token request re-reads too).
const clientsReloadEvery = 10 * time.Second

// Endpoint is the aggregated endpoint: its REST handler, authorization
// server and the customers' clients.
type Endpoint struct {
	stopWatch context.CancelFunc
	watchDone chan struct{}
	auth      *auth.Server
	rest      *rest.Handler
	clients   *directory
	log       logr.Logger
	handler   http.Handler
	patients  *patients // nil without patient access
	onRead    func(ctx context.Context, patientID, typ, id string) error
}

// New builds the endpoint over cfg.Store. It reads (or generates) the
// signing key and the clients, and reads the patient issuer's keys when
// patient access is configured; any of these failing is an error here,
// not at the first request. Close releases it.
func New(ctx context.Context, cfg Config) (*Endpoint, error) {
	if cfg.Store == nil {
		return nil, errors.New("endpoint: Store is required")
	}
	if cfg.Logger.GetSink() == nil {
		cfg.Logger = logr.Discard()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	log := cfg.Logger.WithName("endpoint")
	engine, err := search.NewEngine(defs.R4, cfg.Store, search.Options{BaseURL: base + "/fhir"})
	if err != nil {
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	d := &directory{dir: cfg.ClientsDir, log: log}
	if d.dir == "" {
		if cfg.DataDir == "" {
			return nil, errors.New("endpoint: either ClientsDir or DataDir must be set")
		}
		d.dir, d.generated = filepath.Join(cfg.DataDir, "credentials", "clients"), true
		log.Info("generating one client per customer (no clients dir given)", "dir", d.dir)
	}
	acfg := auth.Config{
		CredentialsDir: cfg.CredentialsDir, DataDir: cfg.DataDir, BaseURL: base,
		TokenTTL: cfg.TokenTTL, ReloadInterval: clientsReloadEvery, Logger: cfg.Logger,
		Clients: d.list, ReadOnly: true, Clock: cfg.Clock,
	}
	var px *patients
	if cfg.PatientIssuer != "" {
		px, err = newPatients(ctx, cfg, engine)
		if err != nil {
			return nil, err
		}
		acfg.Exchange = px
	}
	e := &Endpoint{clients: d, log: log, patients: px, onRead: cfg.OnPatientRead}
	if e.auth, err = auth.New(ctx, acfg); err != nil {
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	policy := access.NewPolicy(cfg.Store, engine)
	e.rest, err = rest.New(rest.Config{
		Version: defs.R4, Store: cfg.Store, Searcher: engine, ReadPolicy: policy.Wrap,
		Auth: e.auth, BaseURL: base, ReadOnly: true, NoFeedOperations: true, Logger: cfg.Logger,
		Description: "fhirfleet aggregated endpoint: every customer feed, read-only",
		Operations:  cfg.Operations,
	})
	if err != nil {
		e.auth.Close()
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	e.handler = e.routes()
	wctx, cancel := context.WithCancel(ctx)
	e.stopWatch, e.watchDone = cancel, make(chan struct{})
	go d.watchClients(wctx, e.auth.Reload, e.watchDone)
	return e, nil
}

// newPatients checks the patient flags and reads the issuer's keys.
func newPatients(ctx context.Context, cfg Config, engine *search.Engine) (*patients, error) {
	if cfg.PatientJWKS == "" || cfg.PatientAudience == "" {
		return nil, errors.New("endpoint: --patient-issuer needs --patient-jwks and --patient-audience")
	}
	lv := cfg.PatientMinProofing
	if lv == "" {
		lv = DefaultMinProofing
	}
	level, ok := proofingLevel(lv)
	if !ok {
		return nil, fmt.Errorf("endpoint: --patient-min-proofing %q is not P0 … P9", lv)
	}
	keys, err := newKeySet(ctx, cfg.PatientJWKS, cfg.HTTPClient, cfg.Clock, cfg.Logger.WithName("endpoint"))
	if err != nil {
		return nil, err
	}
	return &patients{issuer: cfg.PatientIssuer, audience: cfg.PatientAudience, minLevel: level,
		keys: keys, engine: engine, now: cfg.Clock, onSignIn: cfg.OnPatientSignIn}, nil
}

// Handler serves <base>/fhir, <base>/oauth2/token and SMART discovery (at
// /.well-known/smart-configuration and under /fhir).
func (e *Endpoint) Handler() http.Handler { return e.handler }

func (e *Endpoint) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/oauth2/token", e.auth.TokenHandler())
	mux.Handle("/fhir/.well-known/smart-configuration", e.auth.SMARTConfigHandler())
	mux.Handle("/.well-known/smart-configuration", e.auth.SMARTConfigHandler())
	api := e.auth.Middleware(e.withSubject(e.noteReads(e.rest)))
	mux.Handle("/fhir", api)
	mux.Handle("/fhir/", api)
	return mux
}

// withSubject names the reader of a request for aggregator/access: the
// patient of a patient token, the customer of a client's token. A token of
// a client no longer listed reads nothing.
func (e *Endpoint) withSubject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.PrincipalFrom(r.Context())
		if !ok {
			next.ServeHTTP(w, r) // a public request (metadata): reads nothing
			return
		}
		var who access.Subject
		if p.Patient != "" {
			who = access.Subject{Patient: p.Patient}
		} else if who, ok = e.clients.subject(p.ClientID); !ok {
			auth.WriteUnauthorized(w, &auth.TokenError{Description: "the token's client is no longer a customer of this endpoint"})
			return
		}
		next.ServeHTTP(w, r.WithContext(access.WithSubject(r.Context(), who)))
	})
}

// EnsureCustomer gives a customer the follower has just found its client,
// when the endpoint generates them (no --clients-dir): client_id and
// client_secret in <data-dir>/credentials/clients/<customer>/, created
// once and never replaced, the folder logged. With --clients-dir it only
// checks the name: the operator writes those folders.
func (e *Endpoint) EnsureCustomer(name string) error {
	created, err := e.clients.ensureCustomer(name)
	if err != nil || !created {
		return err
	}
	e.log.Info("generated a client for the customer", "customer", name, "dir", filepath.Join(e.clients.dir, name))
	return e.auth.Reload()
}

// Close stops the credential and client watchers and ends the REST
// handler's waits.
func (e *Endpoint) Close() {
	e.stopWatch()
	<-e.watchDone
	e.rest.Close()
	e.auth.Close()
}
