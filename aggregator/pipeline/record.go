package pipeline

import (
	"encoding/json"
	"fmt"
	"time"
)

// Statuses of an upstream version (Outcome.Status).
const (
	StatusAccepted = "accepted"
	StatusExcluded = "excluded"
	StatusPending  = "pending"
)

// Rules the pipeline itself decides on, beside aggregator/rules' codes.
const (
	// RuleReferenceExcluded: the resource points at a resource of its
	// source that is excluded, so its reference would dangle downstream.
	RuleReferenceExcluded = "reference-excluded"
	// RuleNotResource: the change's body is no resource of its type
	// (unparseable JSON, another resourceType, no R4 resource).
	RuleNotResource = "not-a-resource"
	// RuleMapping: the STU3 resource could not be mapped to R4
	// (aggregator/mapping's error, at the STU3 element it names).
	RuleMapping = "stu3-mapping"
	// RuleR4Invalid: the (mapped) resource fails the R4 validator.
	RuleR4Invalid = "r4-invalid"
)

// stateRecord is what the pipeline keeps of one upstream resource (namespace
// agg-state): its latest version, what the rules decided, the references
// it holds and its current outcome. The resource itself is in agg-resource.
type stateRecord struct {
	// Type is the R4 type the resource has downstream (an STU3
	// ReferralRequest is a ServiceRequest).
	Type        string    `json:"type"`
	VersionID   int64     `json:"v"`
	LastUpdated time.Time `json:"lu"`
	// Hash identifies the upstream JSON, so a replay after a Reset that
	// brings the same version with other content is applied.
	Hash     string `json:"h"`
	Customer string `json:"cust,omitempty"`
	Base     string `json:"base,omitempty"`
	// Violation is the first rule the resource itself breaks; nil when it
	// passed (then agg-resource holds it and Refs its references).
	Violation *violation `json:"viol,omitempty"`
	Refs      []ref      `json:"refs,omitempty"`

	// The current outcome (see Outcome).
	Status     string `json:"status,omitempty"`
	Rule       string `json:"rule,omitempty"`
	Expression string `json:"expr,omitempty"`
	Message    string `json:"msg,omitempty"`
	WaitingFor string `json:"wait,omitempty"`
	Downstream string `json:"down,omitempty"`
}

type violation struct {
	Rule       string `json:"rule"`
	Expression string `json:"expr,omitempty"`
	Message    string `json:"msg,omitempty"`
}

// ref is one target the resource points at (a same-source Type/id), with
// the expression of its first occurrence.
type ref struct {
	Type       string `json:"t"`
	ID         string `json:"i"`
	Expression string `json:"e"`
}

func decodeRecord(data []byte) (*stateRecord, error) {
	var r stateRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("pipeline: decode state record: %w", err)
	}
	return &r, nil
}

func encodeRecord(r *stateRecord) []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // plain strings and times only
	}
	return b
}

// decision is the outcome part of a record, compared to tell whether an
// outcome changed.
type decision struct {
	Status, Rule, Expression, Message, WaitingFor, Downstream string
}

func (r *stateRecord) decision() decision {
	if r == nil {
		return decision{}
	}
	return decision{r.Status, r.Rule, r.Expression, r.Message, r.WaitingFor, r.Downstream}
}

func (r *stateRecord) setDecision(d decision) {
	r.Status, r.Rule, r.Expression, r.Message, r.WaitingFor, r.Downstream =
		d.Status, d.Rule, d.Expression, d.Message, d.WaitingFor, d.Downstream
}
