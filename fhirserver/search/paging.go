package search

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// cursor names a position in the sorted result: the sort keys, type and id
// of the last (next page) or first (previous page) entry shown. Because it
// is a position and not an offset, writes between pages neither repeat nor
// skip entries that stay matched.
type cursor struct {
	Keys [][]byte `json:"k,omitempty"`
	Type string   `json:"t,omitempty"`
	ID   string   `json:"i"`
	// Back is true for a previous-page cursor: the page ends before the position.
	Back bool `json:"b,omitempty"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return cursor{}, outcome.New(http.StatusBadRequest, outcome.CodeInvalid, "_cursor", "invalid paging cursor")
	}
	return c, nil
}

// page cuts one page of count hits out of the sorted hits at cur, and
// returns the cursors of its neighbours ("" when there is none).
func page(hits []hit, keys []sortKey, cur *cursor, count int) (out []hit, next, prev string) {
	cmp := compareHits(keys)
	start, end := 0, len(hits)
	if cur != nil {
		at := hit{typ: cur.Type, id: cur.ID, keys: cur.Keys}
		// first index whose hit sorts after (or, going back, not before) the cursor
		i, j := 0, len(hits)
		for i < j {
			m := (i + j) / 2
			c := cmp(hits[m], at)
			if c < 0 || (c == 0 && !cur.Back) {
				i = m + 1
			} else {
				j = m
			}
		}
		if cur.Back {
			end = i
			start = max(0, end-count)
		} else {
			start = i
		}
	}
	end = min(end, start+count)
	out = hits[start:end]
	if end < len(hits) && len(out) > 0 {
		last := out[len(out)-1]
		next = cursor{Keys: last.keys, Type: last.typ, ID: last.id}.encode()
	}
	if start > 0 && start < len(hits) {
		first := hits[start]
		prev = cursor{Keys: first.keys, Type: first.typ, ID: first.id, Back: true}.encode()
	}
	return out, next, prev
}
