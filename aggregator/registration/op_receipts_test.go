package registration

import (
	"context"
	"testing"
	"time"
)

// TestReadReceiptQuery: unread, then read with the time of the first read;
// a document another customer contributed answers read=false only even
// when read; receipts are for DocumentReferences only.
func TestReadReceiptQuery(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.patient("p1", "acme", "9000000001")
	w.patient("p2", "beta", "9000000002")
	w.document("d1", "acme", "p1", "doc-1")
	w.document("d2", "beta", "p2", "doc-2")
	query := func() []map[string]string {
		out, err := w.svc.readReceiptQuery(as("acme"), idParams("documentIdentifier", "urn:doc", "doc-1", "doc-2", "doc-3"))
		if err != nil {
			t.Fatal(err)
		}
		return parts(t, out)
	}
	for i, g := range query() {
		if g["read"] != "false" || g["readAt"] != "" {
			t.Errorf("before any read, document %d: %v", i, g)
		}
	}
	first := w.clock()
	for _, d := range []string{"d1", "d2"} {
		if err := w.svc.NoteRead(ctx, "p1", "DocumentReference", d); err != nil {
			t.Fatal(err)
		}
	}
	w.advance(time.Hour)
	if err := w.svc.NoteRead(ctx, "p1", "DocumentReference", "d1"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.NoteRead(ctx, "p1", "Observation", "o1"); err != nil {
		t.Fatal(err)
	}
	got := query()
	if g := got[0]; g["read"] != "true" || g["readAt"] != `"`+first.Format(time.RFC3339Nano)+`"` {
		t.Errorf("acme's read document: %v, want read at %v", g, first)
	}
	if g := got[1]; g["read"] != "false" || len(g) != 3 {
		t.Errorf("beta's document: %v, want read=false only", g)
	}
	if n, _ := w.svc.receipt.Scan("", "", 10, w.clock()); len(n) != 2 {
		t.Errorf("%d receipts, want 2 (DocumentReferences only)", len(n))
	}
}
