package auth

import (
	"context"
	"net/http"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// Interaction is a FHIR interaction as far as scopes are concerned.
type Interaction uint8

const (
	InteractionCreate Interaction = iota + 1
	InteractionRead
	InteractionVRead
	InteractionUpdate
	InteractionPatch
	InteractionDelete
	InteractionSearch
	InteractionHistory
	// InteractionChangeFeed is following the endpoint's change feed: a read
	// of the whole system, so it needs r on system/*.
	InteractionChangeFeed
	// InteractionCapabilities (GET /metadata) needs no scope.
	InteractionCapabilities
)

func (i Interaction) String() string {
	switch i {
	case InteractionCreate:
		return "create"
	case InteractionRead:
		return "read"
	case InteractionVRead:
		return "vread"
	case InteractionUpdate:
		return "update"
	case InteractionPatch:
		return "patch"
	case InteractionDelete:
		return "delete"
	case InteractionSearch:
		return "search"
	case InteractionHistory:
		return "history"
	case InteractionChangeFeed:
		return "change feed"
	case InteractionCapabilities:
		return "capabilities"
	}
	return "unknown interaction"
}

// needs is the permission letter an interaction requires.
func (i Interaction) needs() perms {
	switch i {
	case InteractionCreate:
		return permC
	case InteractionRead, InteractionVRead, InteractionHistory, InteractionChangeFeed:
		return permR
	case InteractionUpdate, InteractionPatch:
		return permU
	case InteractionDelete:
		return permD
	case InteractionSearch:
		return permS
	case InteractionCapabilities:
		return 0
	}
	return permAll // unknown: allow only a client holding everything
}

// Principal is the client a verified access token speaks for.
type Principal struct {
	ClientID string
	// Scopes are the granted scopes as written in the token.
	Scopes []string
	// TokenID is the token's jti, for audit logs.
	TokenID string
	Expires time.Time
	// Aggregator: the token was issued to the endpoint's aggregator client
	// (its id in the credentials when the token was verified). Only it may
	// report the aggregator's outcomes ($aggregation-outcome), whatever
	// its scopes: that right belongs to the role, not to a scope a
	// customer could also hold.
	Aggregator bool
	// Patient is the patient context of a token from a token exchange: the
	// id of the Patient whose compartment it may read ("" for a system
	// client). Its patient/ scopes are checked per type like system/ ones;
	// which resources of a type it sees is the endpoint's visibility filter.
	Patient string
	grants  []Scope
}

// NewPrincipal builds a Principal from a client id and a space-separated
// scope string; the REST layer's tests use it to act as a client.
func NewPrincipal(clientID, scope string) (*Principal, error) {
	grants, err := ParseScopes(scope)
	if err != nil {
		return nil, err
	}
	p := &Principal{ClientID: clientID, grants: grants}
	for _, g := range grants {
		p.Scopes = append(p.Scopes, g.text)
	}
	return p, nil
}

// Allow reports whether the principal's scopes permit interaction on
// resourceType; resourceType "" means the whole system (system-level search
// or history, the change feed), which only a system/* scope covers. The
// refusal is a 403 OperationOutcome.
func (p *Principal) Allow(interaction Interaction, resourceType string) error {
	need := interaction.needs()
	if need == 0 {
		return nil
	}
	if interaction == InteractionChangeFeed {
		resourceType = "" // the feed spans every type, whatever the caller passed
	}
	if p == nil {
		return outcome.New(http.StatusUnauthorized, outcome.CodeLogin, "", "no access token")
	}
	grants := p.grants
	if grants == nil && len(p.Scopes) > 0 {
		// Built by hand rather than by the verifier: parse on the fly.
		for _, s := range p.Scopes {
			if g, err := parseScope(s, p.Patient != ""); err == nil {
				grants = append(grants, g)
			}
		}
	}
	for _, g := range grants {
		if g.perms&need == need && (g.ResourceType == "*" || (resourceType != "" && g.ResourceType == resourceType)) {
			return nil
		}
	}
	target := resourceType
	if target == "" {
		target = "the whole system"
	}
	return outcome.New(http.StatusForbidden, outcome.CodeForbidden, "",
		"the access token's scopes do not allow %s on %s (needs %q on system/%s)",
		interaction, target, need.String(), scopeType(resourceType))
}

func scopeType(resourceType string) string {
	if resourceType == "" {
		return "*"
	}
	return resourceType
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal Middleware put into the request context.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}
