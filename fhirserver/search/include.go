package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// includeSpec is one _include or _revinclude: Source:param[:Target], or *.
type includeSpec struct {
	source  string // "" with * = any type
	params  []*param
	target  string
	iterate bool
}

func (e *Engine) parseInclude(typ, key, v string) (includeSpec, error) {
	spec := includeSpec{iterate: strings.HasSuffix(key, ":iterate") || strings.HasSuffix(key, ":recurse")}
	if v == "*" {
		return spec, nil
	}
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 || !e.reg.isType[parts[0]] {
		return spec, outcome.BadRequest(outcome.CodeInvalid, key, "%s must be Type:parameter[:Target], got %q", key, v)
	}
	spec.source = parts[0]
	if len(parts) == 3 {
		if !e.reg.isType[parts[2]] {
			return spec, outcome.BadRequest(outcome.CodeInvalid, key, "%s: %s is not a resource type", key, parts[2])
		}
		spec.target = parts[2]
	}
	if parts[1] == "*" {
		for _, p := range e.reg.params(spec.source) {
			if p.typ == "reference" && p.expr != nil {
				spec.params = append(spec.params, p)
			}
		}
		return spec, nil
	}
	p := e.reg.lookup(spec.source, parts[1])
	if p == nil || p.typ != "reference" || p.expr == nil {
		return spec, outcome.BadRequest(outcome.CodeInvalid, key, "%s: %s has no reference parameter %s", key, spec.source, parts[1])
	}
	spec.params = []*param{p}
	return spec, nil
}

// errIncludeCap stops the include work once a page holds MaxIncludes
// included resources and one more was found.
var errIncludeCap = errors.New("include cap reached")

// includes adds the resources the page's matches reference (_include) and
// those referencing them (_revinclude); :iterate specs run again over what
// was added until nothing new appears. At most e.opts.MaxIncludes resources
// are added: the work stops as soon as one more is found (capped is then
// true), so a page of a thousand matches with _revinclude=* cannot load
// every resource that points at them.
func (e *Engine) includes(ctx context.Context, rd storage.Reader, q *query, matches []*storage.Record) (added []*storage.Record, capped bool, err error) {
	if len(q.includes) == 0 && len(q.revinclude) == 0 {
		return nil, false, nil
	}
	seen := map[string]bool{}
	for _, r := range matches {
		seen[r.Type+"/"+r.ID] = true
	}
	frontier := matches
	probes := refProbes{}
	for round := 0; len(frontier) > 0; round++ {
		var next []*storage.Record
		add := func(typ, id string) error {
			k := typ + "/" + id
			if seen[k] {
				return nil
			}
			seen[k] = true
			rec, err := rd.Get(ctx, typ, id)
			if errors.Is(err, storage.ErrNotFound) || (err == nil && rec.Deleted) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("include %s: %w", k, err)
			}
			if len(added)+len(next) >= e.opts.MaxIncludes {
				return errIncludeCap
			}
			next = append(next, rec)
			return nil
		}
		err := e.includeRound(ctx, rd, q, round, frontier, probes, add)
		added = append(added, next...)
		if errors.Is(err, errIncludeCap) {
			return added, true, nil
		}
		if err != nil {
			return nil, false, err
		}
		frontier = next
	}
	return added, false, nil
}

// includeRound runs every _include and _revinclude once over frontier
// (after the first round only the :iterate ones).
func (e *Engine) includeRound(ctx context.Context, rd storage.Reader, q *query, round int, frontier []*storage.Record, probes refProbes, add func(typ, id string) error) error {
	for _, spec := range q.includes {
		if round > 0 && !spec.iterate {
			continue
		}
		if err := e.forwardIncludes(ctx, spec, frontier, add); err != nil {
			return err
		}
	}
	for _, spec := range q.revinclude {
		if round > 0 && !spec.iterate {
			continue
		}
		if err := e.reverseIncludes(ctx, rd, spec, frontier, probes, add); err != nil {
			return err
		}
	}
	return nil
}

// includeCapWarning is the Bundle's warning when the cap cut the includes.
func (e *Engine) includeCapWarning(q *query) outcome.Issue {
	var expr []string
	if len(q.includes) > 0 {
		expr = append(expr, "_include")
	}
	if len(q.revinclude) > 0 {
		expr = append(expr, "_revinclude")
	}
	return outcome.Issue{
		Severity: outcome.Warning,
		Code:     outcome.CodeTooCostly,
		Diagnostics: fmt.Sprintf("this page includes only the first %d resources found by _include/_revinclude; "+
			"others exist: ask for a smaller _count or narrower _include/_revinclude to get them all", e.opts.MaxIncludes),
		Expression: expr,
	}
}

