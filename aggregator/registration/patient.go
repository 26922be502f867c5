package registration

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// identifier is an input Identifier: system (optional) and value.
type identifier struct{ System, Value string }

// token is the search token of the identifier.
func (id identifier) token() string {
	if id.System == "" {
		return id.Value
	}
	return id.System + "|" + id.Value
}

func (id identifier) value() *fhirjson.Value {
	v := fhirjson.NewObject()
	if id.System != "" {
		v.Set("system", fhirjson.NewString(id.System))
	}
	v.Set("value", fhirjson.NewString(id.Value))
	return v
}

// patient is what the operations read of a merged Patient.
type patient struct {
	ID        string
	NHSNumber string // "" when it has none
	BirthDate string // "" when it has none
	Deceased  bool
}

// findVisible finds the merged resource of typ with the identifier that
// the view sees; nil when there is none (not there, or hidden: the caller
// cannot tell, nor can its client).
func (s *Service) findVisible(ctx context.Context, view *access.View, typ string, id identifier) (*fhirjson.Value, error) {
	res, err := s.engine.Search(search.WithVisibility(ctx, view), search.Request{ResourceType: typ,
		Params: url.Values{"identifier": {id.token()}, "_count": {"1"}}})
	if err != nil {
		return nil, fmt.Errorf("find %s %s: %w", typ, id.token(), err)
	}
	if len(res.Entries) == 0 {
		return nil, nil
	}
	v, err := fhirjson.Parse(res.Entries[0].Record.JSON)
	if err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", typ, res.Entries[0].Record.ID, err)
	}
	return v, nil
}

// patientOf reads the parts of a Patient the operations answer with.
func patientOf(v *fhirjson.Value) *patient {
	p := &patient{ID: v.Str("id"), BirthDate: v.Str("birthDate")}
	if d := v.Get("deceasedBoolean"); d != nil && d.Kind == fhirjson.Bool {
		p.Deceased = d.Bool
	}
	if v.Str("deceasedDateTime") != "" {
		p.Deceased = true
	}
	if ids := v.Get("identifier"); ids != nil && ids.Kind == fhirjson.Array {
		for _, i := range ids.Items {
			if i.Str("system") == rules.NHSNumberSystem && p.NHSNumber == "" {
				p.NHSNumber = i.Str("value")
			}
		}
	}
	return p
}

// adultAt reports whether someone born on birthDate (YYYY, YYYY-MM or
// YYYY-MM-DD) is surely 16 or older at now: a partial date counts from
// its latest possible day, so a patient who may be under 16 is refused.
// ok is false when birthDate is not a FHIR date.
func adultAt(birthDate string, now time.Time) (adult, ok bool) {
	var born time.Time
	var err error
	switch len(birthDate) {
	case 4:
		born, err = time.Parse("2006", birthDate)
		born = born.AddDate(1, 0, -1)
	case 7:
		born, err = time.Parse("2006-01", birthDate)
		born = born.AddDate(0, 1, -1)
	default:
		born, err = time.Parse("2006-01-02", birthDate)
	}
	if err != nil {
		return false, false
	}
	return !now.Before(born.AddDate(16, 0, 0)), true
}
