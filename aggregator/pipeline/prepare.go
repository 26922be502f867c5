package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/fhirfleet/fhirfleet/aggregator/mapping"
	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// prepared is one change made ready before the store's write section: parsed,
// mapped, checked and validated.
type prepared struct {
	ch     changefeed.Change
	member merge.Member
	// rec is the new state record (no outcome yet); nil for a delete.
	rec *stateRecord
	// res is the checked R4 resource when it passed the rules, and resJSON
	// its encoding; nil otherwise.
	res     *fhirjson.Value
	resJSON []byte
	// skip: a replay, found before the write section.
	skip bool
}

// prepare does the expensive, stateless part of a change: parse, map (STU3
// sources), check the rules and validate against R4. It needs no lock, so
// the pages of several sources are prepared in parallel.
func (p *Pipeline) prepare(src source.Spec, checker *rules.Checker, stu3 bool, ch changefeed.Change) prepared {
	out := prepared{ch: ch, member: memberOf(src.Name, ch)}
	if ch.Op == changefeed.OpDelete {
		return out
	}
	sum := sha256.Sum256(ch.Resource)
	rec := &stateRecord{
		Type: ch.Type, VersionID: ch.VersionID, LastUpdated: ch.LastUpdated.UTC(),
		Hash: hex.EncodeToString(sum[:16]), Customer: src.Customer, Base: src.Base,
	}
	out.rec = rec
	res, refs, v := p.check(checker, stu3, ch)
	if v != nil {
		rec.Violation = v
		return out
	}
	rec.Type = res.Str("resourceType")
	rec.Refs = refs
	out.res = res
	out.resJSON = fhirjson.Marshal(res)
	return out
}

// check returns the checked R4 resource and its distinct targets, or the
// first rule it breaks.
func (p *Pipeline) check(checker *rules.Checker, stu3 bool, ch changefeed.Change) (*fhirjson.Value, []ref, *violation) {
	res, err := fhirjson.Parse(ch.Resource)
	if err != nil || res.Kind != fhirjson.Object {
		return nil, nil, &violation{Rule: RuleNotResource, Expression: ch.Type, Message: "the change's body is not a JSON object"}
	}
	if rt := res.Str("resourceType"); rt != ch.Type {
		return nil, nil, &violation{Rule: RuleNotResource, Expression: ch.Type + ".resourceType",
			Message: "the change is of " + ch.Type + " but the body is a " + rt}
	}
	if stu3 {
		mapped, err := p.mapper.STU3ToR4(res)
		if err != nil {
			v := &violation{Rule: RuleMapping, Expression: ch.Type, Message: err.Error()}
			var me *mapping.Error
			if errors.As(err, &me) && me.Path != "" {
				v.Expression = me.Path
			}
			return nil, nil, v
		}
		res = mapped
	}
	result, err := checker.Check(res)
	if err != nil {
		return nil, nil, &violation{Rule: RuleNotResource, Expression: ch.Type, Message: err.Error()}
	}
	if result.Excluded {
		first := result.Violations[0]
		return nil, nil, &violation{Rule: string(first.Rule), Expression: first.Expression, Message: first.Message}
	}
	if oe := p.validator.ValidateValue(res); oe != nil {
		v := &violation{Rule: RuleR4Invalid, Expression: res.Str("resourceType"), Message: oe.Error()}
		if len(oe.Issues) > 0 {
			v.Message = oe.Issues[0].Diagnostics
			if len(oe.Issues[0].Expression) > 0 {
				v.Expression = oe.Issues[0].Expression[0]
			}
		}
		return nil, nil, v
	}
	return res, distinctRefs(result.References), nil
}

// distinctRefs lists the distinct targets in document order, each with the
// expression of its first occurrence.
func distinctRefs(all []rules.Ref) []ref {
	seen := map[[2]string]bool{}
	var out []ref
	for _, r := range all {
		k := [2]string{r.Type, r.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, ref{Type: r.Type, ID: r.ID, Expression: r.Expression})
	}
	return out
}

func memberOf(source string, ch changefeed.Change) merge.Member {
	return merge.Member{Source: source, Type: ch.Type, ID: ch.ID}
}
