package fhirpath

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

const testPatient = `{
  "resourceType": "Patient",
  "id": "example",
  "extension": [{"url": "http://example.org/ext/eye", "valueCode": "blue"}],
  "active": true,
  "name": [
    {"use": "official", "family": "Chalmers", "given": ["Peter", "James"]},
    {"use": "usual", "given": ["Jim"]},
    {"use": "maiden", "family": "Windsor", "given": ["Peter", "James"], "period": {"end": "2002"}}
  ],
  "telecom": [{"system": "phone", "value": "(03) 5555 6473", "use": "work", "rank": 1}],
  "gender": "male",
  "birthDate": "1974-12-25",
  "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime", "valueDateTime": "1974-12-25T14:35:45-05:00"}]},
  "deceasedBoolean": false,
  "contained": [{"resourceType": "Organization", "id": "org1", "name": "Acme"}],
  "managingOrganization": {"reference": "#org1"},
  "generalPractitioner": [{"reference": "Practitioner/p1"}, {"reference": "http://example.org/fhir/Organization/o2/_history/3"}]
}`

const testObservation = `{
  "resourceType": "Observation",
  "id": "o1",
  "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Body Weight"}]},
  "subject": {"reference": "Patient/example"},
  "effectiveDateTime": "2016-03-28",
  "valueQuantity": {"value": 67.50, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
  "component": [
    {"code": {"text": "a"}, "valueString": "x"},
    {"code": {"text": "b"}, "valueQuantity": {"value": 1.0, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g"}}
  ]
}`

func evalString(t *testing.T, expr, resource string, m Model) (string, error) {
	t.Helper()
	e, err := Compile(expr)
	if err != nil {
		return "", err
	}
	var res = mustJSON(t, resource)
	got, err := e.Evaluate(nil, res, m)
	if err != nil {
		return "", err
	}
	return render(got), nil
}

// TestEvalErrors checks the runtime errors the spec asks for.
func TestEvalErrors(t *testing.T) {
	tests := []struct{ expr, msg string }{
		{"Patient.name.given.substring(1)", "single input item"},
		{"Patient.name.given + 'x'", "needs single items"},
		{"Patient.name.given.first() < 1", "cannot compare"},
		{"%nope", "unknown variable %nope"},
		{"Patient.name.where(given)", "expected a single boolean"},
		{"'a'.matches('(')", "invalid regular expression"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := evalString(t, tc.expr, testPatient, defs.R4)
			var ee *EvalError
			if !errors.As(err, &ee) || !strings.Contains(ee.Msg, tc.msg) {
				t.Fatalf("want EvalError containing %q, got %v", tc.msg, err)
			}
		})
	}
}

// TestEnv covers what an evaluation may take besides the resource:
// variables, a %context inside the resource, a resolver, a fixed clock and
// a trace sink.
func TestEnv(t *testing.T) {
	res := mustJSON(t, testPatient)
	var traced []string
	env := &Env{
		Vars: map[string][]Item{"limit": {SystemItem(2)}, "who": {SystemItem("Jim")}},
		Resolve: func(ref string) (string, *fhirjson.Value, bool) {
			if ref == "Practitioner/p1" {
				return "Practitioner", mustJSON(t, `{"resourceType":"Practitioner","id":"p1","name":[{"family":"Careful"}]}`), true
			}
			return "", nil, false
		},
		Now: func() Temporal {
			tm, _ := ParseTemporal(KindDateTime, "2020-02-03T04:05:06.007Z")
			return tm
		},
		Trace: func(name string, items []Item) { traced = append(traced, name+"="+render(items)) },
	}
	tests := []struct{ expr, want string }{
		{"Patient.name.given.take(%limit)", "[Peter, James]"},
		{"Patient.name.where(given = %who).use", "[usual]"},
		{"Patient.generalPractitioner.resolve().name.family", "[Careful]"},
		{"Patient.managingOrganization.resolve()", "[]"}, // the resolver does not know #org1
		{"today()", "[2020-02-03]"},
		{"now()", "[2020-02-03T04:05:06.007Z]"},
		{"timeOfDay()", "[04:05:06.007]"},
		{"Patient.gender.trace('g', $this.upper())", "[male]"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := MustCompile(tc.expr).Evaluate(env, res, defs.R4)
			if err != nil {
				t.Fatal(err)
			}
			if render(got) != tc.want {
				t.Errorf("got %s, want %s", render(got), tc.want)
			}
		})
	}
	if len(traced) != 1 || traced[0] != "g=[MALE]" {
		t.Errorf("trace got %v", traced)
	}
}

