package registration

import (
	"context"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// MaxStatusQuery is the most patientIdentifiers of one $status-query.
const MaxStatusQuery = 5000

// statusQuery is POST Patient/$status-query: one patientStatus per
// patientIdentifier, in order. An identifier of no Patient the caller sees
// answers registered=false and nothing else, exactly like one of no
// Patient at all.
func (s *Service) statusQuery(ctx context.Context, in *fhirjson.Value) (*fhirjson.Value, error) {
	who, err := customer(ctx, "status-query")
	if err != nil {
		return nil, err
	}
	ids, err := identifiers(in, "patientIdentifier", MaxStatusQuery)
	if err != nil {
		return nil, err
	}
	view := s.policy.View(who)
	out := make([]*fhirjson.Value, len(ids))
	err = each(ctx, len(ids), func(ctx context.Context, i int) error {
		st, err := s.status(ctx, view, ids[i])
		out[i] = st
		return err
	})
	if err != nil {
		return nil, err
	}
	return parameters(out), nil
}

// status is the patientStatus of one identifier.
func (s *Service) status(ctx context.Context, view *access.View, id identifier) (*fhirjson.Value, error) {
	res, err := s.findVisible(ctx, view, "Patient", id)
	if err != nil {
		return nil, err
	}
	parts := []*fhirjson.Value{part("patientIdentifier", "valueIdentifier", id.value())}
	registered := false
	if res != nil {
		p := patientOf(res)
		if p.NHSNumber != "" {
			if _, registered, err = s.registeredAt(p.NHSNumber); err != nil {
				return nil, err
			}
		}
		parts = append(parts, part("deceased", "valueBoolean", fhirjson.NewBool(p.Deceased)))
		if p.BirthDate != "" {
			parts = append(parts, part("dateOfBirth", "valueDate", fhirjson.NewString(p.BirthDate)))
		}
	}
	parts = append(parts, part("registered", "valueBoolean", fhirjson.NewBool(registered)))
	return group("patientStatus", parts...), nil
}
