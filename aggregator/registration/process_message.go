package registration

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"sync"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/pipeline"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// Applier is the part of the aggregator's pipeline $process-message
// feeds (*pipeline.Pipeline).
type Applier interface {
	Apply(ctx context.Context, src source.Spec, stu3 bool, changes []changefeed.Change, next string) (pipeline.Applied, error)
	Reports(source string, limit int) ([]pipeline.Outcome, error)
	Ack(ctx context.Context, source string, reported []pipeline.Outcome) error
}

// PlatformSourcePrefix names the platform-owned sources $process-message
// writes through, one per calling customer: "platform/process-message/<customer>".
const PlatformSourcePrefix = "platform/process-message/"

// messages serialises $process-message per service: the pipeline takes
// one source's pages one at a time, in version order.
type messages struct {
	mu   sync.Mutex
	last int64 // the last version applied
}

// nextVersion is a version above every earlier one, also across restarts
// (microseconds of the clock, or one more than the last).
func (m *messages) nextVersion(now time.Time) int64 {
	v := now.UnixMicro()
	if v <= m.last {
		v = m.last + 1
	}
	m.last = v
	return v
}

// processMessage is POST Patient/$process-message: one Patient (parameter
// resource) with an NHS number creates the caller's record of that patient
// or updates its demographics, through the caller's platform source and
// the normal pipeline (rules, merge, outcomes). The answer says what the
// pipeline decided; an excluded Patient is a 422 naming the rule's
// expression. With an email (telecom system email) and an eligible
// patient, an invitation mail is queued in the durable outbox in the same
// batch as its invitation.
func (s *Service) processMessage(ctx context.Context, in *fhirjson.Value) (*fhirjson.Value, error) {
	who, err := customer(ctx, "process-message")
	if err != nil {
		return nil, err
	}
	if s.cfg.Pipeline == nil {
		return nil, outcome.New(http.StatusNotImplemented, outcome.CodeNotSupported, "", "$process-message needs the aggregator's pipeline")
	}
	pat, err := messagePatient(in)
	if err != nil {
		return nil, err
	}
	nhs := patientOf(pat).NHSNumber
	id := "pm-" + nhs
	pat.Set("id", fhirjson.NewString(id))
	spec := source.Spec{Name: PlatformSourcePrefix + who.Customer, Customer: who.Customer,
		Base: s.cfg.BaseURL + "/platform/process-message/" + who.Customer}
	s.msgs.mu.Lock()
	now := s.now().UTC()
	v := s.msgs.nextVersion(now)
	ch := changefeed.Change{Type: "Patient", ID: id, VersionID: v, Op: changefeed.OpUpdate, LastUpdated: now,
		Resource: fhirjson.Marshal(pat)}
	applied, err := s.cfg.Pipeline.Apply(ctx, spec, false, []changefeed.Change{ch}, strconv.FormatInt(v, 10))
	if err == nil {
		err = s.ackAll(ctx, spec.Name)
	}
	s.msgs.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("process-message: %w", err)
	}
	var o *pipeline.Outcome
	for i := range applied.Outcomes {
		if a := &applied.Outcomes[i]; a.Source == spec.Name && a.Type == "Patient" && a.ID == id {
			o = a
		}
	}
	if o == nil {
		return nil, fmt.Errorf("process-message: the pipeline decided nothing for Patient/%s", id)
	}
	if o.Status == pipeline.StatusExcluded {
		return nil, outcome.New(http.StatusUnprocessableEntity, outcome.CodeBusinessRule,
			"Parameters.parameter[0].resource."+o.Expression, "excluded by rule %s: %s", o.Rule, o.Message)
	}
	out := []*fhirjson.Value{part("outcome", "resource", outcome.Resource([]outcome.Issue{{
		Severity: outcome.Information, Code: outcome.CodeInformational, Diagnostics: o.Status + " " + o.Downstream + o.WaitingFor}}))}
	if o.Status == pipeline.StatusAccepted {
		ref := fhirjson.NewObject()
		ref.Set("reference", fhirjson.NewString(o.Downstream))
		out = append(out, part("patient", "valueReference", ref))
		if email := emailOf(pat); email != "" {
			sent, err := s.inviteByMail(ctx, who.Customer, nhs, email)
			if err != nil {
				return nil, err
			}
			out = append(out, part("invitation", "valueString", fhirjson.NewString(sent)))
		}
	}
	return parameters(out), nil
}

// ackAll acknowledges the platform source's outcomes: they are answered
// to the caller, there is no endpoint to report them to.
func (s *Service) ackAll(ctx context.Context, name string) error {
	for {
		reps, err := s.cfg.Pipeline.Reports(name, 100)
		if err != nil || len(reps) == 0 {
			return err
		}
		if err := s.cfg.Pipeline.Ack(ctx, name, reps); err != nil {
			return err
		}
	}
}

// messagePatient is the one Patient of the message, with a valid NHS number.
func messagePatient(in *fhirjson.Value) (*fhirjson.Value, error) {
	params := in.Get("parameter")
	if params == nil || params.Kind != fhirjson.Array || len(params.Items) != 1 || params.Items[0].Str("name") != "resource" {
		return nil, outcome.BadRequest(outcome.CodeRequired, "Parameters.parameter", "$process-message takes exactly one parameter, resource, holding a Patient")
	}
	pat := params.Items[0].Get("resource")
	if pat == nil || pat.Kind != fhirjson.Object || pat.Str("resourceType") != "Patient" {
		return nil, outcome.BadRequest(outcome.CodeStructure, "Parameters.parameter[0].resource", "resource must be a Patient")
	}
	nhs := patientOf(pat).NHSNumber
	if !rules.ValidNHSNumber(nhs) {
		return nil, outcome.BadRequest(outcome.CodeValue, "Parameters.parameter[0].resource.identifier",
			"the Patient needs a valid NHS number (system %s); %q is not one", rules.NHSNumberSystem, nhs)
	}
	if email := emailOf(pat); email != "" {
		// The address goes into a mail header: only a bare address will do.
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			return nil, outcome.BadRequest(outcome.CodeValue, "Parameters.parameter[0].resource.telecom",
				"%q is not an email address (a bare address like jane@example.org)", email)
		}
	}
	return pat, nil
}

// emailOf is the Patient's first email address, "" when none.
func emailOf(pat *fhirjson.Value) string {
	if t := pat.Get("telecom"); t != nil && t.Kind == fhirjson.Array {
		for _, c := range t.Items {
			if c.Str("system") == "email" && c.Str("value") != "" {
				return c.Str("value")
			}
		}
	}
	return ""
}
