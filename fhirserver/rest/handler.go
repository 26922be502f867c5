package rest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Defaults for the Config limits.
const (
	DefaultMaxBodyBytes = 16 << 20
	// DefaultBodyTimeout stays below the server's default shutdown timeout,
	// so SIGTERM never waits its whole timeout for a body that never comes.
	DefaultBodyTimeout = 20 * time.Second
	// maxBundleEntries bounds a batch or transaction so one request cannot
	// hold the serial write section for long.
	maxBundleEntries = 10000
)

// Metrics receives one observation per answered request; the server
// implements it with Prometheus. resourceType is "" for system interactions.
type Metrics interface {
	ObserveInteraction(interaction, resourceType string, status int, d time.Duration)
}

// AuthInfo is what the REST layer needs to know of the authorization server
// (satisfied by *auth.Server): the OAuth URIs and what the token endpoint
// grants, for the CapabilityStatement. Authentication itself is middleware
// in front of the handler.
type AuthInfo interface {
	TokenURL() string
	SecurityDescription() string
}

// Config is everything the handler is built from.
type Config struct {
	Version *defs.Version
	// Store is read and written through a repository.Repository built over
	// it; the handler itself reads only its change log ($changes).
	Store    *storage.Store
	Searcher repository.Searcher
	// ReadPolicy, when set, wraps every read (read, vread, history, search
	// and the versions $changes lists): an access policy that hides a
	// resource makes it a 404 everywhere. Auth's scope checks apply too.
	ReadPolicy func(repository.Reader) repository.Reader
	// Auth is nil when the server runs without authorization (unit tests);
	// then every request is allowed. When set, a request without a
	// principal in its context is refused, so a mis-wired middleware fails
	// closed.
	Auth AuthInfo
	// BaseURL is the public origin ("https://acme.example"); the FHIR base is
	// BaseURL + "/fhir".
	BaseURL string
	// Description is the CapabilityStatement's implementation.description
	// (default "fhirfleet customer endpoint"): what this endpoint is.
	Description  string
	MaxBodyBytes int64
	// MaxDepth (default repository.DefaultMaxDepth) bounds the nesting of
	// a body; MaxElements (default repository.DefaultMaxElements) caps the
	// elements of one resource in it (413 above).
	MaxDepth    int
	MaxElements int
	// BodyTimeout is how long a body may take to arrive once the handler
	// starts reading it (408 after).
	BodyTimeout time.Duration
	// MaxInflightBodyBytes bounds the bytes of request bodies being read
	// and processed at once, process-wide; BodyBudgetWait is how long a
	// request waits for room before it is answered 503 with Retry-After.
	MaxInflightBodyBytes int64
	BodyBudgetWait       time.Duration
	Logger               logr.Logger
	Metrics              Metrics
	// Now is the clock for Date-like decisions in tests; default time.Now.
	Now func() time.Time
	// ReadOnly serves reads only: every write route (create, update, patch,
	// delete, batch and transaction) answers 405 with an OperationOutcome,
	// and the CapabilityStatement lists no write interaction.
	ReadOnly bool
	// NoFeedOperations leaves out the operations a customer server offers
	// its aggregator — $changes and $aggregation-outcome answer 404 and
	// the CapabilityStatement does not list them — for a handler over the
	// aggregated store, which has no such feed of its own.
	NoFeedOperations bool
	// RequestTimeout bounds the work of one request (default
	// DefaultRequestTimeout); past it the request answers 503 too-costly.
	// The wait of a $changes long poll does not count.
	RequestTimeout time.Duration
	// Operations are the embedder's type-level operations
	// (type_operation.go).
	Operations []Operation
}

// Handler serves the FHIR REST API under /fhir.
type Handler struct {
	ver         *defs.Version
	store       *storage.Store // for the change log of $changes and the aggregator's outcomes
	search      repository.Searcher
	auth        AuthInfo
	base        string // FHIR base: BaseURL + "/fhir"
	description string // Config.Description
	maxBody     int64
	bodyTimeout time.Duration
	budget      *bodyBudget
	timeout     time.Duration // RequestTimeout
	log         logr.Logger
	metrics     Metrics
	now         func() time.Time

	// repo does every write and parses every body. reads is repo behind
	// Config.ReadPolicy (policed: there is one): every read goes through it
	// and through nothing else.
	repo    *repository.Repository
	reads   repository.Reader
	policed bool

	routes   routeTable // the route table, less its writes when read-only
	readOnly bool

	// capability is the CapabilityStatement, built on the first
	// GET /metadata: the statement is ~0.4 MB, which an endpoint nobody
	// asks for its metadata should not hold. It is dated
	// when the handler was made, so it does not depend on when it is built.
	capability func() []byte
	started    time.Time
	changesDef []byte // the OperationDefinition of $changes
	aggDef     []byte // the OperationDefinition of $aggregation-outcome
	ops        typeOps

	// The aggregator's outcomes and their index by status
	// (interaction_aggregation_outcome.go).
	aggOutcomes, aggByStatus *storage.AppMeta

	// closing is cancelled by Close when the server shuts down, so long
	// polls answer at once instead of holding the shutdown for their wait.
	closing context.Context
	close   context.CancelFunc
}

