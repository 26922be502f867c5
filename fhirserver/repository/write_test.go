package repository

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// versions are the two FHIR releases the tests run against.
var versions = []*defs.Version{defs.R4, defs.STU3}

// TestVersionEntries: the _lastUpdated entries the serial section computes
// alone are the bytes a whole extraction gives the stamped resource, for
// types whose other parameters differ.
func TestVersionEntries(t *testing.T) {
	for _, ver := range versions {
		r, _ := newRepoOf(t, ver)
		for _, body := range []string{
			`{"resourceType":"Patient","id":"p","meta":{"lastUpdated":"2026-11-21T18:01:32.607670Z"},"name":[{"family":"x"}]}`,
			`{"resourceType":"Observation","id":"o","meta":{"lastUpdated":"2026-11-21T18:01:32.000001Z"},"status":"final","code":{"text":"x"}}`,
		} {
			res := mustParse(t, body)
			typ := res.Str("resourceType")
			full, err := r.search.IndexEntries(typ, res)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, en := range full {
				if en.Param == "_lastUpdated" {
					want = append(want, string(en.Value))
				}
			}
			lu, err := time.Parse(time.RFC3339Nano, res.Get("meta").Str("lastUpdated"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.versionEntries(typ, lu)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || len(got) != len(want) {
				t.Fatalf("%s %s: %d entries, want %d", ver.Name, typ, len(got), len(want))
			}
			for i := range got {
				if got[i].Param != "_lastUpdated" || string(got[i].Value) != want[i] {
					t.Errorf("%s %s: entry %d is %s %q, want _lastUpdated %q", ver.Name, typ, i, got[i].Param, got[i].Value, want[i])
				}
			}
		}
	}
}

// TestCommit walks one resource through every write and the conditional
// forms, checking what each did and what a client gets wrong.
func TestCommit(t *testing.T) {
	r, _ := newRepo(t)
	ctx := t.Context()
	commit := func(w *Write) (Result, error) { return r.Commit(ctx, w) }
	status := func(err error) int {
		if oe, ok := outcome.As(err); ok {
			return oe.Status
		}
		return 0
	}
	patient := `{"resourceType":"Patient","identifier":[{"system":"urn:s","value":"1"}],"meta":{"lastUpdated":"2000-01-01T00:00:00Z"}}`

	res, err := commit(&Write{Action: ActionCreate, Type: "Patient", Resource: parse(t, r, patient)})
	if err != nil || res.Effect != EffectCreated || !storage.IsServerID(res.Rec.ID) || res.Rec.VersionID != 1 {
		t.Fatalf("create = %+v, %v", res, err)
	}
	id := res.Rec.ID
	if stored := mustParse(t, string(res.Rec.JSON)); stored.Get("meta").Str("lastUpdated") == "2000-01-01T00:00:00Z" {
		t.Error("the client's meta.lastUpdated was kept")
	}
	ine := url.Values{"identifier": {"urn:s|1"}}
	res, err = commit(&Write{Action: ActionCreate, Type: "Patient", IfNoneExist: ine, Resource: parse(t, r, patient)})
	if err != nil || res.Effect != EffectMatched || res.Rec.ID != id {
		t.Fatalf("conditional create of an existing match = %+v, %v", res, err)
	}
	res, err = commit(&Write{Action: ActionUpdate, Type: "Patient", ID: id, IfMatch: 1, Resource: parse(t, r, patient)})
	if err != nil || res.Effect != EffectUpdated || res.Rec.VersionID != 2 {
		t.Fatalf("update = %+v, %v", res, err)
	}
	if _, err := commit(&Write{Action: ActionUpdate, Type: "Patient", ID: id, IfMatch: 1, Resource: parse(t, r, patient)}); status(err) != 412 {
		t.Errorf("update with a stale If-Match: %v, want 412", err)
	}
	p, err := ParseJSONPatch([]byte(`[{"op":"add","path":"/active","value":true}]`))
	if err != nil {
		t.Fatal(err)
	}
	res, err = commit(&Write{Action: ActionPatch, Type: "Patient", Cond: ine, Patch: p})
	if err != nil || res.Effect != EffectUpdated || res.Rec.ID != id || res.Rec.VersionID != 3 {
		t.Fatalf("conditional patch = %+v, %v", res, err)
	}
	put(t, r, "Patient", "twin", patient)
	if _, err := commit(&Write{Action: ActionCreate, Type: "Patient", IfNoneExist: ine, Resource: parse(t, r, patient)}); status(err) != 412 {
		t.Errorf("conditional create matching two: %v, want 412", err)
	}
	res, err = commit(&Write{Action: ActionDelete, Type: "Patient", Cond: ine})
	if err != nil || res.Effect != EffectDeleted || res.Deleted != 2 {
		t.Fatalf("conditional delete = %+v, %v", res, err)
	}
	res, err = commit(&Write{Action: ActionDelete, Type: "Patient", ID: id})
	if err != nil || res.Deleted != 0 {
		t.Errorf("deleting what is gone = %+v, %v; want success, nothing deleted", res, err)
	}
	if _, err := commit(&Write{Action: ActionPatch, Type: "Patient", ID: id, Patch: p}); status(err) != 410 {
		t.Errorf("patch of a deleted resource: %v, want 410", err)
	}
}

// TestCommitCreateOnUpdateNeedsCreate: an update that creates asks
// Config.Authorize for create; one of an existing resource does not.
func TestCommitCreateOnUpdateNeedsCreate(t *testing.T) {
	r, _ := newRepo(t)
	put(t, r, "Patient", "old", `{"resourceType":"Patient"}`)
	denied := outcome.New(403, outcome.CodeForbidden, "", "no create")
	r.authorize = func(_ context.Context, in auth.Interaction, _ string) error {
		if in == auth.InteractionCreate {
			return denied
		}
		return nil
	}
	if _, err := r.Commit(t.Context(), &Write{Action: ActionUpdate, Type: "Patient", ID: "new", Resource: parse(t, r, `{"resourceType":"Patient"}`)}); !errors.Is(err, denied) {
		t.Errorf("create-on-update without create: %v, want the refusal", err)
	}
	if _, err := r.Commit(t.Context(), &Write{Action: ActionUpdate, Type: "Patient", ID: "old", Resource: parse(t, r, `{"resourceType":"Patient"}`)}); err != nil {
		t.Errorf("update of an existing resource: %v", err)
	}
}
