package repository

import (
	"bytes"
	"cmp"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// capturingSearcher records the index entries each write computes, by the
// resource's id — IndexEntries before the write section — and by instant,
// LastUpdatedEntries inside it.
type capturingSearcher struct {
	Searcher
	mu      sync.Mutex
	written map[string][]storage.IndexEntry
}

func (c *capturingSearcher) IndexEntries(typ string, res *fhirjson.Value) ([]storage.IndexEntry, error) {
	es, err := c.Searcher.IndexEntries(typ, res)
	c.record(typ+"/"+res.Str("id"), es)
	return es, err
}

func (c *capturingSearcher) LastUpdatedEntries(typ, lastUpdated string) ([]storage.IndexEntry, error) {
	es, err := c.Searcher.LastUpdatedEntries(typ, lastUpdated)
	c.record(lastUpdated, es)
	return es, err
}

func (c *capturingSearcher) record(key string, es []storage.IndexEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.written[key] = append(c.written[key], es...)
}

func sortedEntries(es []storage.IndexEntry) []storage.IndexEntry {
	es = slices.Clone(es)
	slices.SortFunc(es, func(a, b storage.IndexEntry) int {
		return cmp.Or(cmp.Compare(a.Param, b.Param), bytes.Compare(a.Value, b.Value))
	})
	return es
}

// TestReindexerGivesTheWrittenEntries: the store keeps no list of a
// version's index entries; when a write supersedes the version, it derives
// them again from the stored JSON (search.Reindexer) and deletes those. So
// what the Reindexer derives must be exactly what the write wrote — the
// entries computed before the write section (without meta.lastUpdated) and
// the stamped _lastUpdated's — or an update would leave entries behind and a
// search would find the resource by values it no longer has. Checked over
// every official example of both versions that the repository accepts,
// written through Commit.
func TestReindexerGivesTheWrittenEntries(t *testing.T) {
	for _, ver := range []*defs.Version{defs.R4, defs.STU3} {
		t.Run(ver.Name, func(t *testing.T) {
			st, err := storage.Open(t.TempDir(), storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			eng, err := search.NewEngine(ver, st, search.Options{BaseURL: "http://example.org/fhir"})
			if err != nil {
				t.Fatal(err)
			}
			cs := &capturingSearcher{Searcher: eng, written: map[string][]storage.IndexEntry{}}
			r, err := New(Config{Version: ver, Store: st, Searcher: cs})
			if err != nil {
				t.Fatal(err)
			}
			reindex := search.Reindexer(eng)
			dir := filepath.Join(testenv.FHIRPackages(t), map[string]string{"R4": "r4", "STU3": "stu3"}[ver.Name], "package")
			files, err := filepath.Glob(filepath.Join(dir, "*.json"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no examples under %s: %v", dir, err)
			}
			checked, entries := 0, 0
			for _, file := range files {
				b, err := os.ReadFile(file)
				if err != nil || len(b) > 1<<20 {
					continue
				}
				v, err := fhirjson.Parse(b)
				if err != nil || v.Kind != fhirjson.Object {
					continue
				}
				typ := v.Str("resourceType")
				if typ == "" || !r.IsType(typ) || typ == "Bundle" {
					continue
				}
				res, err := r.ParseResource(b, "")
				if err != nil {
					continue // an example the validator refuses is no write
				}
				got, err := r.Commit(t.Context(), &Write{Action: ActionCreate, Type: typ, Resource: res})
				if err != nil {
					continue
				}
				rec := got.Rec
				written := append(slices.Clone(cs.written[rec.Type+"/"+rec.ID]), cs.written[FormatInstant(rec.LastUpdated)]...)
				want := sortedEntries(written)
				derived, err := reindex(rec)
				if err != nil {
					t.Fatalf("%s: %s/%s: %v", filepath.Base(file), rec.Type, rec.ID, err)
				}
				if d := sortedEntries(derived); !slices.EqualFunc(d, want, func(a, b storage.IndexEntry) bool {
					return a.Param == b.Param && bytes.Equal(a.Value, b.Value)
				}) {
					t.Errorf("%s: %s/%s: derived entries differ from the written ones:\nwritten %s\nderived %s",
						filepath.Base(file), rec.Type, rec.ID, entryList(want), entryList(d))
				}
				checked++
				entries += len(want)
			}
			if checked < 500 {
				t.Fatalf("only %d examples written", checked)
			}
			t.Logf("%d examples, %d index entries: derived as written", checked, entries)
		})
	}
}

func entryList(es []storage.IndexEntry) string {
	var b bytes.Buffer
	for _, e := range es {
		fmt.Fprintf(&b, "%s=%q ", e.Param, e.Value)
	}
	return b.String()
}

// TestEveryWriteReplacesTheEntriesItsVersionHad: with no index lists, an
// update, a patch, a delete and a re-create find the resource only by what
// its current version holds — never by a value of a version they replaced.
func TestEveryWriteReplacesTheEntriesItsVersionHad(t *testing.T) {
	r, _ := newRepo(t)
	ctx := t.Context()
	found := func(family string) []string {
		t.Helper()
		res, err := r.search.Search(ctx, search.Request{ResourceType: "Patient", Params: url.Values{"family:exact": {family}}})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range res.Entries {
			ids = append(ids, e.Record.ID)
		}
		return ids
	}
	expect := func(step string, want map[string]bool) {
		t.Helper()
		for _, fam := range []string{"Created", "Updated", "Patched", "Again"} {
			if got := found(fam); want[fam] != (len(got) == 1) || len(got) > 1 {
				t.Errorf("%s: family %s finds %v, want found=%v", step, fam, got, want[fam])
			}
		}
	}
	res, err := r.Commit(ctx, &Write{Action: ActionCreate, Type: "Patient", Resource: parse(t, r, `{"resourceType":"Patient","name":[{"family":"Created"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Rec.ID
	expect("create", map[string]bool{"Created": true})
	put(t, r, "Patient", id, `{"resourceType":"Patient","id":"`+id+`","name":[{"family":"Updated"}]}`)
	expect("update", map[string]bool{"Updated": true})
	p, err := ParseJSONPatch([]byte(`[{"op":"replace","path":"/name/0/family","value":"Patched"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Commit(ctx, &Write{Action: ActionPatch, Type: "Patient", ID: id, Patch: p}); err != nil {
		t.Fatal(err)
	}
	expect("patch", map[string]bool{"Patched": true})
	if _, err := r.Commit(ctx, &Write{Action: ActionDelete, Type: "Patient", ID: id}); err != nil {
		t.Fatal(err)
	}
	expect("delete", map[string]bool{})
	put(t, r, "Patient", id, `{"resourceType":"Patient","id":"`+id+`","name":[{"family":"Again"}]}`)
	expect("re-create", map[string]bool{"Again": true})
}
