package follow

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// fakePipeline keeps in memory what the follower asks the pipeline to
// keep: cursors, applied changes, an outbox of outcomes. It accepts every
// change, except one whose id starts with "x" (excluded by rule "test").
type fakePipeline struct {
	mu        sync.Mutex
	cursors   map[string]string
	applied   map[string][]string // source -> "Type/id/v" in order
	stu3      map[string]bool
	outbox    map[string]map[string]Outcome // source -> Type/id -> latest
	latest    map[string]map[string]Outcome // source -> Type/id -> latest decided
	resets    map[string]int
	caughtUps map[string]int
	forgotten []string
	// applyGate, when set for a source, is received from before each
	// Apply of it: a test holds the pipeline there.
	applyGate map[string]chan struct{}
}

func newFakePipeline() *fakePipeline {
	return &fakePipeline{cursors: map[string]string{}, applied: map[string][]string{}, stu3: map[string]bool{},
		outbox: map[string]map[string]Outcome{}, latest: map[string]map[string]Outcome{},
		resets: map[string]int{}, caughtUps: map[string]int{}, applyGate: map[string]chan struct{}{}}
}

func (p *fakePipeline) Cursor(src string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cursors[src], nil
}

func (p *fakePipeline) Apply(ctx context.Context, src source.Spec, stu3 bool, changes []changefeed.Change, next string) (Applied, error) {
	p.mu.Lock()
	gate := p.applyGate[src.Name]
	p.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return Applied{}, ctx.Err()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var a Applied
	for _, c := range changes {
		p.applied[src.Name] = append(p.applied[src.Name], c.Type+"/"+c.ID+"/"+itoa(c.VersionID))
		o := Outcome{Source: src.Name, Type: c.Type, ID: c.ID, VersionID: c.VersionID, Status: "accepted", Downstream: c.Type + "/d-" + c.ID}
		if strings.HasPrefix(c.ID, "x") {
			o = Outcome{Source: src.Name, Type: c.Type, ID: c.ID, VersionID: c.VersionID, Status: "excluded",
				Rule: "test", Expression: c.Type + ".id", Message: "ids starting with x are excluded"}
		}
		if p.outbox[src.Name] == nil {
			p.outbox[src.Name], p.latest[src.Name] = map[string]Outcome{}, map[string]Outcome{}
		}
		p.outbox[src.Name][c.Type+"/"+c.ID] = o
		p.latest[src.Name][c.Type+"/"+c.ID] = o
		a.Outcomes = append(a.Outcomes, o)
	}
	p.stu3[src.Name] = stu3
	p.cursors[src.Name] = next
	return a, nil
}

func (p *fakePipeline) Reports(src string, limit int) ([]Outcome, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Outcome
	for _, o := range p.outbox[src] {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type+"/"+out[i].ID < out[j].Type+"/"+out[j].ID })
	return out[:min(limit, len(out))], nil
}

func (p *fakePipeline) Ack(_ context.Context, src string, reported []Outcome) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, o := range reported {
		if p.outbox[src][o.Type+"/"+o.ID] == o {
			delete(p.outbox[src], o.Type+"/"+o.ID)
		}
	}
	return nil
}

func (p *fakePipeline) Counts(src string) (accepted, excluded, pending int64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, o := range p.latest[src] {
		switch o.Status {
		case "accepted":
			accepted++
		case "excluded":
			excluded++
		case "pending":
			pending++
		}
	}
	return accepted, excluded, pending, nil
}

func (p *fakePipeline) Reset(_ context.Context, src string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resets[src]++
	p.cursors[src] = ""
	return nil
}

func (p *fakePipeline) CaughtUp(_ context.Context, src string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.caughtUps[src]++
	return nil
}

func (p *fakePipeline) Forget(_ context.Context, src string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forgotten = append(p.forgotten, src)
	delete(p.latest, src)
	delete(p.outbox, src)
	delete(p.cursors, src)
	return nil
}

func (p *fakePipeline) appliedOf(src string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.applied[src])
}

func (p *fakePipeline) outboxLen(src string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.outbox[src])
}

func (p *fakePipeline) count(m map[string]int, src string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return m[src]
}
