package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Issue 15, item 8: the server accepted decimals it could not index
// (1e2147483648 was missed by gt100, a zero with a huge exponent by eq0,
// and :missing=true listed them all). Now a value is either in the
// supported range and found, or refused with a 400 naming its path.

func TestContractDecimalRange(t *testing.T) {
	cs := startContract(t, "R4")
	obs := func(value string) string {
		return `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":` + value + `}}`
	}
	for _, v := range []string{"1e2147483648", "-1e9223372036854775809"} {
		t.Run("refused "+v, func(t *testing.T) {
			oo := wantOutcome(t, cs.call(t, "POST", "/Observation", obs(v), nil), http.StatusBadRequest, "value")
			if ex := issueExpressions(oo); !slices.Equal(ex, []string{"Observation.valueQuantity.value"}) {
				t.Fatalf("expressions %v, want [Observation.valueQuantity.value]", ex)
			}
		})
	}
	zero := createdAt(t, cs, obs("0e99999999999999999999"))
	big := createdAt(t, cs, obs("1e4000"))
	none := createdAt(t, cs, `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`)
	cases := []struct {
		query string
		want  []string
	}{
		{"value-quantity=eq0", []string{zero}},
		{"value-quantity=0", []string{zero}},
		{"value-quantity=gt100", []string{big}},
		{"value-quantity=1e4000", []string{big}},
		{"value-quantity=ge0", []string{zero, big}},
		{"value-quantity:missing=true", []string{none}},
		{"value-quantity:missing=false", []string{zero, big}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			// _elements leaves the values out: encoding/json cannot decode 1e4000.
			resp := cs.call(t, "GET", "/Observation?_elements=status&"+c.query, "", nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			if got := bundleIDs(t, jsonOf(t, resp), "match"); !sameSet(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	for _, v := range []string{"gt1e999999999999", "1e2147483648", "lt-1e4001"} {
		t.Run("query "+v, func(t *testing.T) {
			resp := cs.call(t, "GET", "/Observation?value-quantity="+url.QueryEscape(v), "", nil)
			oo := wantOutcome(t, resp, http.StatusBadRequest, "")
			if ex := issueExpressions(oo); !slices.Equal(ex, []string{"value-quantity"}) {
				t.Fatalf("expressions %v, want [value-quantity]", ex)
			}
		})
	}
}

// TestContractDecimalDigitsSTU3: STU3 decimals have no exponent, so only
// the digit count can leave the range; it is refused the same way.
func TestContractDecimalDigitsSTU3(t *testing.T) {
	cs := startContract(t, "STU3")
	body := `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1` + strings.Repeat("0", 4000) + `}}`
	oo := wantOutcome(t, cs.call(t, "POST", "/Observation", body, nil), http.StatusBadRequest, "value")
	if ex := issueExpressions(oo); !slices.Equal(ex, []string{"Observation.valueQuantity.value"}) {
		t.Fatalf("expressions %v, want [Observation.valueQuantity.value]", ex)
	}
	createdAt(t, cs, `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1`+strings.Repeat("0", 3999)+`}}`)
}

// createdAt creates an Observation and returns "Observation/id" from the
// Location header: these bodies hold numbers encoding/json cannot decode.
func createdAt(t *testing.T, cs *contractServer, body string) string {
	t.Helper()
	resp := cs.call(t, "POST", "/Observation", body, map[string]string{"Prefer": "return=minimal"})
	if resp.Status != http.StatusCreated {
		t.Fatalf("create: status %d: %s", resp.Status, resp.Body)
	}
	_, rest, _ := strings.Cut(resp.Header.Get("Location"), "/Observation/")
	id, _, _ := strings.Cut(rest, "/")
	return "Observation/" + id
}
