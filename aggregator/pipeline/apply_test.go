package pipeline

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// Resources of the tests. NHS number 9000000009 is valid (modulus 11);
// 9000000001 is not.
func patient(id, nhs, family string) string {
	return fmt.Sprintf(`{"resourceType":"Patient","id":%q,"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":%q}],"name":[{"family":%q}]}`, id, nhs, family)
}

func observation(id, subject string) string {
	return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final","code":{"text":"pulse"},"subject":{"reference":%q}}`, id, subject)
}

func encounter(id, subject string) string {
	return fmt.Sprintf(`{"resourceType":"Encounter","id":%q,"status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":%q}}`, id, subject)
}

// TestBehaviour runs one scripted history per behaviour and checks the
// outcomes and the downstream set after it.
func TestBehaviour(t *testing.T) {
	a, b := spec("acme-gp", "acme"), spec("bravo-gp", "bravo")
	type step struct {
		src     string // "a" or "b"
		changes []changefeed.Change
	}
	cases := []struct {
		name  string
		steps []step
		// want maps "source Type/id" to the expected status (and rule or
		// waitingFor after a colon).
		want map[string]string
		// downstream is the expected number of live downstream resources.
		downstream int
	}{
		{
			name: "pending until the target arrives, in a later page",
			steps: []step{
				{"a", []changefeed.Change{put(1, observation("o1", "Patient/p1"))}},
				{"a", []changefeed.Change{put(1, patient("p1", "9000000009", "Smith"))}},
			},
			want:       map[string]string{"a Observation/o1": "accepted", "a Patient/p1": "accepted"},
			downstream: 2,
		},
		{
			name: "still pending while the target is absent",
			steps: []step{
				{"a", []changefeed.Change{put(1, observation("o1", "Patient/p1")), put(1, encounter("e1", "Patient/p1"))}},
			},
			want:       map[string]string{"a Observation/o1": "pending:Patient/p1", "a Encounter/e1": "pending:Patient/p1"},
			downstream: 0,
		},
		{
			name: "a reference to an excluded target excludes the referrer",
			steps: []step{
				{"a", []changefeed.Change{put(1, patient("p1", "9000000001", "Bad")), put(1, observation("o1", "Patient/p1"))}},
			},
			want:       map[string]string{"a Patient/p1": "excluded:nhs-number-invalid", "a Observation/o1": "excluded:reference-excluded"},
			downstream: 0,
		},
		{
			name: "a fixed target brings its referrers back",
			steps: []step{
				{"a", []changefeed.Change{put(1, patient("p1", "9000000001", "Bad")), put(1, observation("o1", "Patient/p1"))}},
				{"a", []changefeed.Change{put(2, patient("p1", "9000000009", "Good"))}},
			},
			want:       map[string]string{"a Patient/p1": "accepted", "a Observation/o1": "accepted"},
			downstream: 2,
		},
		{
			name: "a deleted target makes its referrers pending again",
			steps: []step{
				{"a", []changefeed.Change{put(1, patient("p1", "9000000009", "S")), put(1, observation("o1", "Patient/p1"))}},
				{"a", []changefeed.Change{del(2, "Patient", "p1")}},
			},
			want:       map[string]string{"a Observation/o1": "pending:Patient/p1"},
			downstream: 0,
		},
		{
			name: "two customers' patients sharing an NHS number are one",
			steps: []step{
				{"a", []changefeed.Change{put(1, patient("p1", "9000000009", "Smith")), put(1, observation("o1", "Patient/p1"))}},
				{"b", []changefeed.Change{put(1, patient("q1", "9000000009", "Smyth")), put(1, observation("o2", "Patient/q1"))}},
			},
			want:       map[string]string{"a Patient/p1": "accepted", "b Patient/q1": "accepted", "a Observation/o1": "accepted", "b Observation/o2": "accepted"},
			downstream: 3,
		},
		{
			name: "deleting one contributor recomputes, the last deletes the merge",
			steps: []step{
				{"a", []changefeed.Change{put(1, patient("p1", "9000000009", "Smith"))}},
				{"b", []changefeed.Change{put(1, patient("q1", "9000000009", "Smyth"))}},
				{"a", []changefeed.Change{del(2, "Patient", "p1")}},
				{"b", []changefeed.Change{del(2, "Patient", "q1")}},
			},
			want:       map[string]string{},
			downstream: 0,
		},
		{
			name: "an update replaces the previous version",
			steps: []step{
				{"a", []changefeed.Change{put(1, observation("o1", "Patient/p1")), put(1, patient("p1", "9000000009", "Smith"))}},
				{"a", []changefeed.Change{put(2, patient("p1", "9000000009", "Jones"))}},
			},
			want:       map[string]string{"a Patient/p1": "accepted", "a Observation/o1": "accepted"},
			downstream: 2,
		},
		{
			name: "a replayed page changes nothing",
			steps: []step{
				{"a", []changefeed.Change{put(1, patient("p1", "9000000009", "Smith")), put(2, patient("p1", "9000000009", "Jones"))}},
				{"a", []changefeed.Change{put(1, patient("p1", "9000000009", "Smith"))}},
			},
			want:       map[string]string{"a Patient/p1": "accepted"},
			downstream: 1,
		},
		{
			name: "a cycle is accepted once its last absent target arrives",
			steps: []step{
				{"a", []changefeed.Change{
					put(1, `{"resourceType":"Patient","id":"p1","identifier":[{"system":"s","value":"1"}],"link":[{"other":{"reference":"Patient/p2"},"type":"seealso"}],"managingOrganization":{"reference":"Organization/x"}}`),
					put(1, `{"resourceType":"Patient","id":"p2","identifier":[{"system":"s","value":"2"}],"link":[{"other":{"reference":"Patient/p1"},"type":"seealso"}]}`),
				}},
				{"a", []changefeed.Change{put(1, `{"resourceType":"Organization","id":"x","name":"X"}`)}},
			},
			want:       map[string]string{"a Patient/p1": "accepted", "a Patient/p2": "accepted", "a Organization/x": "accepted"},
			downstream: 3,
		},
		{
			name: "a resource that fails R4 validation is excluded with the validator's expression",
			steps: []step{
				{"a", []changefeed.Change{put(1, `{"resourceType":"Observation","id":"o1","code":{"text":"x"}}`)}},
			},
			want:       map[string]string{"a Observation/o1": "excluded:r4-invalid"},
			downstream: 0,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			for _, s := range tc.steps {
				src := a
				if s.src == "b" {
					src = b
				}
				e.apply(src, false, s.changes...)
				e.checkInvariants()
			}
			for k, want := range tc.want {
				name, ref, _ := strings.Cut(k, " ")
				typ, id, _ := strings.Cut(ref, "/")
				src := map[string]string{"a": a.Name, "b": b.Name}[name]
				o := e.outcome(src, typ, id)
				got := o.Status
				switch o.Status {
				case StatusExcluded:
					got += ":" + o.Rule
				case StatusPending:
					got += ":" + o.WaitingFor
				}
				if got != want {
					t.Errorf("%s: %s, want %s (%+v)", k, got, want, o)
				}
			}
			if down := e.downstream(); len(down) != tc.downstream {
				t.Errorf("downstream has %d resources, want %d: %v", len(down), tc.downstream, keys(down))
			}
		})
	}
}

