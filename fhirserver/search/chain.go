package search

import (
	"context"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// chainClause is the rest of a chained parameter: subject:Patient.name=x
// has targets [Patient] and inner key "name"; the inner key may chain again.
type chainClause struct {
	targets []string
	inner   string
}

// parseChain checks that some target type knows the next parameter; nil
// when none does (the parameter is then unknown).
func (e *Engine) parseChain(p *param, typeModifier, rest, key string) (*chainClause, error) {
	targets := p.def.Target
	if typeModifier != "" {
		if !e.reg.isType[typeModifier] {
			return nil, outcome.BadRequest(outcome.CodeInvalid, key, "%s: %s is not a resource type", key, typeModifier)
		}
		targets = []string{typeModifier}
	}
	nextCode, _, _ := strings.Cut(rest, ".")
	nextCode, _, _ = strings.Cut(nextCode, ":")
	var ok []string
	for _, t := range targets {
		if np := e.reg.lookup(t, nextCode); np != nil && np.expr != nil {
			ok = append(ok, t)
		}
	}
	if len(ok) == 0 {
		if typeModifier != "" || len(targets) == 1 {
			return nil, outcome.BadRequest(outcome.CodeInvalid, key, "%s: no target type of %s has a parameter %s", key, p.code, nextCode)
		}
		return nil, nil
	}
	return &chainClause{targets: ok, inner: rest}, nil
}

// chainIDs finds the targets matching the inner parameter, then the
// resources whose reference points at one of them.
func (e *Engine) chainIDs(ctx context.Context, rd storage.Reader, c *clause) (idSet, error) {
	var out []string
	for _, t := range c.chain.targets {
		var inner idSet
		for _, v := range c.values {
			ic, err := e.parseClause(t, c.chain.inner, v)
			if err != nil {
				return nil, err
			}
			if ic == nil {
				continue
			}
			ids, err := e.clauseIDs(ctx, rd, ic)
			if err != nil {
				return nil, err
			}
			inner = append(inner, ids...)
		}
		for _, id := range newIDSet(inner) {
			r := exactRange(appendStr([]byte{'r'}, t+"/"+id))
			if err := scan(ctx, rd, c.typ, c.param.key, r, func(_ []byte, src string) { out = append(out, src) }); err != nil {
				return nil, err
			}
		}
	}
	return newIDSet(out), nil
}
