package follow

import (
	"encoding/json"
	"strconv"
)

// ReportBody is the Parameters of POST $aggregation-outcome: one outcome
// parameter per resource, with the parts of docs/aggregator.md ("How they
// get there"): reference (valueReference), versionId (valueId), status
// (valueCode), and downstream, rule, expression, message, waitingFor
// (valueString) when set. It is exported for the contract tests, which
// check that a fhirserver takes what the aggregator sends.
func ReportBody(outcomes []Outcome) ([]byte, error) {
	type part struct {
		Name           string            `json:"name"`
		ValueString    string            `json:"valueString,omitempty"`
		ValueCode      string            `json:"valueCode,omitempty"`
		ValueID        string            `json:"valueId,omitempty"`
		ValueReference map[string]string `json:"valueReference,omitempty"`
	}
	type param struct {
		Name string `json:"name"`
		Part []part `json:"part"`
	}
	params := make([]param, 0, len(outcomes))
	for _, o := range outcomes {
		parts := []part{
			{Name: "reference", ValueReference: map[string]string{"reference": o.Type + "/" + o.ID}},
			{Name: "versionId", ValueID: strconv.FormatInt(o.VersionID, 10)},
			{Name: "status", ValueCode: o.Status},
		}
		for _, kv := range [...][2]string{{"downstream", o.Downstream}, {"rule", o.Rule}, {"expression", o.Expression},
			{"message", o.Message}, {"waitingFor", o.WaitingFor}} {
			if kv[1] != "" {
				parts = append(parts, part{Name: kv[0], ValueString: kv[1]})
			}
		}
		params = append(params, param{Name: "outcome", Part: parts})
	}
	return json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": params})
}