func (e *Engine) forwardIncludes(ctx context.Context, spec includeSpec, from []*storage.Record, add func(typ, id string) error) error {
	n := e.refs()
	for _, rec := range from {
		if err := ctx.Err(); err != nil {
			return err // FHIRPath over a page of resources is the costly part
		}
		params := spec.params
		if spec.source == "" {
			params = nil
			for _, p := range e.reg.params(rec.Type) {
				if p.typ == "reference" && p.expr != nil {
					params = append(params, p)
				}
			}
		} else if rec.Type != spec.source {
			continue
		}
		res, err := fhirjson.Parse(rec.JSON)
		if err != nil {
			return fmt.Errorf("include from %s/%s: %w", rec.Type, rec.ID, err)
		}
		for _, p := range params {
			items, err := p.expr.Evaluate(nil, res, e.v)
			if err != nil {
				continue
			}
			for _, v := range n.referenceValues("", toItems(items), true) {
				for _, k := range v.keys {
					if k[0] != 'r' {
						continue
					}
					ref, _, _ := readStr(k[1:])
					typ, id, ok := n.split(ref)
					if !ok || (spec.target != "" && typ != spec.target) {
						continue
					}
					if err := add(typ, id); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func (e *Engine) reverseIncludes(ctx context.Context, rd storage.Reader, spec includeSpec, to []*storage.Record, probes refProbes, add func(typ, id string) error) error {
	live := map[string][]srcParam{} // per target type: the parameters worth a probe
	for _, rec := range to {
		if spec.target != "" && rec.Type != spec.target {
			continue
		}
		params, ok := live[rec.Type]
		if !ok {
			var err error
			if params, err = e.liveReferrers(ctx, rd, spec, rec.Type, probes); err != nil {
				return err
			}
			live[rec.Type] = params
		}
		r := exactRange(appendStr([]byte{'r'}, rec.Type+"/"+rec.ID))
		for _, sp := range params {
			// Hits are added as they are read, so the cap ends the scan
			// too instead of collecting every referrer first.
			for hit, err := range rd.ScanIndex(ctx, storage.IndexQuery{Type: sp.typ, Param: sp.code, Lo: r.lo, Hi: r.hi}) {
				if err != nil {
					return fmt.Errorf("revinclude %s.%s: %w", sp.typ, sp.code, err)
				}
				if err := add(sp.typ, hit.ID); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// srcParam is one reference parameter of one source type.
type srcParam struct{ typ, code string }

// liveReferrers lists the parameters of spec that may point at target and,
// in this store, point at some resource of that type.
func (e *Engine) liveReferrers(ctx context.Context, rd storage.Reader, spec includeSpec, target string, probes refProbes) ([]srcParam, error) {
	sources := []typedParams{{typ: spec.source, params: spec.params}}
	if spec.source == "" {
		// _revinclude=*: every reference parameter that may point at
		// this type.
		sources = e.reg.referrers(target)
	}
	var out []srcParam
	for _, src := range sources {
		for _, p := range src.params {
			ok, err := probes.any(ctx, rd, src.typ, p.key, target)
			if err != nil {
				return nil, err
			}
			// Parameters sharing one set of entries (registry.go) are
			// scanned once.
			if sp := (srcParam{src.typ, p.key}); ok && !slices.Contains(out, sp) {
				out = append(out, sp)
			}
		}
	}
	return out, nil
}

// refProbes remembers, for one search, whether any resource of a type
// references a resource of another type through a parameter. _revinclude=*
// probes every reference parameter that may point at a match's type (about
// 150 for Patient in R4) for every match; in a real store most of them index
// nothing, and one probe per (parameter, target type) instead of one per
// match makes a page of 1000 Patients cost a few hundred scans, not 150,000.
type refProbes map[string]bool

func (m refProbes) any(ctx context.Context, rd storage.Reader, srcType, code, target string) (bool, error) {
	k := srcType + "\x00" + code + "\x00" + target
	if found, ok := m[k]; ok {
		return found, nil
	}
	r := prefixRange(appendStrPrefix([]byte{'r'}, target+"/"))
	found := false
	for _, err := range rd.ScanIndex(ctx, storage.IndexQuery{Type: srcType, Param: code, Lo: r.lo, Hi: r.hi}) {
		if err != nil {
			return false, fmt.Errorf("revinclude %s.%s: %w", srcType, code, err)
		}
		found = true
		break
	}
	m[k] = found
	return found, nil
}
