package mapping

import "testing"

// Snippets of MedicationRequest-medrx0302.json and Patient-null.json.
func TestDosageAndBinary(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "a Dosage without dose or rate is left alone",
		in:   `{"resourceType":"MedicationStatement","status":"active","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"dosage":[{"text":"as needed","timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}}}]}`,
		want: `{"resourceType":"MedicationStatement","status":"active","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"dosage":[{"text":"as needed","timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}}}]}`,
	}, {
		name: "a contained Binary's content becomes data",
		in:   `{"resourceType":"Patient","contained":[{"resourceType":"Binary","id":"pic1","contentType":"image/gif","content":"R0lGODlhEwARAPcAAAAAAAAA"}],"photo":[{"contentType":"image/gif","url":"#pic1"}]}`,
		want: `{"resourceType":"Patient","contained":[{"resourceType":"Binary","id":"pic1","contentType":"image/gif","data":"R0lGODlhEwARAPcAAAAAAAAA"}],"photo":[{"contentType":"image/gif","url":"#pic1"}]}`,
	}})
}
