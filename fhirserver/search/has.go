package search

import (
	"context"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// hasClause is reverse chaining: _has:Observation:patient:code=x selects
// the resources that an Observation with code x points at through its
// patient parameter. inner may itself start with _has: (nesting).
type hasClause struct {
	source   string // Observation
	refParam *param // patient
	inner    string // code, or _has:... again
}

func (e *Engine) parseHas(typ, key string) (*hasClause, error) {
	parts := strings.SplitN(strings.TrimPrefix(key, "_has:"), ":", 3)
	if len(parts) != 3 || parts[2] == "" {
		return nil, outcome.BadRequest(outcome.CodeInvalid, key, "_has needs _has:Type:reference:parameter, got %q", key)
	}
	source, refCode, inner := parts[0], parts[1], parts[2]
	if !e.reg.isType[source] {
		return nil, outcome.BadRequest(outcome.CodeInvalid, key, "_has: %s is not a resource type", source)
	}
	rp := e.reg.lookup(source, refCode)
	if rp == nil || rp.typ != "reference" {
		return nil, outcome.BadRequest(outcome.CodeInvalid, key, "_has: %s has no reference parameter %s", source, refCode)
	}
	return &hasClause{source: source, refParam: rp, inner: inner}, nil
}

// hasIDs runs the inner search on the source type, then reads each
// match's forward reference entries to find the resources of c.typ it
// points at: no resource body is loaded.
func (e *Engine) hasIDs(ctx context.Context, rd storage.Reader, c *clause) (idSet, error) {
	h := c.has
	var sources []string
	for _, v := range c.values {
		ic, err := e.parseClause(h.source, h.inner, v)
		if err != nil {
			return nil, err
		}
		if ic == nil {
			return nil, outcome.BadRequest(outcome.CodeInvalid, c.key, "_has: %s has no parameter %s", h.source, h.inner)
		}
		ids, err := e.clauseIDs(ctx, rd, ic)
		if err != nil {
			return nil, err
		}
		sources = append(sources, ids...)
	}
	// A parameter filtered to one target type reads the forward entries
	// of the one it filters (forwardKeys), and points at nothing else
	// (checked after the inner search, so a bad one is still an error).
	key := h.refParam.key
	if h.refParam.forward != "" {
		if h.refParam.forwardType != c.typ {
			return newIDSet(nil), nil
		}
		key = h.refParam.forward
	}
	var out []string
	prefix := c.typ + "/"
	for _, src := range newIDSet(sources) {
		r := prefixRange(appendStr([]byte{'f'}, src))
		err := scan(ctx, rd, h.source, key, r, func(v []byte, id string) {
			if id != src {
				return
			}
			_, rest, err := readStr(v[1:])
			if err != nil {
				return
			}
			if ref, _, err := readStr(rest); err == nil && strings.HasPrefix(ref, prefix) {
				out = append(out, ref[len(prefix):])
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return newIDSet(out), nil
}
