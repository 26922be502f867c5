package rest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// The aggregator's outcomes: what became of each version of this
// endpoint's resources downstream. The aggregator reports them here
// (POST /fhir/$aggregation-outcome), so the customer reads them from its own
// endpoint with its own token. They are application metadata beside the
// resources (storage.AppMetaAggOutcomes), never resources: no search, no
// history and no $changes ever shows them. docs/aggregator.md has the
// design.

// opAggOutcome is the operation's name in paths.
const opAggOutcome = "$aggregation-outcome"

// The statuses of an outcome.
const (
	aggAccepted = "accepted" // merged downstream, as Downstream
	aggExcluded = "excluded" // a rule left it out
	aggPending  = "pending"  // waits for WaitingFor
)

func validAggStatus(s string) bool { return s == aggAccepted || s == aggExcluded || s == aggPending }

// aggOutcome is the latest outcome reported for one resource: the record
// data of storage.AppMetaAggOutcomes, as JSON (a few short strings; the
// names are short because there is one record per resource).
type aggOutcome struct {
	Type       string `json:"-"`
	ID         string `json:"-"`
	VersionID  int64  `json:"v"`
	Status     string `json:"s"`
	Downstream string `json:"d,omitempty"` // accepted: Type/id downstream
	Rule       string `json:"r,omitempty"` // excluded: the rule's name
	Expression string `json:"e,omitempty"` // excluded: where in the resource
	Message    string `json:"m,omitempty"`
	WaitingFor string `json:"w,omitempty"` // pending: what it waits for
}

func (o *aggOutcome) key() string { return o.Type + "/" + o.ID }

func (o *aggOutcome) statusKey() string { return o.Status + "/" + o.key() }

func decodeAggOutcome(key string, data []byte) (*aggOutcome, error) {
	o := &aggOutcome{}
	if err := json.Unmarshal(data, o); err != nil {
		return nil, fmt.Errorf("aggregation outcome of %s: %w", key, err)
	}
	o.Type, o.ID, _ = strings.Cut(key, "/")
	return o, nil
}

// maxAggOutcomes bounds one report, like a batch's entries.
const maxAggOutcomes = maxBundleEntries

// parseAggOutcomes reads a report: a Parameters with one "outcome"
// parameter per resource, whose parts are reference (valueReference or
// valueString "Type/id"), versionId (valueId, valueString or
// valueInteger), status (valueCode), and by status downstream
// (accepted), rule and expression (excluded), waitingFor (pending), and
// message (any). isType says which types exist.
func parseAggOutcomes(p *fhirjson.Value, isType func(string) bool) ([]*aggOutcome, error) {
	params := p.Get("parameter")
	if params == nil || len(params.Items) == 0 {
		return nil, outcome.BadRequest(outcome.CodeRequired, "Parameters.parameter", "the report has no outcome parameter")
	}
	if len(params.Items) > maxAggOutcomes {
		return nil, outcome.BadRequest(outcome.CodeTooCostly, "Parameters.parameter", "a report holds at most %d outcomes, not %d", maxAggOutcomes, len(params.Items))
	}
	out := make([]*aggOutcome, 0, len(params.Items))
	for i, prm := range params.Items {
		at := fmt.Sprintf("Parameters.parameter[%d]", i)
		if prm.Str("name") != "outcome" {
			return nil, outcome.BadRequest(outcome.CodeValue, at+".name", "parameter %q is not outcome", prm.Str("name"))
		}
		o := &aggOutcome{}
		var ref, vid string
		parts := prm.Get("part")
		if parts == nil {
			return nil, outcome.BadRequest(outcome.CodeRequired, at+".part", "an outcome has parts")
		}
		fields := map[string]*string{
			"reference": &ref, "versionId": &vid, "status": &o.Status, "downstream": &o.Downstream,
			"rule": &o.Rule, "expression": &o.Expression, "message": &o.Message, "waitingFor": &o.WaitingFor,
		}
		for j, part := range parts.Items {
			f, ok := fields[part.Str("name")]
			if !ok {
				return nil, outcome.BadRequest(outcome.CodeValue, fmt.Sprintf("%s.part[%d].name", at, j), "unknown outcome part %q", part.Str("name"))
			}
			*f = partValue(part)
		}
		typ, id, ok := strings.Cut(ref, "/")
		if !ok || !isType(typ) || !validID(id) {
			return nil, outcome.BadRequest(outcome.CodeValue, at, "reference %q is not Type/id of a resource type of this server", ref)
		}
		o.Type, o.ID = typ, id
		n, err := strconv.ParseInt(vid, 10, 64)
		if err != nil || n < 1 {
			return nil, outcome.BadRequest(outcome.CodeValue, at, "versionId %q is not a version of this server", vid)
		}
		o.VersionID = n
		if !validAggStatus(o.Status) {
			return nil, outcome.BadRequest(outcome.CodeValue, at, "status %q is not accepted, excluded or pending", o.Status)
		}
		if o.Status == aggAccepted && o.Downstream == "" {
			return nil, outcome.BadRequest(outcome.CodeRequired, at, "an accepted outcome names its downstream reference")
		}
		if o.Status == aggExcluded && o.Rule == "" {
			return nil, outcome.BadRequest(outcome.CodeRequired, at, "an excluded outcome names its rule")
		}
		out = append(out, o)
	}
	return out, nil
}

