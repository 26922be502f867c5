package follow

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
)

// TestFollowAppliesAndReports: a source's feed is applied page by page
// from the stored cursor, the head is reported (CaughtUp), a change
// committed while the follower waits at the head arrives by the long poll,
// and every outcome reaches the source and leaves the outbox.
func TestFollowAppliesAndReports(t *testing.T) {
	for _, tt := range []struct {
		version string
		stu3    bool
	}{{"4.0.1", false}, {"3.0.2", true}} {
		t.Run(tt.version, func(t *testing.T) {
			src := newFakeSource(t, "acme", tt.version)
			src.add("Patient/p1", "Observation/o1", "Patient/p1", "Observation/x1", "-Observation/o1")
			r := startFollower(t, Config{PageSize: 2}, src.spec())
			want := []string{"Patient/p1/1", "Observation/o1/1", "Patient/p1/2", "Observation/x1/1", "Observation/o1/2"}
			eventually(t, "the backlog applied", func() bool { return slices.Equal(r.pipe.appliedOf("acme"), want) })
			eventually(t, "the head reported", func() bool { return r.pipe.count(r.pipe.caughtUps, "acme") > 0 })
			if r.pipe.stu3["acme"] != tt.stu3 {
				t.Errorf("stu3 = %v for fhirVersion %s", !tt.stu3, tt.version)
			}

			src.add("Patient/p2")
			eventually(t, "a change at the head applied", func() bool { return len(r.pipe.appliedOf("acme")) == 6 })
			eventually(t, "every outcome reported", func() bool { return r.pipe.outboxLen("acme") == 0 && len(src.reports()) >= 4 })
			got := map[string]Outcome{}
			for _, o := range src.reports() {
				got[o.Type+"/"+o.ID] = o
			}
			if o := got["Observation/x1"]; o.Status != "excluded" || o.Rule != "test" || o.Expression != "Observation.id" || o.Message == "" {
				t.Errorf("excluded outcome as the source took it: %+v", o)
			}
			if o := got["Patient/p2"]; o.Status != "accepted" || o.Downstream != "Patient/d-p2" || o.VersionID != 1 {
				t.Errorf("accepted outcome as the source took it: %+v", o)
			}

			eventually(t, "a healthy state at the head", func() bool {
				st, ok := r.f.State("acme")
				return ok && st.Healthy && st.Reason == source.ReasonFollowing && !st.LastSync.IsZero() &&
					st.Lag == 0 && st.Accepted == 3 && st.Excluded == 1 && st.Cursor != ""
			})
			if got := r.metric(t, "aggregator_changes_applied_total", map[string]string{"source": "acme"}); got != 6 {
				t.Errorf("changes applied metric %v, want 6", got)
			}
			if got := r.metric(t, "aggregator_outcomes_total", map[string]string{"source": "acme", "status": "excluded", "rule": "test"}); got != 1 {
				t.Errorf("excluded outcomes metric %v, want 1", got)
			}
			if got := r.metric(t, "aggregator_source_lag_seconds", map[string]string{"source": "acme"}); got != 0 {
				t.Errorf("lag at the head %v, want 0", got)
			}
			if got := r.metric(t, "aggregator_source_last_sync_timestamp_seconds", map[string]string{"source": "acme"}); got < float64(time.Now().Add(-time.Minute).Unix()) {
				t.Errorf("last sync %v, want a moment ago", got)
			}
		})
	}
}

// TestFollowResumesFromStoredCursor: a follower starts where the pipeline's
// stored cursor says, not at the start of the feed.
func TestFollowResumesFromStoredCursor(t *testing.T) {
	src := newFakeSource(t, "acme", "4.0.1")
	src.add("Patient/p1", "Patient/p2", "Patient/p3")
	pipe := newFakePipeline()
	pipe.cursors["acme"] = "0-2" // the fake's cursor after two changes
	r := startFollowerWith(t, pipe, Config{}, src.spec())
	eventually(t, "the head reported", func() bool { return r.pipe.count(r.pipe.caughtUps, "acme") > 0 })
	if got := r.pipe.appliedOf("acme"); !slices.Equal(got, []string{"Patient/p3/1"}) {
		t.Fatalf("applied %v, want only what follows the stored cursor", got)
	}
}

