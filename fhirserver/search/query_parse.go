package search

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// clause is one occurrence of a filtering parameter: its values are ORed,
// clauses are ANDed.
type clause struct {
	key      string // the parameter as written, for messages and the self link
	typ      string // resource type the clause filters
	param    *param // nil for _has and chains
	modifier string
	values   []string
	chain    *chainClause
	has      *hasClause
	missing  bool // :missing (values are true/false)
	negate   bool // token :not
}

// query is a parsed search: the filters and the result parameters.
type query struct {
	clauses    []*clause
	sort       []sortKey
	count      int
	total      string // none, estimate, accurate
	summary    string
	includes   []includeSpec
	revinclude []includeSpec
	self       url.Values
	unknown    []string
}

// maxChainDepth bounds chaining and _has nesting together: each level is a
// search of its own, and no real query needs more.
const maxChainDepth = 8

// resultParams are understood but not filters; the REST layer applies the
// ones that shape each resource (_elements, _summary other than count).
var resultParams = map[string]bool{
	"_sort": true, "_count": true, "_total": true, "_summary": true, "_elements": true,
	"_include": true, "_revinclude": true, "_contained": true, "_containedType": true,
	"_format": true, "_pretty": true,
}

// parseQuery parses params for resource type typ.
func (e *Engine) parseQuery(typ string, params url.Values) (*query, error) {
	q := &query{count: e.opts.DefaultCount, total: "none", self: url.Values{}}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	asWritten := params
	if e.v.Name == "STU3" && typ == "Location" && params.Has(nearParam) {
		// STU3 splits near into two parameters; fold the distance in.
		merged := url.Values{}
		for k, v := range params {
			merged[k] = v
		}
		var vals []string
		for _, v := range params[nearParam] {
			vals = append(vals, stu3Near(v, params.Get(nearDistanceParam)))
		}
		merged[nearParam] = vals
		delete(merged, nearDistanceParam)
		if d := params.Get(nearDistanceParam); d != "" {
			q.self.Set(nearDistanceParam, d)
		}
		params = merged
		keys = keys[:0]
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	for _, k := range keys {
		vals := params[k]
		if resultParams[k] || strings.HasPrefix(k, "_include:") || strings.HasPrefix(k, "_revinclude:") {
			if err := e.parseResultParam(typ, q, k, vals); err != nil {
				return nil, err
			}
			continue
		}
		for _, v := range vals {
			c, err := e.parseClause(typ, k, v)
			if err != nil {
				return nil, err
			}
			if c == nil {
				q.unknown = append(q.unknown, k)
				break
			}
			q.clauses = append(q.clauses, c)
			q.self.Add(k, v)
		}
	}
	if asWritten.Has(nearParam) && q.self.Has(nearParam) {
		q.self[nearParam] = asWritten[nearParam] // as the client wrote it
	}
	return q, nil
}

// parseClause parses one key=value; nil, nil for an unknown parameter.
func (e *Engine) parseClause(typ, key, value string) (*clause, error) {
	if value == "" {
		return nil, errEmpty(key)
	}
	if strings.Count(key, ".")+strings.Count(key, "_has:") > maxChainDepth {
		return nil, outcome.BadRequest(outcome.CodeTooCostly, key, "%s chains more than %d levels", key, maxChainDepth)
	}
	if strings.HasPrefix(key, "_has:") {
		h, err := e.parseHas(typ, key)
		if err != nil || h == nil {
			return nil, err
		}
		return &clause{key: key, typ: typ, has: h, values: splitOr(value)}, nil
	}
	name, rest, hasDot := strings.Cut(key, ".")
	code, modifier, _ := strings.Cut(name, ":")
	p := e.reg.lookup(typ, code)
	if p == nil || p.expr == nil {
		return nil, nil
	}
	c := &clause{key: key, typ: typ, param: p, modifier: modifier, values: splitOr(value)}
	if hasDot {
		if p.typ != "reference" {
			return nil, outcome.BadRequest(outcome.CodeInvalid, key, "%s is not a reference parameter and cannot be chained", code)
		}
		ch, err := e.parseChain(p, modifier, rest, key)
		if err != nil || ch == nil {
			return nil, err
		}
		c.chain, c.modifier = ch, ""
		return c, nil
	}
	switch modifier {
	case "missing":
		if value != "true" && value != "false" {
			return nil, outcome.BadRequest(outcome.CodeInvalid, key, "%s:missing must be true or false, got %q", code, value)
		}
		c.missing = true
		return c, nil
	case "not":
		if p.typ != "token" {
			return nil, unsupportedModifier(key, modifier)
		}
		c.negate = true
	}
	// Compile now so malformed values are a 400 before anything runs.
	for _, v := range c.values {
		if _, err := e.simplePlan(p, key, c.modifier, v); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// r4OnlyModifier reports a search modifier FHIR R4 added: an STU3 server
// refuses it rather than answering with R4 semantics.
func r4OnlyModifier(m string) bool { return m == "of-type" || m == "identifier" }

// simplePlan compiles one value of a non-chained parameter. key is the
// parameter as written, with its modifier; the plans add the modifier to
// the name in their messages themselves, so they get the bare name (else
// "code:of-type:of-type") and their errors get key back as expression.
func (e *Engine) simplePlan(p *param, key, modifier, value string) (valuePlan, error) {
	vp, err := e.modifiedPlan(p, key, modifier, value)
	if err == nil && p.expr != nil {
		// A parameter with entries of its own (not a composite's
		// component, whose values are pieces of its tuples) has some of
		// them merged with its sort entries.
		vp = withTwin(vp)
	}
	return vp, err
}

// modifiedPlan is simplePlan before the twin range.
func (e *Engine) modifiedPlan(p *param, key, modifier, value string) (valuePlan, error) {
	if modifier == "" {
		return e.planValue(p, key, modifier, value)
	}
	name := strings.TrimSuffix(key, ":"+modifier)
	if e.v.Name == "STU3" && r4OnlyModifier(modifier) {
		return valuePlan{}, outcome.BadRequest(outcome.CodeNotSupported, key, "modifier :%s of %s is new in R4; FHIR STU3 does not have it", modifier, name)
	}
	vp, err := e.planValue(p, name, modifier, value)
	if oe, ok := outcome.As(err); ok {
		for i := range oe.Issues {
			if ex := oe.Issues[i].Expression; len(ex) == 1 && ex[0] == name {
				oe.Issues[i].Expression = []string{key}
			}
		}
	}
	return vp, err
}

// planValue is simplePlan after the modifier checks.
func (e *Engine) planValue(p *param, key, modifier, value string) (valuePlan, error) {
	if value == "" {
		return valuePlan{}, errEmpty(key)
	}
	if isNear(p) {
		if modifier != "" {
			return valuePlan{}, unsupportedModifier(key, modifier)
		}
		return nearPlan(key, value)
	}
	switch p.typ {
	case "string":
		return stringPlan(key, modifier, value)
	case "token":
		return tokenPlan(key, modifier, value, p.systemless)
	case "reference":
		// A composite's component is a param without a definition: its
		// targets are unknown, so a bare id matches any type.
		var targets []string
		if p.def != nil {
			targets = p.def.Target
		}
		return e.refs().referencePlan(key, modifier, value, targets)
	case "uri":
		return uriPlan(key, modifier, value)
	case "composite":
		if modifier != "" {
			return valuePlan{}, unsupportedModifier(key, modifier)
		}
		return e.compositePlan(p, key, value)
	}
	if modifier != "" {
		return valuePlan{}, unsupportedModifier(key, modifier)
	}
	switch p.typ {
	case "date":
		return datePlan(key, value, e.now())
	case "number":
		return numberPlan(key, value)
	case "quantity":
		return quantityPlan(key, value)
	}
	return valuePlan{}, outcome.BadRequest(outcome.CodeNotSupported, key, "parameter %s of type %s is not supported", key, p.typ)
}

// splitOr splits a value at unescaped commas.
func splitOr(v string) []string { return splitUnescaped(v, ',') }

func (e *Engine) parseResultParam(typ string, q *query, k string, vals []string) error {
	last := vals[len(vals)-1]
	switch {
	case k == "_count":
		n, err := strconv.Atoi(last)
		if err != nil || n < 0 {
			return outcome.BadRequest(outcome.CodeInvalid, k, "_count must be a non-negative integer, got %q", last)
		}
		q.count = min(n, e.opts.MaxCount)
		q.self.Set(k, strconv.Itoa(q.count))
	case k == "_total":
		switch last {
		case "none", "estimate", "accurate":
			q.total = last
			q.self.Set(k, last)
		default:
			return outcome.BadRequest(outcome.CodeInvalid, k, "_total must be none, estimate or accurate, got %q", last)
		}
	case k == "_summary":
		switch last {
		case "true", "false", "text", "data", "count":
			q.summary = last
			q.self.Set(k, last)
		default:
			return outcome.BadRequest(outcome.CodeInvalid, k, "_summary must be true, text, data, count or false, got %q", last)
		}
	case k == "_sort":
		keys, err := e.parseSort(typ, vals)
		if err != nil {
			return err
		}
		q.sort = keys
		q.self.Set(k, strings.Join(vals, ","))
	case strings.HasPrefix(k, "_include") || strings.HasPrefix(k, "_revinclude"):
		for _, v := range vals {
			spec, err := e.parseInclude(typ, k, v)
			if err != nil {
				return err
			}
			if strings.HasPrefix(k, "_include") {
				q.includes = append(q.includes, spec)
			} else {
				q.revinclude = append(q.revinclude, spec)
			}
			q.self.Add(k, v)
		}
	default: // _elements, _contained, _format, _pretty: applied by the REST layer
		q.self[k] = vals
	}
	return nil
}
