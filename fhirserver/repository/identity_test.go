package repository

import (
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestSetIdentity(t *testing.T) {
	v := mustParse(t, `{"active":true,"meta":{"tag":[{"code":"a"}],"versionId":"9"},"resourceType":"Patient","id":"old","_id":{"extension":[]}}`)
	setIdentity(v, "new", "3", time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC))
	want := `{"resourceType":"Patient","id":"new","meta":{"versionId":"3","lastUpdated":"2026-01-02T03:04:05.000006Z","tag":[{"code":"a"}]},"active":true}`
	if got := string(fhirjson.Marshal(v)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDropServerOwned(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"resourceType":"Patient","meta":{"lastUpdated":"2000-01-01T00:00:00Z"}}`, `{"resourceType":"Patient"}`},
		{`{"resourceType":"Patient","meta":{"lastUpdated":"x","versionId":"2","tag":[]}}`, `{"resourceType":"Patient","meta":{"versionId":"2","tag":[]}}`},
		{`{"resourceType":"Patient"}`, `{"resourceType":"Patient"}`},
	}
	for _, tt := range tests {
		v := mustParse(t, tt.in)
		dropServerOwned(v)
		if got := string(fhirjson.Marshal(v)); got != tt.want {
			t.Errorf("dropServerOwned(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestNewID(t *testing.T) {
	r, st := newRepo(t)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id, err := r.newID("Patient")
		if err != nil || !storage.IsServerID(id) || seen[id] {
			t.Fatalf("bad or repeated id %q: %v", id, err)
		}
		seen[id] = true
	}
	if st.NewIDsNeedCheck() {
		t.Fatal("a new store's new ids need a lookup")
	}
}

// drawFrom makes drawID give draws in turn.
func drawFrom(t *testing.T, draws ...string) {
	drawID = func(*storage.Store) (string, error) { id := draws[0]; draws = draws[1:]; return id, nil }
	t.Cleanup(func() { drawID = (*storage.Store).NewID })
}

// claimed puts Patients under ids of the server's shape, as a client's
// update may, and deletes gone: from then on the store's new ids are
// looked up (storage.Store.NewIDsNeedCheck).
func claimed(t *testing.T, r *Repository, st *storage.Store, taken, gone string) {
	t.Helper()
	put(t, r, "Patient", taken, `{"resourceType":"Patient","active":true}`)
	put(t, r, "Patient", gone, `{"resourceType":"Patient","active":true}`)
	if _, err := r.Commit(t.Context(), &Write{Action: ActionDelete, Type: "Patient", ID: gone}); err != nil {
		t.Fatal(err)
	}
	if !st.NewIDsNeedCheck() {
		t.Fatal("clients created ids of the server's shape, but the store's new ids need no lookup")
	}
}

// TestFreshIDDrawsAgainWhenInUse: in a store where clients created ids of
// the server's shape, a create whose new id is already in use draws
// another, and gives up with an error rather than writing over a resource
// when every draw is taken; the lookup that found them is the one the
// write section no longer makes.
func TestFreshIDDrawsAgainWhenInUse(t *testing.T) {
	r, st := newRepo(t)
	const taken, gone, free = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"
	claimed(t, r, st, taken, gone)
	drawFrom(t, taken, gone, free)
	res, err := r.Commit(t.Context(), &Write{Action: ActionCreate, Type: "Patient", Resource: parse(t, r, `{"resourceType":"Patient","active":false}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rec.ID != free || res.Rec.VersionID != 1 {
		t.Fatalf("created %s/%d, want %s/1", res.Rec.ID, res.Rec.VersionID, free)
	}
	rec, err := st.Get(t.Context(), "Patient", taken)
	if err != nil || rec.VersionID != 1 || !strings.Contains(string(rec.JSON), `"active":true`) {
		t.Fatalf("the resource at the taken id changed: %+v, %v", rec, err)
	}

	drawID = func(*storage.Store) (string, error) { return taken, nil }
	_, err = r.Commit(t.Context(), &Write{Action: ActionCreate, Type: "Patient", Resource: parse(t, r, `{"resourceType":"Patient"}`)})
	if err == nil || !strings.Contains(err.Error(), "were all in use") {
		t.Fatalf("every draw taken: %v, want an error", err)
	}
	if rec, err := st.Get(t.Context(), "Patient", taken); err != nil || rec.VersionID != 1 {
		t.Fatalf("the resource at the taken id changed: %+v, %v", rec, err)
	}
}

// TestTransactionFreshIDsDrawAgainWhenInUse: a transaction's creates check
// their new ids through one Loader (Repository.unusedCheck); an id in
// use — a live resource, a deleted one, or one another create of the same
// transaction drew first — is drawn again, and nothing is written over.
func TestTransactionFreshIDsDrawAgainWhenInUse(t *testing.T) {
	r, st := newRepo(t)
	const taken, gone = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"
	claimed(t, r, st, taken, gone)
	drawFrom(t, taken, "cccccccccccccccc", gone, "cccccccccccccccc", "dddddddddddddddd", "eeeeeeeeeeeeeeee")
	items := make([]*TxItem, 3)
	for i := range items {
		items[i] = &TxItem{Index: i, Write: &Write{Action: ActionCreate, Type: "Patient",
			Resource: parse(t, r, `{"resourceType":"Patient","active":false}`)}}
	}
	if err := r.Transaction(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"cccccccccccccccc", "dddddddddddddddd", "eeeeeeeeeeeeeeee"} {
		if got := items[i].Result.Rec; got == nil || got.ID != want || got.VersionID != 1 {
			t.Errorf("entry %d created %+v, want %s/1", i, got, want)
		}
	}
	for _, id := range []string{taken, gone} {
		rec, err := st.Get(t.Context(), "Patient", id)
		if (id == taken && (err != nil || rec.VersionID != 1)) || (id == gone && (err != nil || !rec.Deleted || rec.VersionID != 2)) {
			t.Errorf("Patient/%s changed: %+v, %v", id, rec, err)
		}
	}
}
