package rules

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// ErrNotResource is returned by Check for a value that is not an R4
// resource (no object, no resourceType, or a type R4 does not define).
// That is a fault of the caller, which should have parsed and validated
// the resource first, not a business rule a customer broke.
var ErrNotResource = errors.New("not an R4 resource")

// RuleResourceUnsupportedType excludes a resource whose own type is not
// aggregated: the pipeline should not offer it, and if it does the rule
// says so rather than letting it through.
const RuleResourceUnsupportedType Rule = "resource-unsupported-type"

// Config says what a Checker needs to know about the feed it checks.
type Config struct {
	// SourceBase is the customer server's base URL, e.g.
	// "https://acme-gp.example/fhir": an absolute reference under it is
	// a reference to the same source and is stripped to Type/id; any other
	// absolute reference is cross-server.
	SourceBase string
	// Aggregated reports whether a resource type is aggregated; nil means
	// every R4 resource type is.
	Aggregated func(resourceType string) bool
}

// Checker checks resources of one source feed. It holds no mutable state,
// so one Checker may be used by many goroutines.
type Checker struct {
	base       string
	hostEnd    int // end of scheme://host in base, compared without case
	aggregated func(string) bool
}

// New returns a Checker for cfg.
func New(cfg Config) *Checker {
	c := &Checker{base: strings.TrimRight(cfg.SourceBase, "/"), aggregated: cfg.Aggregated}
	if c.aggregated == nil {
		c.aggregated = func(string) bool { return true }
	}
	c.hostEnd = len(c.base)
	if i := strings.Index(c.base, "://"); i >= 0 {
		if j := strings.IndexByte(c.base[i+3:], '/'); j >= 0 {
			c.hostEnd = i + 3 + j
		}
	}
	return c
}

// Check applies every rule to res, an R4 resource. It may change res, and
// only in two documented ways, both listed in Result.Changes: an absolute
// or versioned reference to the same source becomes Type/id, and a
// meta.security coding of a platform source system is removed. The error is
// ErrNotResource (wrapped) when res is no R4 resource at all; a resource
// that breaks rules is no error but an excluded Result.
func (c *Checker) Check(res *fhirjson.Value) (Result, error) {
	if res == nil || res.Kind != fhirjson.Object {
		return Result{}, fmt.Errorf("check: %w: not a JSON object", ErrNotResource)
	}
	rt := res.Str("resourceType")
	t := defs.R4.Resource(rt)
	if t == nil || t.Abstract {
		return Result{}, fmt.Errorf("check: %w: resourceType %q", ErrNotResource, rt)
	}
	w := walker{c: c}
	if !c.aggregated(t.Name) {
		w.violate(RuleResourceUnsupportedType, outcome.CodeNotSupported, t.Name,
			"%s is not an aggregated resource type", t.Name)
		return w.result(), nil
	}
	w.check(res, t)
	return w.result(), nil
}
