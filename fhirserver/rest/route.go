package rest

import (
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
)

// routeKind names what a path under /fhir addresses; the method then picks the
// interaction (see dispatch in handler.go).
type routeKind uint8

const (
	routeUnknown        routeKind = iota
	routeBase                     // /fhir            batch/transaction, system search
	routeMetadata                 // /fhir/metadata
	routeSystemSrch               // /fhir/_search
	routeSystemHist               // /fhir/_history
	routeChanges                  // /fhir/$changes
	routeType                     // /fhir/Type       create, search, conditional update/delete/patch
	routeTypeSearch               // /fhir/Type/_search
	routeTypeHist                 // /fhir/Type/_history
	routeInstance                 // /fhir/Type/id
	routeInstHist                 // /fhir/Type/id/_history
	routeVersion                  // /fhir/Type/id/_history/vid
	routeCompartment              // /fhir/Type/id/Type2 or /fhir/Type/id/*
	routeAggOutcomes              // /fhir/$aggregation-outcome
	routeInstAggOutcome           // /fhir/Type/id/$aggregation-outcome
	routeEverything               // /fhir/Patient/id/$everything
	routeTypeOp                   // /fhir/Type/$name (Config.Operations)
)

// route is a parsed path. Type, ID, VersionID and Target are only as trusted
// as their syntax checks: whether Type is a resource type of the version is
// decided by the handler, which knows the version.
type route struct {
	Kind      routeKind
	Type      string
	ID        string
	VersionID string
	// Target is the resource type of a compartment search ("*" for all).
	Target string
}

// parseRoute splits the path below the FHIR base. It accepts the path with or
// without the "/fhir" mount prefix so the handler works mounted either way.
func parseRoute(path string) route {
	p := strings.TrimPrefix(path, "/fhir")
	if p != path && p != "" && p[0] != '/' {
		return route{} // "/fhirx/..." is not ours
	}
	p = strings.Trim(p, "/")
	if p == "" {
		return route{Kind: routeBase}
	}
	var buf [5]string
	seg := splitPath(p, buf[:0])
	if seg == nil {
		return route{}
	}
	switch seg[0] {
	case "metadata":
		if len(seg) == 1 {
			return route{Kind: routeMetadata}
		}
		return route{}
	case "_search":
		if len(seg) == 1 {
			return route{Kind: routeSystemSrch}
		}
		return route{}
	case "_history":
		if len(seg) == 1 {
			return route{Kind: routeSystemHist}
		}
		return route{}
	case "$changes":
		if len(seg) == 1 {
			return route{Kind: routeChanges}
		}
		return route{}
	case opAggOutcome:
		if len(seg) == 1 {
			return route{Kind: routeAggOutcomes}
		}
		return route{}
	}
	if !repository.IsTypeName(seg[0]) {
		return route{}
	}
	r := route{Type: seg[0]}
	switch len(seg) {
	case 1:
		r.Kind = routeType
		return r
	case 2:
		switch seg[1] {
		case "_search":
			r.Kind = routeTypeSearch
		case "_history":
			r.Kind = routeTypeHist
		default:
			if name, ok := strings.CutPrefix(seg[1], "$"); ok && validID(name) {
				// ID holds "$name": typeOperation looks it up.
				r.Kind, r.ID = routeTypeOp, seg[1]
				return r
			}
			if !validID(seg[1]) {
				return route{}
			}
			r.Kind, r.ID = routeInstance, seg[1]
		}
		return r
	}
	if !validID(seg[1]) {
		return route{}
	}
	r.ID = seg[1]
	switch {
	case len(seg) == 3 && seg[2] == "_history":
		r.Kind = routeInstHist
	case len(seg) == 4 && seg[2] == "_history" && validID(seg[3]):
		r.Kind, r.VersionID = routeVersion, seg[3]
	case len(seg) == 3 && seg[2] == opAggOutcome:
		r.Kind = routeInstAggOutcome
	case len(seg) == 3 && seg[2] == opEverything:
		r.Kind = routeEverything
	case len(seg) == 3 && (seg[2] == "*" || repository.IsTypeName(seg[2])):
		r.Kind, r.Target = routeCompartment, seg[2]
	default:
		return route{}
	}
	return r
}

// validID is FHIR's id datatype: [A-Za-z0-9\-\.]{1,64}.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// splitPath splits p on "/" into at most four segments, appending to dst
// (a stack buffer, so routing a read allocates nothing); nil when p has more.
func splitPath(p string, dst []string) []string {
	for {
		i := strings.IndexByte(p, '/')
		if i < 0 {
			return append(dst, p)
		}
		if len(dst) == 3 {
			return nil
		}
		dst = append(dst, p[:i])
		p = p[i+1:]
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