// TestEvaluateOn evaluates relative to a node, as FHIRPath Patch does with
// its path, with %resource still the whole resource.
func TestEvaluateOn(t *testing.T) {
	res := mustJSON(t, testPatient)
	names, err := MustCompile("Patient.name[2]").Evaluate(nil, res, defs.R4)
	if err != nil || len(names) != 1 {
		t.Fatalf("got %v, %v", render(names), err)
	}
	got, err := MustCompile("given.first() & ' ' & family & ' of ' & %resource.id & ' ' & %context.use").EvaluateOn(nil, res, defs.R4, names)
	if err != nil {
		t.Fatal(err)
	}
	if render(got) != "[Peter Windsor of example maiden]" {
		t.Errorf("got %s", render(got))
	}
}

// TestConcurrentEvaluation shares one Expr between goroutines (run with
// -race to check it holds no mutable state).
func TestConcurrentEvaluation(t *testing.T) {
	res := mustJSON(t, testObservation)
	e := MustCompile("Observation.component.where(code.text = 'b').value.ofType(Quantity).value + $this.count()")
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				got, err := e.Evaluate(nil, res, defs.R4)
				if err != nil || render(got) != "[2.0]" {
					errs <- render(got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("got %s, want [2.0]", e)
	}
}

// TestMaxSteps checks the work bound: a quadratic expression fails with a
// clear error under a small budget and succeeds under the default.
func TestMaxSteps(t *testing.T) {
	res := mustJSON(t, testPatient)
	e := MustCompile("Patient.descendants().where(%resource.descendants().count() > 3).count()")
	if _, err := e.Evaluate(&Env{MaxSteps: 500}, res, defs.R4); err == nil || !strings.Contains(err.Error(), "exceeds 500 steps") {
		t.Errorf("small budget: got %v", err)
	}
	got, err := e.Evaluate(nil, res, defs.R4)
	if err != nil || len(got) != 1 {
		t.Errorf("default budget: got %s, %v", render(got), err)
	}
}

// TestEvaluatorReuse: one Evaluator gives every expression what a fresh
// evaluation gives, its earlier items (values and paths) survive the later
// evaluations, a failing expression leaves it usable, and EvaluateOn matches
// Expr.EvaluateOn.
func TestEvaluatorReuse(t *testing.T) {
	res := mustJSON(t, testObservation)
	exprs := []string{
		"Observation.code.coding", "Observation.value.ofType(Quantity)", "Observation.component.where(code.text = 'b').value",
		"%resource.id", "Observation.subject.reference", "Observation.component.code.text + 'x'", "Observation.status",
	}
	ev := NewEvaluator(nil, res, defs.R4)
	got := map[string][]Item{}
	var errs []error
	for _, src := range exprs {
		e, err := Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		items, err := ev.Evaluate(e)
		got[src] = items
		errs = append(errs, err)
	}
	for i, src := range exprs {
		e, _ := Compile(src)
		want, wantErr := e.Evaluate(nil, res, defs.R4)
		if (errs[i] == nil) != (wantErr == nil) {
			t.Errorf("%s: error %v, want %v", src, errs[i], wantErr)
			continue
		}
		if render(got[src]) != render(want) {
			t.Errorf("%s: %s, want %s", src, render(got[src]), render(want))
		}
		for j := range want {
			if got[src][j].Path() != want[j].Path() {
				t.Errorf("%s: item %d at %s, want %s", src, j, got[src][j].Path(), want[j].Path())
			}
		}
	}
	if errs[5] == nil {
		t.Error("+ over two items: the failing case did not fail")
	}
	comps := got["Observation.component.where(code.text = 'b').value"]
	onExpr, _ := Compile("code")
	components, _ := mustCompile(t, "Observation.component").Evaluate(nil, res, defs.R4)
	for _, c := range components {
		a, errA := ev.EvaluateOn(onExpr, []Item{c})
		b, errB := onExpr.EvaluateOn(nil, res, defs.R4, []Item{c})
		if errA != nil || errB != nil || render(a) != render(b) || len(a) != 1 || a[0].Path() != b[0].Path() {
			t.Errorf("EvaluateOn %s: %s (%v), want %s (%v)", c.Path(), render(a), errA, render(b), errB)
		}
	}
	if len(comps) != 1 || comps[0].Path() != "Observation.component[1].valueQuantity" {
		t.Errorf("after EvaluateOn, an earlier item reads %s", render(comps))
	}
}

func mustCompile(t *testing.T, src string) *Expr {
	t.Helper()
	e, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
