package follow

import (
	"fmt"
	"testing"
	"time"
)

// TestReporterDropsOnlyTheRefusedOutcome: a source that refuses one
// outcome of a report (400) still gets all the others; the refused one is
// dropped from the outbox, not retried forever, and counted.
func TestReporterDropsOnlyTheRefusedOutcome(t *testing.T) {
	src := newFakeSource(t, "acme", "4.0.1")
	src.set(func(s *fakeSource) { s.refuse = "Patient/p3" })
	src.add("Patient/p1", "Patient/p2", "Patient/p3", "Patient/p4", "Patient/p5")
	r := startFollower(t, Config{}, src.spec())
	eventually(t, "the outbox drained", func() bool { return len(r.pipe.appliedOf("acme")) == 5 && r.pipe.outboxLen("acme") == 0 })
	got := map[string]bool{}
	for _, o := range src.reports() {
		got[o.Type+"/"+o.ID] = true
	}
	for _, ref := range []string{"Patient/p1", "Patient/p2", "Patient/p4", "Patient/p5"} {
		if !got[ref] {
			t.Errorf("%s not reported", ref)
		}
	}
	if got["Patient/p3"] {
		t.Error("the refused outcome was taken")
	}
	if n := r.metric(t, "aggregator_outcome_reports_total", map[string]string{"source": "acme", "result": "refused"}); n != 1 {
		t.Errorf("refused outcomes %v, want 1", n)
	}
	if n := r.metric(t, "aggregator_outcome_reports_total", map[string]string{"source": "acme", "result": "accepted"}); n != 4 {
		t.Errorf("accepted outcomes %v, want 4", n)
	}
}

// TestReporterRetriesAnUnavailableSource: outcomes wait in the outbox
// while the source cannot take them and are sent once it can.
func TestReporterRetriesAnUnavailableSource(t *testing.T) {
	src := newFakeSource(t, "acme", "4.0.1")
	src.add("Patient/p1")
	src.set(func(s *fakeSource) { s.failReports = []fakeFailure{{503, ""}, {500, ""}} })
	r := startFollower(t, Config{}, src.spec())
	eventually(t, "reported", func() bool { return len(src.reports()) == 1 && r.pipe.outboxLen("acme") == 0 })
	if n := r.metric(t, "aggregator_outcome_reports_total", map[string]string{"source": "acme", "result": "failed"}); n != 2 {
		t.Errorf("failed reports %v, want 2", n)
	}

	// A refusal of the aggregator's token is not a refusal of the report.
	src.set(func(s *fakeSource) { s.tokens = map[string]bool{} })
	src.add("Patient/p2")
	eventually(t, "reported with a new token", func() bool { return len(src.reports()) == 2 && r.pipe.outboxLen("acme") == 0 })
}

// TestReporterWaitsTheGap: once the burst is spent, outcomes decided
// within ReportGap of a report go together in the next one, not one
// report per page applied.
func TestReporterWaitsTheGap(t *testing.T) {
	src := newFakeSource(t, "acme", "4.0.1")
	src.add("Patient/p0")
	r := startFollower(t, Config{ReportBurst: 1, ReportGap: time.Hour, ReportInterval: time.Millisecond}, src.spec())
	eventually(t, "the first outcome reported", func() bool { return src.reportCount() == 1 })
	for i := 1; i <= 5; i++ {
		src.add(fmt.Sprintf("Patient/p%d", i))
		eventually(t, "applied", func() bool { return len(r.pipe.appliedOf("acme")) == i+1 })
	}
	time.Sleep(50 * time.Millisecond) // ReportInterval and wakes had 50 chances to report
	if n := src.reportCount(); n != 1 {
		t.Fatalf("%d reports within the gap, want the first only", n)
	}
	if n := r.pipe.outboxLen("acme"); n != 5 {
		t.Fatalf("outbox holds %d outcomes, want the 5 waiting for the gap", n)
	}
}

// TestReportBudget: a burst goes at once, then one report per gap.
func TestReportBudget(t *testing.T) {
	t0 := time.Unix(0, 0)
	b := reportBudget{burst: 2, tokens: 2, gap: time.Second, at: t0}
	for i, step := range []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, 0}, {0, 0}, // the burst
		{0, time.Second},
		{250 * time.Millisecond, 750 * time.Millisecond},
		{time.Second, 0},
		{time.Second, time.Second}, // spent again
		{10 * time.Second, 0},      // refilled, to the burst only
		{10 * time.Second, 0},
		{10 * time.Second, time.Second},
	} {
		got := b.wait(t0.Add(step.at))
		if got != step.want {
			t.Fatalf("step %d at %v: wait %v, want %v", i, step.at, got, step.want)
		}
		if got == 0 {
			b.spend()
		}
	}
}
