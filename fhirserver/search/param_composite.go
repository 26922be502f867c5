package search

import (
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirpath"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// compositeValues indexes one tuple per combination of component values
// found on the same element: 'x' followed by one string piece per
// component, each piece holding the index keys of one value of that
// component (as strings, one after the other), so a query compares each
// part with the plan its component type makes and any key of the value
// may match. A tuple per value rather than per key keeps a code with a
// quantity one entry instead of six.
func (e *Engine) compositeValues(p *param, elems []fhirpath.Item, r *indexed) []indexValue {
	var out []indexValue
	pieces := make([][][]byte, len(p.comp))
	for _, el := range elems {
		// The last component first: it is the value (code-value-date), and
		// most elements have no value of its type, so they cost one
		// evaluation rather than every component's.
		empty := false
		for i := len(p.comp) - 1; i >= 0 && !empty; i-- {
			pieces[i] = e.componentPieces(p.comp[i], el, r)
			empty = len(pieces[i]) == 0
		}
		if empty {
			continue
		}
		tuples := [][]byte{{'x'}}
		for _, pcs := range pieces {
			var next [][]byte
			for _, t := range tuples {
				for _, pc := range pcs {
					if len(next) < maxCompositeTuples {
						next = append(next, appendStr(append([]byte(nil), t...), string(pc)))
					}
				}
			}
			tuples = next
		}
		out = append(out, indexValue{keys: tuples})
	}
	return out
}

// componentPieces returns one piece per value of component c on the
// element el: the value's index keys, each as a string. It evaluates with
// r's evaluator, whose previous items (el among them) stay valid.
func (e *Engine) componentPieces(c component, el fhirpath.Item, r *indexed) [][]byte {
	items, err := r.ev.EvaluateOn(c.expr, []fhirpath.Item{el})
	if err != nil {
		return nil
	}
	var vals []indexValue
	if c.typ == "token" {
		vals = tokenValuesOf(toItems(items), false, false, nil)
	} else {
		vals = e.values(&param{typ: c.typ}, "", items, r)
	}
	var pieces [][]byte
	for _, v := range vals {
		var piece []byte
		for _, k := range v.keys {
			// A token part is queried as code, system|code or system|
			// ('k' and 'c'); leaving out text and type keys keeps the
			// entry small.
			if c.typ == "token" && k[0] != 'k' && k[0] != 'c' {
				continue
			}
			piece = appendStr(piece, string(k))
		}
		if piece != nil {
			pieces = append(pieces, piece)
		}
	}
	return pieces
}

// pieceMatches reports whether one of the keys a composite piece holds
// satisfies sp.
func pieceMatches(sp valuePlan, piece string) bool {
	rest := []byte(piece)
	for len(rest) > 0 {
		k, r, err := readStr(rest)
		if err != nil {
			return false
		}
		if sp.matches([]byte(k)) {
			return true
		}
		rest = r
	}
	return false
}

// compositePlan compiles a$b$… : each part by its component's type, matched
// against the tuple's pieces in a filter over the parameter's 'x' entries.
func (e *Engine) compositePlan(p *param, name, value string) (valuePlan, error) {
	parts := splitUnescaped(value, '$')
	if len(parts) != len(p.comp) {
		return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s needs %d $-separated values, got %q", name, len(p.comp), value)
	}
	subs := make([]valuePlan, len(parts))
	for i, part := range parts {
		sp, err := e.simplePlan(&param{code: name, typ: p.comp[i].typ}, name, "", part)
		if err != nil {
			return valuePlan{}, err
		}
		subs[i] = sp
	}
	filter := func(v []byte) bool {
		rest := v[1:]
		for _, sp := range subs {
			piece, r, err := readStr(rest)
			if err != nil || !pieceMatches(sp, piece) {
				return false
			}
			rest = r
		}
		return true
	}
	return valuePlan{ranges: []scanRange{{lo: []byte{'x'}, hi: []byte{'x' + 1}, filter: filter}}}, nil
}

// matches reports whether one index value satisfies the plan.
func (p valuePlan) matches(v []byte) bool {
	for _, r := range p.ranges {
		if string(v) >= string(r.lo) && (r.hi == nil || string(v) < string(r.hi)) && (r.filter == nil || r.filter(v)) {
			return !p.negate
		}
	}
	return p.negate
}
