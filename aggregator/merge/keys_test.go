package merge

import (
	"slices"
	"testing"
)

func TestKeys(t *testing.T) {
	for _, tc := range []struct {
		name, res string
		want      []string
	}{
		{"patient identifiers sorted, deduplicated", `{"resourceType":"Patient","identifier":[
			{"system":"urn:b","value":"2"},{"system":"urn:a","value":"1"},{"system":"urn:b","value":"2","use":"old"}]}`,
			[]string{"urn:a|1", "urn:b|2"}},
		{"incomplete identifiers are no keys", `{"resourceType":"Practitioner","identifier":[{"value":"1"},{"system":"urn:a"}]}`, nil},
		{"organization", `{"resourceType":"Organization","identifier":[{"system":"urn:ods","value":"A1"}]}`, []string{"urn:ods|A1"}},
		{"person", `{"resourceType":"Person","identifier":[{"system":"urn:p","value":"x"}]}`, []string{"urn:p|x"}},
		{"medication by coding, case kept", `{"resourceType":"Medication","identifier":[{"system":"urn:i","value":"9"}],
			"code":{"coding":[{"system":"http://snomed.info/sct","code":"ABC"},{"system":"http://snomed.info/sct","code":"abc"},{"code":"x"}]}}`,
			[]string{"http://snomed.info/sct|ABC", "http://snomed.info/sct|abc"}},
		{"copied type has none", `{"resourceType":"Observation","identifier":[{"system":"urn:a","value":"1"}]}`, nil},
		{"wrong kinds are skipped", `{"resourceType":"Patient","identifier":{"system":"urn:a","value":"1"}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Keys(parse(t, tc.res)); !slices.Equal(got, tc.want) {
				t.Errorf("Keys = %q, want %q", got, tc.want)
			}
		})
	}
	if Keys(nil) != nil {
		t.Error("Keys(nil) is not nil")
	}
}
