package pipeline

import (
	"context"
	"testing"
)

// TestOpenRebuildsGroups: after a restart the merge groups come back from
// the store, so a change to one contributor merges with the others again.
func TestOpenRebuildsGroups(t *testing.T) {
	a, b := spec("acme-gp", "acme"), spec("bravo-gp", "bravo")
	e := newEnv(t)
	e.apply(a, false, put(1, patient("p1", "9000000009", "Smith")))
	e.apply(b, false, put(1, patient("q1", "9000000009", "Smyth")))
	if cur, _ := e.p.Cursor(a.Name); cur != "+" {
		t.Fatalf("cursor %q", cur)
	}
	e.reopen()
	if cur, _ := e.p.Cursor(a.Name); cur != "+" {
		t.Fatalf("cursor after restart %q", cur)
	}
	if ids := e.p.groups.IDs(); len(ids) != 1 {
		t.Fatalf("groups after restart %v", ids)
	}
	e.apply(a, false, put(2, patient("p1", "9000000009", "Smith-Jones")))
	down := e.downstream()
	if len(down) != 1 {
		t.Fatalf("downstream %v", keys(down))
	}
	pat := e.get(e.outcome(b.Name, "Patient", "q1").Downstream)
	if n := len(pat.Get("name").Items); n != 2 {
		t.Fatalf("the merge after the restart has %d names: %v", n, pat.Get("name"))
	}
	if c, _ := e.p.Cursor("unknown"); c != "" {
		t.Fatalf("cursor of an unknown source %q", c)
	}
	if _, err := e.p.Apply(context.Background(), spec("", "x"), false, nil, ""); err == nil {
		t.Fatal("a source without a name is applied")
	}
}
