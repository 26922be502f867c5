package search

import (
	"bytes"
	"context"
	"slices"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// sortKey is one _sort key.
type sortKey struct {
	code string
	desc bool
}

func (e *Engine) parseSort(typ string, vals []string) ([]sortKey, error) {
	var keys []sortKey
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			k := sortKey{code: s}
			if strings.HasPrefix(s, "-") {
				k = sortKey{code: s[1:], desc: true}
			}
			if typ != "" {
				if p := e.reg.lookup(typ, k.code); p == nil || p.expr == nil || p.typ == "composite" {
					return nil, outcome.BadRequest(outcome.CodeInvalid, "_sort", "cannot sort %s by %q", typ, k.code)
				}
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// indexed returns k with the code of the entries it reads on typ (a
// parameter's key, registry.go).
func (e *Engine) indexed(typ string, k sortKey) sortKey {
	if p := e.reg.lookup(typ, k.code); p != nil {
		k.code = p.key
	}
	return k
}

// hit is one matching resource with its sort keys (nil key: no value,
// which sorts last in both directions).
type hit struct {
	typ  string
	id   string
	keys [][]byte
	// rec is the resource when the streaming path loaded it to check it.
	rec *storage.Record
}

// sortKeys reads each match's sort keys from the parameter's sort entries:
// one entry per resource and parameter, so no resource body is loaded.
func (e *Engine) sortKeys(ctx context.Context, rd storage.Reader, typ string, hits []hit, keys []sortKey) error {
	if len(keys) == 0 {
		return nil
	}
	pos := make(map[string]int, len(hits))
	for i := range hits {
		pos[hits[i].id] = i
		hits[i].keys = make([][]byte, len(keys))
	}
	for k, sk := range keys {
		// Each resource has one entry in its direction's range.
		r := sortRange(sk.desc)
		if err := scan(ctx, rd, typ, e.indexed(typ, sk).code, r, func(v []byte, id string) {
			if i, ok := pos[id]; ok {
				hits[i].keys[k] = append([]byte(nil), v[1:]...)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// compareHits orders by the sort keys, then type, then id (a total order,
// so a cursor names one position exactly). Ties go the first key's way, as
// a reverse index scan returns them, so streamed and materialised pages
// agree.
func compareHits(keys []sortKey) func(a, b hit) int {
	tieDesc := len(keys) > 0 && keys[0].desc
	return func(a, b hit) int {
		for k, sk := range keys {
			var ka, kb []byte
			if k < len(a.keys) {
				ka = a.keys[k]
			}
			if k < len(b.keys) {
				kb = b.keys[k]
			}
			switch {
			case ka == nil && kb == nil:
				continue
			case ka == nil:
				return 1
			case kb == nil:
				return -1
			}
			c := bytes.Compare(ka, kb)
			if sk.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		c := strings.Compare(a.typ, b.typ)
		if c == 0 {
			c = strings.Compare(a.id, b.id)
		}
		if tieDesc {
			c = -c
		}
		return c
	}
}

func sortHits(hits []hit, keys []sortKey) {
	slices.SortFunc(hits, compareHits(keys))
}