// Close ends the waits of pending and later $changes long polls: each
// answers its empty page with the same cursor at once. Call it when the
// server starts shutting down (http.Server.RegisterOnShutdown); requests
// keep being served. Safe to call more than once.
func (h *Handler) Close() { h.close() }

// New builds the handler and the CapabilityStatement it will serve.
func New(cfg Config) (*Handler, error) {
	if cfg.Version == nil || cfg.Store == nil || cfg.Searcher == nil {
		return nil, errors.New("rest: Version, Store and Searcher are required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("rest: base URL %q is not an absolute URL", cfg.BaseURL)
	}
	h := &Handler{
		ver: cfg.Version, store: cfg.Store, search: cfg.Searcher, auth: cfg.Auth,
		base:        strings.TrimSuffix(cfg.BaseURL, "/") + "/fhir",
		description: cmp.Or(cfg.Description, "fhirfleet customer endpoint"),
		maxBody:     cfg.MaxBodyBytes, timeout: cfg.RequestTimeout,
		bodyTimeout: cmp.Or(cfg.BodyTimeout, DefaultBodyTimeout), log: cfg.Logger,
		metrics: cfg.Metrics, now: cfg.Now,
		routes: newRouteTable(cfg.ReadOnly, cfg.NoFeedOperations), readOnly: cfg.ReadOnly,
		ops: newTypeOps(cfg.Operations),
	}
	h.search = guardedSearcher{Searcher: cfg.Searcher, policy: scopePolicy{h}}
	if h.repo, err = repository.New(repository.Config{
		Version: cfg.Version, Store: cfg.Store, Searcher: h.search,
		MaxDepth: cfg.MaxDepth, MaxElements: cfg.MaxElements, Authorize: h.allow,
	}); err != nil {
		return nil, fmt.Errorf("rest: %w", err)
	}
	h.reads = h.repo
	if cfg.ReadPolicy != nil {
		h.reads, h.policed = cfg.ReadPolicy(h.repo), true
	}
	h.closing, h.close = context.WithCancel(context.Background())
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.timeout <= 0 {
		h.timeout = DefaultRequestTimeout
	}
	h.budget = newBodyBudget(cmp.Or(cfg.MaxInflightBodyBytes, DefaultMaxInflightBodyBytes),
		cmp.Or(cfg.BodyBudgetWait, DefaultBodyBudgetWait))
	if h.log.GetSink() == nil {
		h.log = logr.Discard()
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.started = h.now()
	h.capability = sync.OnceValue(func() []byte {
		b := h.buildCapability()
		// Building it makes ~4 MB of short-lived objects (a 350 KB
		// statement as a tree) in a server that idles at ~4 MB; the
		// aggregator asks every source for it once, so without giving
		// that memory back at once each idle endpoint it follows would
		// keep it resident for minutes.
		debug.FreeOSMemory()
		return b
	})
	h.changesDef = h.buildChangesDefinition()
	h.aggDef = h.buildAggOutcomeDefinition()
	if h.aggOutcomes, err = cfg.Store.AppMeta(storage.AppMetaAggOutcomes); err != nil {
		return nil, fmt.Errorf("rest: %w", err)
	}
	if h.aggByStatus, err = cfg.Store.AppMeta(storage.AppMetaAggOutcomesByStatus); err != nil {
		return nil, fmt.Errorf("rest: %w", err)
	}
	return h, nil
}

// ServeHTTP answers one request. A panic anywhere below is answered 500
// with an OperationOutcome and logged; it never reaches net/http, which
// would drop the connection without an answer.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// The call, its writer and its wire in one allocation.
	one := &struct {
		call call
		sw   statusWriter
		wire wire
	}{sw: statusWriter{ResponseWriter: w, bodyUnread: r.ContentLength != 0}}
	sw := &one.sw
	one.wire = wire{sw: sw, charge: charge{b: h.budget}}
	one.call = call{h: h, w: sw, r: r, ctx: r.Context(), interaction: "unknown", wire: &one.wire}
	c := &one.call
	defer c.wire.charge.release()
	defer func() {
		if p := recover(); p != nil {
			h.log.Error(fmt.Errorf("%w: %v", errPanic, p), "panic", "method", r.Method, "path", r.URL.Path,
				"stack", string(debug.Stack()))
			if sw.status == 0 {
				c.fail(outcome.Internal("the server could not complete the request; the error is in its log"))
			}
		}
		if h.metrics != nil {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			h.metrics.ObserveInteraction(c.interaction, c.resourceType, status, time.Since(start))
		}
	}()
	h.serve(c)
}

func (h *Handler) serve(c *call) {
	r := c.r
	// Most reads have no query: no parse, and a nil map (c.query is only
	// read; every change goes to a copy).
	var q url.Values
	if r.URL.RawQuery != "" {
		var err error
		if q, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			c.failf(http.StatusBadRequest, outcome.CodeInvalid, "the query string is malformed: %v", err)
			return
		}
	}
	c.query = q
	if oe := negotiateResponse(first(q, "_format"), r.Header.Get("Accept"), h.ver.FHIRVersion); oe != nil {
		c.fail(oe)
		return
	}
	var err error
	if c.view, err = viewFromQuery(q); err != nil {
		c.fail(err)
		return
	}
	c.prefer = parsePrefer(r.Header)
	rt := parseRoute(r.URL.Path)
	if rt.Type != "" {
		// Only known types become a metrics label: a client inventing type
		// names must not be able to grow the label set without bound.
		if h.repo.IsType(rt.Type) {
			c.resourceType = rt.Type
		}
		if !h.repo.IsType(rt.Type) {
			c.failf(http.StatusNotFound, outcome.CodeNotSupported, "%q is not a resource type of FHIR %s", rt.Type, h.ver.FHIRVersion)
			return
		}
	}
	if rt.Kind == routeCompartment && rt.Target != "*" && !h.repo.IsType(rt.Target) {
		c.failf(http.StatusNotFound, outcome.CodeNotSupported, "%q is not a resource type of FHIR %s", rt.Target, h.ver.FHIRVersion)
		return
	}
	if rt.Kind != routeChanges { // a long poll bounds its own reads (changes)
		defer h.withDeadline(c).release()
	}
	h.dispatch(c, rt)
}

