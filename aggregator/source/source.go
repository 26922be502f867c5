package source

import (
	"context"
	"time"
)

// Spec is one customer feed to follow.
type Spec struct {
	// Name identifies the source for good: its cursor, its outcomes and the
	// ids of its copies are keyed by it, so it must not change while the
	// source exists. "<namespace>/<name>" of a FhirEndpoint; the --source
	// name statically.
	Name string
	// Customer is the customer the feed belongs to (spec.customer).
	Customer string
	// Base is the FHIR base the source's own resources use in absolute
	// references and that provenance names: the endpoint's public URL
	// (status.url), <origin>/fhir.
	Base string
	// FetchBase is where the aggregator calls the source's FHIR API
	// ($changes, metadata, $aggregation-outcome): the Service in the
	// cluster. Empty means Base.
	FetchBase string
	// TokenURL is the source's token endpoint.
	TokenURL string
	// ClientID and ClientSecret are the source's aggregator client
	// (aggregator_client_id, aggregator_client_secret).
	ClientID     string
	ClientSecret string
	// Namespace and Object name the FhirEndpoint whose status.aggregation
	// is written (Kubernetes only; empty statically).
	Namespace string
	Object    string
}

// API is the base the aggregator calls.
func (s Spec) API() string {
	if s.FetchBase != "" {
		return s.FetchBase
	}
	return s.Base
}

// Discoverer finds the sources.
type Discoverer interface {
	// Run calls update with the whole set of sources once at start and then
	// whenever it changes (a source added or removed, its address or its
	// credentials changed), until ctx ends. update is never called
	// concurrently with itself.
	Run(ctx context.Context, update func([]Spec)) error
}

// Reasons of a State, the reason of the Aggregated condition.
const (
	ReasonFollowing          = "Following"
	ReasonSourceUnreachable  = "SourceUnreachable"
	ReasonCredentialsRefused = "CredentialsRefused"
	ReasonCursorReset        = "CursorReset"
	ReasonSourceError        = "SourceError"
)

// State is one source's progress as the follower sees it.
type State struct {
	// Cursor is the source's change-feed cursor after the last change
	// applied.
	Cursor string
	// LastSync is when the follower last reached the head of the feed.
	LastSync time.Time
	// Lag is how far behind the source's head the aggregated set is: the
	// age of the oldest change not yet applied, 0 at the head.
	Lag time.Duration
	// Accepted, Excluded and Pending count the source's resources by
	// their current outcome.
	Accepted, Excluded, Pending int64
	// Healthy is the Aggregated condition: true while the feed is followed.
	Healthy bool
	// Reason is one of the Reason constants; Message says more.
	Reason  string
	Message string
}

// StatusSink publishes each source's State (on the FhirEndpoint in
// Kubernetes). Publish is called at most every few seconds per source and
// whenever Healthy or Reason change.
type StatusSink interface {
	Publish(ctx context.Context, s Spec, st State) error
}
