package search

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestPageCursorsPositionNotOffset(t *testing.T) {
	hits := []hit{{typ: "P", id: "a"}, {typ: "P", id: "b"}, {typ: "P", id: "c"}, {typ: "P", id: "d"}, {typ: "P", id: "e"}}
	ids := func(hs []hit) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.id)
		}
		return out
	}
	first, next, prev := page(hits, nil, nil, 2)
	if !slices.Equal(ids(first), []string{"a", "b"}) || next == "" || prev != "" {
		t.Fatalf("first page %v next %q prev %q", ids(first), next, prev)
	}
	cur, err := decodeCursor(next)
	if err != nil {
		t.Fatal(err)
	}
	// "a" is deleted and "b2" created before the next page: the position
	// after "b" still gives "b2", "c" and nothing is repeated.
	changed := []hit{{typ: "P", id: "b"}, {typ: "P", id: "b2"}, {typ: "P", id: "c"}, {typ: "P", id: "d"}, {typ: "P", id: "e"}}
	second, next2, prev2 := page(changed, nil, &cur, 2)
	if !slices.Equal(ids(second), []string{"b2", "c"}) || next2 == "" || prev2 == "" {
		t.Fatalf("second page %v next %q prev %q", ids(second), next2, prev2)
	}
	back, _ := decodeCursor(prev2)
	before, _, _ := page(changed, nil, &back, 2)
	if !slices.Equal(ids(before), []string{"b"}) {
		t.Fatalf("previous page %v", ids(before))
	}
	last, _ := decodeCursor(next2)
	if tail, n, _ := page(changed, nil, &last, 2); !slices.Equal(ids(tail), []string{"d", "e"}) || n != "" {
		t.Fatalf("last page %v next %q", ids(tail), n)
	}
}

func TestDecodeCursorRejectsGarbage(t *testing.T) {
	for _, s := range []string{"", "!!", "e30", cursor{}.encode()} {
		if _, err := decodeCursor(s); err == nil {
			t.Errorf("cursor %q accepted", s)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(cursor{ID: "x", Keys: [][]byte{{1, 2}}}.encode())
	f.Add("e30")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err == nil && c.ID == "" {
			t.Fatalf("accepted a cursor without id")
		}
	})
}

// TestPagingWhileWriting follows next cursors over a real store while
// resources are created and deleted between pages: every resource that
// exists throughout is seen exactly once, in order, and nothing deleted
// before its page is shown.
func TestPagingWhileWriting(t *testing.T) {
	for _, query := range []string{"_count=3", "_count=3&_sort=family", "_count=3&gender=male", "_count=3&gender=male&_sort=-family", "_count=3&name=f"} {
		t.Run(query, func(t *testing.T) {
			var res []string
			for i := 0; i < 12; i++ {
				res = append(res, fmt.Sprintf(`{"resourceType":"Patient","id":"p%02d","gender":"male","name":[{"family":"F%02d"}]}`, i*2, i*2))
			}
			f := smallStore(t, defs.R4, res...)
			ctx := t.Context()
			write := func(i int, del bool) {
				_, err := f.store.Write(ctx, func(tx *storage.Tx) error {
					id := fmt.Sprintf("p%02d", i)
					if del {
						_, err := tx.Delete(storage.Delete{Type: "Patient", ID: id})
						return err
					}
					r, _ := fhirjson.Parse(fmt.Appendf(nil, `{"resourceType":"Patient","id":"%s","gender":"male","name":[{"family":"F%02d"}]}`, id, i))
					entries, err := f.e.IndexEntries("Patient", r)
					if err != nil {
						return err
					}
					_, err = tx.Put(storage.Put{Type: "Patient", ID: id, JSON: fhirjson.Marshal(r), Index: entries})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			params, _ := url.ParseQuery(query)
			var seen []string
			cur := ""
			for page := 0; page < 20; page++ {
				r, err := f.e.Search(ctx, Request{ResourceType: "Patient", Params: params, Cursor: cur})
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, names(r)...)
				// Behind the position: p01 new, p00 deleted; ahead: p15 new,
				// p20 deleted; after page 1, p21 new (still ahead). Mirrored
				// when the order is descending.
				desc := strings.Contains(query, "-family")
				m := func(i int) int {
					if desc {
						return 22 - i
					}
					return i
				}
				switch page {
				case 0:
					write(m(1), false)
					write(m(0), true)
					write(m(15), false)
					write(m(20), true)
				case 1:
					write(m(21), false)
				}
				if cur = r.Next; cur == "" {
					break
				}
			}
			// Everything that existed throughout, once each, in order.
			counts := map[string]int{}
			for _, s := range seen {
				counts[s]++
			}
			desc := strings.Contains(query, "-family")
			name := func(i int) string {
				if desc {
					i = 22 - i
				}
				return fmt.Sprintf("Patient/p%02d", i)
			}
			for _, i := range []int{2, 4, 6, 8, 10, 12, 14, 16, 18, 22, 15, 21} {
				if counts[name(i)] != 1 {
					t.Errorf("%s seen %d times in %v", name(i), counts[name(i)], seen)
				}
			}
			if counts[name(20)] != 0 || counts[name(1)] != 0 {
				t.Errorf("deleted %s or new-behind %s shown: %v", name(20), name(1), seen)
			}
			if !slices.IsSortedFunc(seen, func(a, b string) int {
				if strings.Contains(query, "-family") {
					return strings.Compare(b, a)
				}
				return strings.Compare(a, b)
			}) {
				t.Errorf("not in order: %v", seen)
			}
		})
	}
}