// partValue is a part's value as text, from whichever value[x] it has
// (a Reference's reference).
func partValue(part *fhirjson.Value) string {
	for _, name := range []string{"valueString", "valueCode", "valueId"} {
		if s := part.Str(name); s != "" {
			return s
		}
	}
	if r := part.Get("valueReference"); r != nil {
		return r.Str("reference")
	}
	if n := part.Get("valueInteger"); n != nil {
		return n.Text
	}
	return ""
}

// resource is the OperationOutcome the customer reads for the current
// version cur of the resource: information when that version was
// accepted, error with the rule's expression when excluded, warning when
// pending or not processed yet (the outcome on record is for an older
// version, or there is none).
func (o *aggOutcome) resource(typ, id string, cur int64) *fhirjson.Value {
	var issue *fhirjson.Value
	at := fmt.Sprintf("%s/%s/_history/%d", typ, id, cur)
	var details string
	switch {
	case o == nil:
		issue = object("severity", "warning", "code", "incomplete",
			"diagnostics", at+": not yet processed by the aggregator")
	case o.VersionID < cur:
		issue = object("severity", "warning", "code", "incomplete",
			"diagnostics", fmt.Sprintf("%s: not yet processed by the aggregator (its last outcome, %s, is for version %d)", at, o.Status, o.VersionID))
	case o.Status == aggAccepted:
		issue = object("severity", "information", "code", "informational",
			"diagnostics", fmt.Sprintf("%s: accepted by the aggregator as %s%s", at, o.Downstream, suffix(o.Message)))
		details = o.Downstream
	case o.Status == aggExcluded:
		issue = object("severity", "error", "code", "business-rule",
			"diagnostics", fmt.Sprintf("%s: excluded by rule %s%s", at, o.Rule, suffix(o.Message)))
		if o.Expression != "" {
			issue.Set("expression", fhirjson.NewArray(fhirjson.NewString(o.Expression)))
		}
		details = o.Rule
	default:
		issue = object("severity", "warning", "code", "incomplete",
			"diagnostics", fmt.Sprintf("%s: pending, waiting for %s%s", at, cmp.Or(o.WaitingFor, "an unnamed condition"), suffix(o.Message)))
		details = o.WaitingFor
	}
	if details != "" {
		issue.Set("details", object("text", details))
	}
	r := object("resourceType", "OperationOutcome")
	r.Set("issue", fhirjson.NewArray(issue))
	return r
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}
