package rules

import (
	"errors"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestCheckNotAResource(t *testing.T) {
	c := New(Config{})
	for _, doc := range []string{`[]`, `"x"`, `{}`, `{"resourceType":1}`, `{"resourceType":"Foo"}`, `{"resourceType":"DomainResource"}`} {
		v, err := fhirjson.Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Check(v); !errors.Is(err, ErrNotResource) {
			t.Errorf("Check(%s) error %v, want ErrNotResource", doc, err)
		}
	}
	if _, err := c.Check(nil); !errors.Is(err, ErrNotResource) {
		t.Errorf("Check(nil) error %v, want ErrNotResource", err)
	}
}

func TestCheckResourceUnsupportedType(t *testing.T) {
	c := New(Config{Aggregated: func(typ string) bool { return typ == "Patient" }})
	r, _ := checkWith(t, c, `{"resourceType":"Basic","code":{"text":"x"}}`)
	want := []string{"resource-unsupported-type@Basic"}
	if got := violations(r); !slices.Equal(got, want) {
		t.Fatalf("violations %q, want %q", got, want)
	}
}

func TestSourceBaseTrailingSlash(t *testing.T) {
	c := New(Config{SourceBase: testBase + "/"})
	r, v := checkWith(t, c, obs(`{"reference":"https://acme-gp.example/fhir/Patient/1"}`))
	if r.Excluded || v.Get("subject").Str("reference") != "Patient/1" {
		t.Fatalf("got %q, %s", violations(r), fhirjson.Marshal(v))
	}
}

func TestNoSourceBase(t *testing.T) {
	r, _ := checkWith(t, New(Config{}), obs(`{"reference":"https://acme-gp.example/fhir/Patient/1"}`))
	want := []string{"reference-cross-server@Observation.subject"}
	if got := violations(r); !slices.Equal(got, want) {
		t.Fatalf("violations %q, want %q", got, want)
	}
}
