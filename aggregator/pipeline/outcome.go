package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
)

// Outcome is the decision on one upstream version; the field names follow
// the parts of POST <source>/fhir/$aggregation-outcome (docs/aggregator.md).
type Outcome struct {
	Source     string `json:"source"`
	Type       string `json:"type"`
	ID         string `json:"id"`
	VersionID  int64  `json:"versionId"`
	Status     string `json:"status"` // StatusAccepted, StatusExcluded or StatusPending
	Downstream string `json:"downstream,omitempty"`
	Rule       string `json:"rule,omitempty"`
	Expression string `json:"expression,omitempty"`
	Message    string `json:"message,omitempty"`
	WaitingFor string `json:"waitingFor,omitempty"`
}

func outcomeOf(m merge.Member, r *stateRecord) Outcome {
	return Outcome{
		Source: m.Source, Type: m.Type, ID: m.ID, VersionID: r.VersionID, Status: r.Status,
		Downstream: r.Downstream, Rule: r.Rule, Expression: r.Expression, Message: r.Message, WaitingFor: r.WaitingFor,
	}
}

// decide records the batch's new outcomes: for every member whose upstream
// version was applied or whose decision changed, the state record, the
// outbox (latest outcome per resource, until acknowledged) and the counts.
func (b *batch) decide() error {
	delta := map[string]int64{}
	for _, m := range sortedMembers(b.touched) {
		r, was := b.recs[m], b.orig[m]
		key := memberKey(m)
		if r == nil {
			b.state.del(key)
			b.outbox.del(key)
			if was.Status != "" {
				delta[countKey(m.Source, was.Status)]--
			}
			continue
		}
		if r.decision() == was && !b.changed[m] {
			continue
		}
		b.state.put(key, encodeRecord(r))
		if r.Status != was.Status {
			if was.Status != "" {
				delta[countKey(m.Source, was.Status)]--
			}
			delta[countKey(m.Source, r.Status)]++
		}
		o := outcomeOf(m, r)
		data, err := json.Marshal(o)
		if err != nil {
			return err
		}
		b.outbox.put(key, data)
		b.outcomes = append(b.outcomes, o)
	}
	for k, d := range delta {
		if d == 0 {
			continue
		}
		n, err := b.count(k)
		if err != nil {
			return err
		}
		b.counts.put(k, []byte(strconv.FormatInt(n+d, 10)))
	}
	return nil
}

func countKey(source, status string) string { return source + "\x00" + status }

func (b *batch) count(key string) (int64, error) {
	data, ok, err := b.counts.get(key)
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pipeline: count %q: %w", key, err)
	}
	return n, nil
}

// Reports returns up to limit outcomes of source not yet acknowledged: the
// latest outcome of each upstream resource, in Type/id order.
func (p *Pipeline) Reports(source string, limit int) ([]Outcome, error) {
	recs, err := p.outbox.Scan(sourcePrefix(source), "", limit, time.Time{})
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, 0, len(recs))
	for _, r := range recs {
		var o Outcome
		if err := json.Unmarshal(r.Data, &o); err != nil {
			return nil, fmt.Errorf("pipeline: outbox %q: %w", r.Key, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// Ack removes reported outcomes from the outbox, unless a newer outcome for
// the same resource replaced one since it was read.
func (p *Pipeline) Ack(ctx context.Context, source string, reported []Outcome) error {
	for _, o := range reported {
		if o.Source != source {
			return fmt.Errorf("pipeline: acknowledging an outcome of %q as %q", o.Source, source)
		}
	}
	return p.write(ctx, func(b *batch) error { return b.ack(reported) })
}

func (b *batch) ack(reported []Outcome) error {
	for _, o := range reported {
		key := memberKey(merge.Member{Source: o.Source, Type: o.Type, ID: o.ID})
		data, ok, err := b.outbox.get(key)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		var cur Outcome
		if err := json.Unmarshal(data, &cur); err != nil {
			return fmt.Errorf("pipeline: outbox %q: %w", key, err)
		}
		if cur == o {
			b.outbox.del(key)
		}
	}
	return nil
}

// Counts are the source's resources by current outcome.
func (p *Pipeline) Counts(source string) (accepted, excluded, pending int64, err error) {
	b := p.newBatch()
	out := [3]int64{}
	for i, st := range []string{StatusAccepted, StatusExcluded, StatusPending} {
		if out[i], err = b.count(countKey(source, st)); err != nil {
			return 0, 0, 0, err
		}
	}
	return out[0], out[1], out[2], nil
}