// dispatch runs the route table's row for the route and the method, and
// answers the error it returns. A method the path does not take is a 405
// naming the ones it does (in read-only mode, the write methods are not
// among them).
func (h *Handler) dispatch(c *call, rt route) {
	if rt.Kind == routeUnknown {
		c.failf(http.StatusNotFound, outcome.CodeNotFound, "%s is not a FHIR endpoint of this server", c.r.URL.Path)
		return
	}
	row := h.routes.lookup(rt.Kind, c.r.Method)
	if row == nil && h.routes.allow[rt.Kind] == "" {
		// Nothing is served on this kind of path (feed operations left out).
		c.failf(http.StatusNotFound, outcome.CodeNotFound, "%s is not a FHIR endpoint of this server", c.r.URL.Path)
		return
	}
	if row == nil {
		c.w.Header().Set("Allow", h.routes.allow[rt.Kind])
		if h.readOnly {
			c.failf(http.StatusMethodNotAllowed, outcome.CodeNotSupported, "%s is not allowed on %s: this endpoint is read-only", c.r.Method, c.r.URL.Path)
			return
		}
		c.failf(http.StatusMethodNotAllowed, outcome.CodeNotSupported, "%s is not allowed on %s", c.r.Method, c.r.URL.Path)
		return
	}
	c.interaction = row.interaction
	if err := row.handle(h, c, rt); err != nil {
		c.fail(err)
	}
}

// allow checks the caller's scopes for one interaction (also per bundle
// entry). Without authorization configured everything is allowed.
func (h *Handler) allow(ctx context.Context, in auth.Interaction, resourceType string) error {
	if in == auth.InteractionCapabilities {
		return nil // public: clients read it before they have a token
	}
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		if h.auth == nil {
			return nil
		}
		return outcome.New(http.StatusUnauthorized, outcome.CodeLogin, "", "no access token")
	}
	return p.Allow(in, resourceType)
}

// allowAny admits any authenticated caller: the embedder's operations
// decide who may call them.
func (h *Handler) allowAny(ctx context.Context) error {
	if _, ok := auth.PrincipalFrom(ctx); !ok {
		return outcome.New(http.StatusUnauthorized, outcome.CodeLogin, "", "no access token")
	}
	return nil
}

// resourceURL is the absolute URL of a resource.
func (h *Handler) resourceURL(typ, id string) string { return h.base + "/" + typ + "/" + id }

// versionURL is the absolute URL of one version, used for Location.
func (h *Handler) versionURL(typ, id string, vid int64) string {
	return fmt.Sprintf("%s/%s/%s/_history/%d", h.base, typ, id, vid)
}