// TestFollowCursorRejected: when the source's store was re-created it
// rejects the cursor; the follower resets the pipeline, replays the new
// feed from the start, and ends Following (CursorReset is published while
// it replays when a publish falls within the replay).
func TestFollowCursorRejected(t *testing.T) {
	src := newFakeSource(t, "acme", "4.0.1")
	src.add("Patient/p1", "Patient/p2")
	r := startFollower(t, Config{}, src.spec())
	eventually(t, "the first feed applied", func() bool { return len(r.pipe.appliedOf("acme")) == 2 })
	eventually(t, "at the head", func() bool { return r.pipe.count(r.pipe.caughtUps, "acme") > 0 })

	src.recreate("Patient/q1")
	eventually(t, "the new feed replayed", func() bool {
		return slices.Equal(r.pipe.appliedOf("acme"), []string{"Patient/p1/1", "Patient/p2/1", "Patient/q1/1"})
	})
	if n := r.pipe.count(r.pipe.resets, "acme"); n != 1 {
		t.Errorf("%d resets, want 1", n)
	}
	// The status is a level, published by its own goroutine: when the
	// replay reaches the head before a publish, CursorReset is never
	// published (the resets and the metric above record it). Whatever was
	// published, the source ends Following.
	eventually(t, "following again after the replay", func() bool {
		reasons := r.sink.reasons("acme")
		return len(reasons) > 0 && reasons[len(reasons)-1] == source.ReasonFollowing
	})
	if got := r.metric(t, "aggregator_poll_errors_total", map[string]string{"source": "acme", "kind": "cursor_rejected"}); got != 1 {
		t.Errorf("cursor_rejected errors %v, want 1", got)
	}
}

// TestFollowCredentialsRefusedThenRotated: a wrong secret shows as
// CredentialsRefused; the Spec with the rotated secret restarts the
// source's loop, which then follows without a restart of the follower.
func TestFollowCredentialsRefusedThenRotated(t *testing.T) {
	src := newFakeSource(t, "acme", "4.0.1")
	src.add("Patient/p1")
	stale := src.spec()
	src.set(func(s *fakeSource) { s.secret = "rotated-secret" })
	r := startFollower(t, Config{}, stale)
	eventually(t, "credentials refused", func() bool {
		st, ok := r.sink.last("acme")
		return ok && !st.Healthy && st.Reason == source.ReasonCredentialsRefused && strings.Contains(st.Message, "invalid_client")
	})
	if got := r.metric(t, "aggregator_poll_errors_total", map[string]string{"source": "acme", "kind": "unauthorized"}); got < 1 {
		t.Errorf("unauthorized errors %v", got)
	}
	if len(r.pipe.appliedOf("acme")) != 0 {
		t.Fatal("applied without credentials")
	}

	r.disc <- []source.Spec{src.spec()}
	eventually(t, "following with the rotated secret", func() bool {
		st, ok := r.sink.last("acme")
		return ok && st.Healthy && len(r.pipe.appliedOf("acme")) == 1
	})
}

// TestSlowSourceNeverBlocksAnother: with a single apply slot, a source
// that hangs, one that throttles (503, Retry-After an hour) and one whose
// backlog never drains do not keep a healthy source from following; the
// throttled source is not asked again before its Retry-After.
func TestSlowSourceNeverBlocksAnother(t *testing.T) {
	hung := newFakeSource(t, "hung", "4.0.1")
	hung.set(func(s *fakeSource) { s.hang = true })
	throttled := newFakeSource(t, "throttled", "4.0.1")
	throttled.set(func(s *fakeSource) { s.fail = []fakeFailure{{503, "3600"}} })
	endless := newFakeSource(t, "endless", "4.0.1")
	endless.set(func(s *fakeSource) { s.endless = true })
	good := newFakeSource(t, "good", "4.0.1")
	good.add("Patient/p1", "Patient/p2")

	r := startFollower(t, Config{MaxConcurrent: 1, PageSize: 5}, hung.spec(), throttled.spec(), endless.spec(), good.spec())
	eventually(t, "the backlog source applying", func() bool { return len(r.pipe.appliedOf("endless")) >= 10 })
	eventually(t, "the good source at its head", func() bool {
		return len(r.pipe.appliedOf("good")) == 2 && r.pipe.count(r.pipe.caughtUps, "good") > 0
	})
	good.add("Patient/p3")
	eventually(t, "the good source's next change", func() bool { return len(r.pipe.appliedOf("good")) == 3 })
	eventually(t, "the throttled source unreachable", func() bool {
		st, ok := r.sink.last("throttled")
		return ok && st.Reason == source.ReasonSourceUnreachable && !st.Healthy
	})
	if n := throttled.pollCount(); n != 1 {
		t.Errorf("the throttled source was polled %d times within its Retry-After", n)
	}
	if got := r.metric(t, "aggregator_poll_errors_total", map[string]string{"source": "throttled", "kind": "unavailable"}); got != 1 {
		t.Errorf("unavailable errors %v, want 1", got)
	}
}

