package storage

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// TestBulkWriterBatches: a job of 7 resources in batches of 3 commits two
// full batches as it goes (each visible at once) and the rest with its
// meta key in finish; what a job leaves unfinished is never committed.
func TestBulkWriterBatches(t *testing.T) {
	s, _ := openTest(t)
	visible := func() int {
		n := 0
		for i := range 7 {
			if _, ok, err := (reader{r: s.db}).get(keyCount(fmt.Sprint("T", i))); err != nil {
				t.Fatal(err)
			} else if ok {
				n++
			}
		}
		return n
	}
	w := s.newBulkWriter("test job", 3)
	var seen []string
	w.afterBatch = func(batches int) { seen = append(seen, fmt.Sprintf("batch %d: %d visible", batches, visible())) }
	for i := range 7 {
		_ = w.b.Set(keyCount(fmt.Sprint("T", i)), encodeCount(1), nil)
		if err := w.next(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.finish("test-meta", binary.AppendUvarint(nil, 1)); err != nil {
		t.Fatal(err)
	}
	w.close()
	if got := fmt.Sprint(seen); got != "[batch 1: 3 visible batch 2: 6 visible]" {
		t.Errorf("batches: %s", got)
	}
	if n := visible(); n != 7 || w.done != 7 {
		t.Errorf("after finish: %d visible, %d done; want 7", n, w.done)
	}
	if m, err := s.getMeta("test-meta"); err != nil || len(m) == 0 {
		t.Errorf("meta key after finish: %q, %v", m, err)
	}

	unfinished := s.newBulkWriter("unfinished job", 3)
	_ = unfinished.b.Set(keyCount("U"), encodeCount(1), nil)
	if err := unfinished.next(); err != nil {
		t.Fatal(err)
	}
	unfinished.close()
	if _, ok, _ := (reader{r: s.db}).get(keyCount("U")); ok {
		t.Error("a batch the job never finished was committed")
	}
}
