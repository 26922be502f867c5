package follow

import (
	"context"

	"github.com/fhirfleet/fhirfleet/aggregator/pipeline"
	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// Pipeline is what the follower needs of aggregator/pipeline (its
// *pipeline.Pipeline), kept as an interface so the follower's tests can
// make the pipeline slow, fail or record what it was asked.
type Pipeline interface {
	// Cursor is the source's stored change-feed cursor ("" = the start).
	Cursor(source string) (string, error)
	// Apply applies one page and stores next as the source's cursor in
	// the same batch.
	Apply(ctx context.Context, src source.Spec, stu3 bool, changes []changefeed.Change, next string) (Applied, error)
	// Reports returns up to limit outcomes of source not yet acknowledged;
	// Ack removes them (unless a newer outcome replaced one since).
	Reports(source string, limit int) ([]Outcome, error)
	Ack(ctx context.Context, source string, reported []Outcome) error
	// Counts are the source's resources by current outcome.
	Counts(source string) (accepted, excluded, pending int64, err error)
	// Reset forgets the cursor the source rejected; CaughtUp is called at
	// each empty page (after a Reset, the first one reconciles).
	Reset(ctx context.Context, source string) error
	CaughtUp(ctx context.Context, source string) error
	// Forget removes everything the source contributed.
	Forget(ctx context.Context, source string) error
}

// Applied and Outcome are the pipeline's.
type (
	Applied = pipeline.Applied
	Outcome = pipeline.Outcome
)

// The aggregator's pipeline is the Pipeline the follower follows into.
var _ Pipeline = (*pipeline.Pipeline)(nil)
