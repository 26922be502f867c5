package follow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// report drains the source's outbox (Pipeline.Reports) to the source's
// POST $aggregation-outcome until ctx ends: a report at a time, at most
// maxReport outcomes, acknowledged (Pipeline.Ack) once the source took it.
// A few reports go at once (Config.ReportBurst); sustained, a source gets
// one every Config.ReportGap (a full report is followed at once), and the
// outcomes decided meanwhile go together in the next.
// The outbox is durable, so a report lost to a crash or an unreachable
// source is sent again later; the source keeps the latest outcome per
// resource, so sending one twice is harmless.
func (l *sourceLoop) report(ctx context.Context) {
	r := newRetry(l.f.cfg.Backoff)
	t := time.NewTicker(l.f.cfg.ReportInterval)
	defer t.Stop()
	budget := reportBudget{burst: float64(l.f.cfg.ReportBurst), gap: l.f.cfg.ReportGap}
	budget.tokens, budget.at = budget.burst, time.Now()
	for ctx.Err() == nil {
		outs, err := l.f.cfg.Pipeline.Reports(l.spec.Name, maxReport)
		if err == nil && len(outs) > 0 {
			err = l.send(ctx, outs)
			budget.spend()
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			d := r.next(changefeed.RetryAfter(err))
			l.log.Warn("cannot report outcomes to the source; retrying", "err", err, "retryIn", d.Round(time.Millisecond))
			if !sleep(ctx, d) {
				return
			}
			continue
		}
		r.reset()
		if len(outs) == maxReport {
			continue // more wait
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-t.C:
		}
		if d := budget.wait(time.Now()); d > 0 && !sleep(ctx, d) {
			return
		}
	}
}

// reportBudget is a token bucket of reports: it holds up to burst, and one
// more comes every gap.
type reportBudget struct {
	burst, tokens float64
	gap           time.Duration
	at            time.Time // when tokens was counted
}

// wait is how long until a report may go.
func (b *reportBudget) wait(now time.Time) time.Duration {
	b.tokens = min(b.burst, b.tokens+float64(now.Sub(b.at))/float64(b.gap))
	b.at = now
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(b.gap))
}

// spend counts a report sent.
func (b *reportBudget) spend() { b.tokens = max(0, b.tokens-1) }

// errRefused is a report the source answered 400: an outcome it will never
// take. Retrying it would block every later outcome of the source.
var errRefused = errors.New("the source refused the report")

// send posts outs and acknowledges what the source took. A refused report
// is halved until the outcome at fault is alone; that one is dropped
// (acknowledged, logged, counted) so the rest get through.
func (l *sourceLoop) send(ctx context.Context, outs []Outcome) error {
	err := l.post(ctx, outs)
	switch {
	case err == nil:
		l.f.cfg.Metrics.reported(l.spec.Name, "accepted", len(outs))
		return l.ack(ctx, outs)
	case !errors.Is(err, errRefused):
		l.f.cfg.Metrics.reported(l.spec.Name, "failed", len(outs))
		return err
	case len(outs) == 1:
		o := outs[0]
		l.log.Error("the source refused an outcome; dropping it", "resource", o.Type+"/"+o.ID,
			"versionId", o.VersionID, "status", o.Status, "err", err)
		l.f.cfg.Metrics.reported(l.spec.Name, "refused", 1)
		return l.ack(ctx, outs)
	}
	half := len(outs) / 2
	if err := l.send(ctx, outs[:half]); err != nil {
		return err
	}
	return l.send(ctx, outs[half:])
}

func (l *sourceLoop) ack(ctx context.Context, outs []Outcome) error {
	if err := l.f.cfg.Pipeline.Ack(ctx, l.spec.Name, outs); err != nil {
		return fmt.Errorf("acknowledge %d outcomes: %w", len(outs), err)
	}
	return nil
}

// post sends one report with the aggregator client's token; a token the
// source refuses is renewed once, as a poll does.
func (l *sourceLoop) post(ctx context.Context, outs []Outcome) error {
	body, err := ReportBody(outs)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for attempt := 0; ; attempt++ {
		tok, err := l.tokens.Token(ctx)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.spec.API()+"/$aggregation-outcome", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/fhir+json")
		req.Header.Set("Accept", "application/fhir+json")
		resp, err := l.f.cfg.HTTPClient.Do(req)
		if err != nil {
			return &changefeed.Error{Kind: changefeed.ErrUnavailable, Detail: "POST $aggregation-outcome", Err: err}
		}
		answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return &changefeed.Error{Kind: changefeed.ErrUnavailable, Status: resp.StatusCode, Detail: "reading the answer to $aggregation-outcome", Err: err}
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return nil
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			l.tokens.Reject(tok)
			continue
		case resp.StatusCode == http.StatusBadRequest:
			return fmt.Errorf("%w: %w", errRefused, changefeed.StatusError(resp.StatusCode, resp.Header, answer, l.f.cfg.Now()))
		}
		return changefeed.StatusError(resp.StatusCode, resp.Header, answer, l.f.cfg.Now())
	}
}