// TestFollowBacksOffAndRecovers: a source failing with 5xx a few times is
// retried (with backoff) and then followed; its state goes from
// SourceUnreachable back to Following.
func TestFollowBacksOffAndRecovers(t *testing.T) {
	src := newFakeSource(t, "acme", "4.0.1")
	src.add("Patient/p1")
	src.set(func(s *fakeSource) { s.fail = []fakeFailure{{500, ""}, {502, ""}, {429, ""}} })
	r := startFollower(t, Config{}, src.spec())
	eventually(t, "applied after the failures", func() bool { return len(r.pipe.appliedOf("acme")) == 1 })
	eventually(t, "following again", func() bool {
		reasons := r.sink.reasons("acme")
		i := slices.Index(reasons, source.ReasonSourceUnreachable)
		return i >= 0 && slices.Contains(reasons[i:], source.ReasonFollowing)
	})
	if got := r.metric(t, "aggregator_poll_errors_total", map[string]string{"source": "acme", "kind": "unavailable"}); got != 3 {
		t.Errorf("unavailable errors %v, want 3", got)
	}
}

// TestSourceRemoved: a source that disappears stops being followed; its
// contributions are forgotten only with ForgetDeleted.
func TestSourceRemoved(t *testing.T) {
	for _, forget := range []bool{false, true} {
		t.Run(map[bool]string{false: "kept", true: "forgotten"}[forget], func(t *testing.T) {
			a, b := newFakeSource(t, "a", "4.0.1"), newFakeSource(t, "b", "4.0.1")
			a.add("Patient/p1")
			r := startFollower(t, Config{ForgetDeleted: forget}, a.spec(), b.spec())
			eventually(t, "a applied", func() bool { return len(r.pipe.appliedOf("a")) == 1 })
			r.disc <- []source.Spec{b.spec()}
			eventually(t, "a no longer followed", func() bool { _, ok := r.f.State("a"); return !ok })
			polls := a.pollCount()
			a.add("Patient/p2")
			b.add("Patient/q1")
			eventually(t, "b still followed", func() bool { return len(r.pipe.appliedOf("b")) == 1 })
			if a.pollCount() != polls || len(r.pipe.appliedOf("a")) != 1 {
				t.Error("a removed source is still polled")
			}
			r.pipe.mu.Lock()
			forgotten := slices.Clone(r.pipe.forgotten)
			r.pipe.mu.Unlock()
			if want := map[bool][]string{false: nil, true: {"a"}}[forget]; !slices.Equal(forgotten, want) {
				t.Errorf("forgotten %v, want %v", forgotten, want)
			}
			if got := r.metric(t, "aggregator_source_lag_seconds", map[string]string{"source": "a"}); got != -1 {
				t.Errorf("the lag of a removed source is still exported: %v", got)
			}
		})
	}
}

// TestReady: Ready is closed by the first set of sources, even an empty one.
func TestReady(t *testing.T) {
	r := startFollower(t, Config{})
	select {
	case <-r.f.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("not ready after the first update")
	}
}

// TestNextPollWhileApplying: the poll after a page goes out while the page
// applies, and its answer is used once the page is applied: a change
// committed meanwhile comes next, nothing is skipped or applied twice.
func TestNextPollWhileApplying(t *testing.T) {
	src := newFakeSource(t, "acme", "4.0.1")
	src.add("Patient/p1")
	gate := make(chan struct{})
	pipe := newFakePipeline()
	pipe.applyGate["acme"] = gate
	r := startFollowerWith(t, pipe, Config{}, src.spec())
	eventually(t, "the next poll sent while p1 applies", func() bool { return src.pollCount() >= 2 })
	if n := len(r.pipe.appliedOf("acme")); n != 0 {
		t.Fatalf("%d changes applied past the gate", n)
	}
	src.add("Patient/p2")
	close(gate)
	eventually(t, "p2 applied after p1", func() bool { return len(r.pipe.appliedOf("acme")) == 2 })
	if got := r.pipe.appliedOf("acme"); !slices.Equal(got, []string{"Patient/p1/1", "Patient/p2/1"}) {
		t.Fatalf("applied %v", got)
	}
	eventually(t, "at the head", func() bool { return r.pipe.count(r.pipe.caughtUps, "acme") > 0 })
}
