package auth

import (
	"errors"
	"fmt"
	"strings"
)

// perms is a set of SMART v2 permission letters.
type perms uint8

const (
	permC perms = 1 << iota
	permR
	permU
	permD
	permS

	permAll  = permC | permR | permU | permD | permS
	permRead = permR | permS // what SMART v1 ".read" means in v2 letters
)

// letters is the v2 order: a v2 scope must list its letters in this order.
const letters = "cruds"

func (p perms) String() string {
	var b strings.Builder
	for i := 0; i < len(letters); i++ {
		if p&(1<<i) != 0 {
			b.WriteByte(letters[i])
		}
	}
	return b.String()
}

// Scope is one parsed system-level SMART scope: SMART v1
// (system/Patient.read, system/*.write, system/*.*) or v2 (system/*.cruds,
// system/Observation.rs).
type Scope struct {
	// ResourceType is a resource type name or "*" for all types.
	ResourceType string
	perms        perms
	text         string
}

func (s Scope) String() string { return s.text }

// Sentinel errors for the scope refusals a caller branches on.
var (
	// ErrContextScope: patient/ and user/ scopes need a launch context this
	// system-level endpoint never has.
	ErrContextScope = errors.New("patient/ and user/ scopes are not supported: this endpoint grants system/ scopes only")
	ErrInvalidScope = errors.New("invalid scope")
)

// ParseScope parses one system-level scope.
func ParseScope(s string) (Scope, error) { return parseScope(s, false) }

// parseScope parses one scope; patient/ scopes are accepted only in a
// token that carries a patient context.
func parseScope(s string, patient bool) (Scope, error) {
	ctx, rest, ok := strings.Cut(s, "/")
	if !ok {
		return Scope{}, fmt.Errorf("%w %q: want system/<type>.<permissions>", ErrInvalidScope, s)
	}
	switch ctx {
	case "system":
	case "patient":
		if !patient {
			return Scope{}, fmt.Errorf("%q: %w", s, ErrContextScope)
		}
	case "user":
		return Scope{}, fmt.Errorf("%q: %w", s, ErrContextScope)
	default:
		return Scope{}, fmt.Errorf("%w %q: want system/<type>.<permissions>", ErrInvalidScope, s)
	}
	typ, perm, ok := strings.Cut(rest, ".")
	if !ok || !validTypeName(typ) {
		return Scope{}, fmt.Errorf("%w %q: want system/<ResourceType or *>.<permissions>", ErrInvalidScope, s)
	}
	p, err := parsePerms(perm)
	if err != nil {
		return Scope{}, fmt.Errorf("%w %q: %w", ErrInvalidScope, s, err)
	}
	return Scope{ResourceType: typ, perms: p, text: s}, nil
}

func parsePerms(s string) (perms, error) {
	switch s {
	case "read":
		return permRead, nil
	case "write":
		return permC | permU | permD, nil
	case "*":
		return permAll, nil
	case "":
		return 0, errors.New("no permissions")
	}
	if strings.Contains(s, "?") {
		return 0, errors.New("scope parameters (?…) are not supported")
	}
	var p perms
	next := 0 // letters must come in c r u d s order, each at most once
	for i := 0; i < len(s); i++ {
		j := strings.IndexByte(letters[next:], s[i])
		if j < 0 {
			return 0, fmt.Errorf("permissions %q: want read, write, * or letters from %q in that order", s, letters)
		}
		next += j + 1
		p |= 1 << (next - 1)
	}
	return p, nil
}

func validTypeName(t string) bool {
	if t == "*" {
		return true
	}
	if len(t) == 0 || len(t) > 64 || t[0] < 'A' || t[0] > 'Z' {
		return false
	}
	for i := 1; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ParseScopes parses a space-separated scope string (as in a token request
// or the scope claim). Duplicates are dropped; an empty string yields nil.
func ParseScopes(s string) ([]Scope, error) { return parseScopes(s, false) }

func parseScopes(s string, patient bool) ([]Scope, error) {
	var out []Scope
	seen := map[string]bool{}
	for _, f := range strings.Fields(s) {
		if seen[f] {
			continue
		}
		seen[f] = true
		sc, err := parseScope(f, patient)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// maxPerms is what a client of this role may ever hold: the customer owns the
// endpoint; the aggregator only reads (read, search, history, change feed).
func (r role) maxPerms() perms {
	if r == roleAggregator {
		return permRead
	}
	return permAll
}

// grantScopes decides the scope of a token for a client of role r asking for
// requested (maybe empty). A request is narrowed only by the client: asking
// for more than the role allows is refused, not silently cut down, so a
// misconfigured client learns at once instead of failing later with 403s.
func grantScopes(r role, requested string) (string, error) {
	return grantScopesWithin(r, r.maxPerms(), requested)
}

// grantScopes is grantScopes capped at read and search on a read-only
// endpoint.
func (s *Server) grantScopes(r role, requested string) (string, error) {
	if s.cfg.ReadOnly {
		return grantScopesWithin(r, permRead, requested)
	}
	return grantScopes(r, requested)
}

func grantScopesWithin(r role, allowed perms, requested string) (string, error) {
	if strings.TrimSpace(requested) == "" {
		return "system/*." + allowed.String(), nil
	}
	scopes, err := ParseScopes(requested)
	if err != nil {
		return "", err
	}
	texts := make([]string, len(scopes))
	for i, sc := range scopes {
		if extra := sc.perms &^ allowed; extra != 0 {
			return "", fmt.Errorf("%w %q: the %s client may not have %q permissions", ErrInvalidScope, sc.text, r, extra)
		}
		texts[i] = sc.text
	}
	return strings.Join(texts, " "), nil
}
