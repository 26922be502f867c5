package rest

import (
	"net/http"
	"net/url"
	"testing"
)

func TestCriteria(t *testing.T) {
	for _, s := range []string{"identifier=a|b", "Patient?identifier=a|b", "?identifier=a|b"} {
		q, err := criteria(s, "Patient", "If-None-Exist")
		if err != nil || q.Get("identifier") != "a|b" {
			t.Errorf("criteria(%q) = %v, %v", s, q, err)
		}
	}
	if _, err := criteria("", "Patient", "x"); err == nil {
		t.Error("empty criteria accepted")
	}
	cond, err := conditionFromQuery(url.Values{"_format": {"json"}, "name": {"x"}}, "x")
	if err != nil || len(cond) != 1 {
		t.Errorf("conditionFromQuery kept %v (%v)", cond, err)
	}
	if _, err := conditionFromQuery(url.Values{"_pretty": {"true"}}, "x"); err == nil {
		t.Error("formatting parameters alone are not criteria")
	}
}

func TestIfMatch(t *testing.T) {
	for in, want := range map[string]int64{"": 0, `W/"3"`: 3, `"4"`: 4} {
		h := http.Header{}
		h.Set("If-Match", in)
		if got, err := ifMatch(h); err != nil || got != want {
			t.Errorf("ifMatch(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{`W/"x"`, `W/"0"`, `*`} {
		h := http.Header{}
		h.Set("If-Match", in)
		if _, err := ifMatch(h); err == nil {
			t.Errorf("ifMatch(%q) accepted", in)
		}
	}
}