// TestReplay: which changes count as already applied, outside and during
// a Reset's replay (stored: Patient/p1 at version 2).
func TestReplay(t *testing.T) {
	a := spec("acme-gp", "acme")
	e := newEnv(t)
	v2 := put(2, patient("p1", "9000000009", "Two"))
	e.apply(a, false, put(1, patient("p1", "9000000009", "One")), v2)
	e.apply(a, false, put(1, patient("d1", "9000000017", "D")), del(2, "Patient", "d1"))
	cases := []struct {
		name      string
		ch        changefeed.Change
		resetting bool
		skip      bool
		want      bool
	}{
		{"an older version", put(1, patient("p1", "9000000009", "One")), false, false, true},
		{"the same version", v2, false, false, true},
		{"a newer version", put(3, patient("p1", "9000000009", "Three")), false, false, false},
		{"an unknown resource", put(1, patient("p9", "9000000009", "N")), false, false, false},
		{"resetting: the same version and content", v2, true, false, true},
		{"resetting: the same version, other content", put(2, patient("p1", "9000000009", "Other")), true, false, false},
		{"resetting: an older version", put(1, patient("p1", "9000000009", "One")), true, false, false},
		{"resetting: not prepared yet", v2, true, true, false},
		{"resetting: the same delete", del(2, "Patient", "d1"), true, false, true},
		{"resetting: a delete of a live one", del(2, "Patient", "p1"), true, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prep := e.p.prepare(a, e.p.checker(a.Base), false, tc.ch)
			prep.skip = tc.skip
			got, err := e.p.newBatch().replay(prep, tc.resetting)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("replay = %v, want %v", got, tc.want)
			}
		})
	}
}
