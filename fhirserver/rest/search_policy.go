package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// guardedSearcher runs every search and conditional match with the scope
// policy in its context. Every caller (search interactions, batch and
// transaction entries, conditional create/update/delete/patch, conditional
// references) goes through h.search, so none can forget the check.
type guardedSearcher struct {
	repository.Searcher
	policy search.Policy
}

func (g guardedSearcher) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	return g.Searcher.Search(search.WithPolicy(ctx, g.policy), req)
}

func (g guardedSearcher) Match(ctx context.Context, tx *storage.Tx, resourceType string, query url.Values) ([]string, error) {
	return g.Searcher.Match(search.WithPolicy(ctx, g.policy), tx, resourceType, query)
}

// Supports passes the engine's answer through for the CapabilityStatement.
func (g guardedSearcher) Supports(resourceType, code string) bool {
	s, ok := g.Searcher.(paramSupporter)
	return !ok || s.Supports(resourceType, code)
}

// scopePolicy holds each type a search reads (search.Access) to the
// caller's scopes: searching it through a chain or _has needs search (s),
// and an include, which returns its resources, needs read and search (rs;
// SMART v1 .read is both). A missing permission is a 403 naming the
// parameter as written.
type scopePolicy struct{ h *Handler }

func (p scopePolicy) CheckAccess(ctx context.Context, a search.Access) error {
	need := []auth.Interaction{auth.InteractionSearch}
	if a.Kind == search.AccessInclude || a.Kind == search.AccessRevInclude {
		need = append(need, auth.InteractionRead)
	}
	var missing, allowed []string
	for _, t := range a.Types {
		ok, err := p.permits(ctx, need, t)
		if err != nil {
			return err
		}
		if ok {
			allowed = append(allowed, t)
		} else {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return forbiddenAccess(a, missing, allowed)
}

// permits reports whether the caller may do every interaction of need on
// typ; an error other than a refusal (no token: 401) is returned as is.
func (p scopePolicy) permits(ctx context.Context, need []auth.Interaction, typ string) (bool, error) {
	for _, in := range need {
		err := p.h.allow(ctx, in, typ)
		if err == nil {
			continue
		}
		if oe, ok := outcome.As(err); ok && oe.Status == http.StatusForbidden {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// forbiddenAccess is the 403 for a: what the parameter reads, what the
// token lacks and, when the parameter fans out to several types, how to
// name one that the token does allow.
func forbiddenAccess(a search.Access, missing, allowed []string) error {
	letters, verb := "s", "search"
	if a.Kind == search.AccessInclude || a.Kind == search.AccessRevInclude {
		letters, verb = "rs", "read and search"
	}
	written := a.Param
	if a.Value != "" {
		written += "=" + a.Value
	}
	var b strings.Builder
	switch a.Kind {
	case search.AccessSearched:
		fmt.Fprintf(&b, "the search reads %s", list(a.Types))
	case search.AccessChain:
		fmt.Fprintf(&b, "%s searches %s through its chain", written, list(a.Types))
	case search.AccessHas:
		fmt.Fprintf(&b, "%s searches %s through _has", written, list(a.Types))
	default:
		fmt.Fprintf(&b, "%s can return %s", written, list(a.Types))
		if len(a.Types) > 1 {
			fmt.Fprintf(&b, " (an include needs every type its parameter can reach)")
		}
	}
	scopes := make([]string, len(missing))
	for i, t := range missing {
		scopes[i] = "system/" + t + "." + letters
	}
	fmt.Fprintf(&b, ", but the access token's scopes do not allow %s on %s (needs %s)", verb, list(missing), list(scopes))
	if len(allowed) > 0 {
		if n := a.NarrowTo(allowed[0]); n != "" {
			if a.Value != "" {
				n = a.Param + "=" + n
			}
			fmt.Fprintf(&b, "; name one type to need only that one, e.g. %s", n)
		}
	}
	return outcome.New(http.StatusForbidden, outcome.CodeForbidden, a.Param, "%s", b.String())
}

// list writes a, b and c.
func list(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
