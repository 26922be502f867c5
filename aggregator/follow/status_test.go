package follow

import (
	"context"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
)

// TestStatusPublishesReasonChangesAtOnce: with an hour between regular
// publishes, a change of Healthy or Reason is published at once, and what
// changed in between (the cursor) rides along with it.
func TestStatusPublishesReasonChangesAtOnce(t *testing.T) {
	sk := &sink{}
	f, err := New(Config{Pipeline: newFakePipeline(), Status: sk})
	if err != nil {
		t.Fatal(err)
	}
	st := newStatus(source.Spec{Name: "acme"}, f)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go st.publishLoop(ctx, time.Hour)
	published := func() int {
		sk.mu.Lock()
		defer sk.mu.Unlock()
		return len(sk.states["acme"])
	}

	st.caughtUpAt("c1", st.now())
	eventually(t, "healthy published", func() bool { return published() == 1 })
	st.applied("c2", false, time.Time{})
	st.fail(source.ReasonSourceUnreachable, "connection refused")
	eventually(t, "unreachable published", func() bool { return published() == 2 })
	last, _ := sk.last("acme")
	if last.Healthy || last.Reason != source.ReasonSourceUnreachable || last.Cursor != "c2" || last.LastSync.IsZero() {
		t.Fatalf("published %+v", last)
	}
	if n := published(); n != 2 {
		t.Fatalf("%d publishes, want 2: a cursor alone waits for the interval", n)
	}
}

// TestStatusLag: behind a change committed a minute ago, the lag is a
// minute; at the head it is 0.
func TestStatusLag(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	f, err := New(Config{Pipeline: newFakePipeline(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	st := newStatus(source.Spec{Name: "acme"}, f)
	st.behind(now.Add(-time.Minute))
	if got := st.snapshot().Lag; got != time.Minute {
		t.Fatalf("lag %s behind a change of a minute ago", got)
	}
	st.applied("c", true, now.Add(-10*time.Second))
	if got := st.snapshot().Lag; got != 10*time.Second {
		t.Fatalf("lag %s after a full page", got)
	}
	st.applied("c", false, now)
	if got := st.snapshot().Lag; got != 0 {
		t.Fatalf("lag %s after the last page", got)
	}
}

// TestStatusIdleHeadPublishesRarely: an idle source reaches its head at
// every long poll; that alone is published once a minute, not each time.
func TestStatusIdleHeadPublishesRarely(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	sk := &sink{}
	f, err := New(Config{Pipeline: newFakePipeline(), Status: sk, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	st := newStatus(source.Spec{Name: "acme"}, f)
	published := func() int {
		sk.mu.Lock()
		defer sk.mu.Unlock()
		return len(sk.states["acme"])
	}
	for i := range 5 { // five long polls 25 s apart, 100 s in all
		st.caughtUpAt("c1", st.now())
		st.publish(t.Context())
		if i < 4 {
			now = now.Add(25 * time.Second)
		}
	}
	// Published at 0 s and again at 75 s, the first head a minute after.
	if n := published(); n != 2 {
		t.Fatalf("%d publishes of an idle head in 100 s, want 2", n)
	}
	st.caughtUpAt("c2", st.now()) // a new cursor is news
	st.publish(t.Context())
	if n := published(); n != 3 {
		t.Fatalf("a new cursor was not published")
	}
}
