package main

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

type searchParameter struct {
	ID           string            `json:"id"`
	URL          string            `json:"url"`
	Experimental bool              `json:"experimental"`
	Code         string            `json:"code"`
	Base         []string          `json:"base"`
	Type         string            `json:"type"`
	Expression   string            `json:"expression"`
	Target       []string          `json:"target"`
	Modifier     []string          `json:"modifier"`
	Comparator   []string          `json:"comparator"`
	Component    []searchComponent `json:"component"`
	MultipleOr   *bool             `json:"multipleOr"`
	MultipleAnd  *bool             `json:"multipleAnd"`
}

type searchComponent struct {
	Definition canonicalOrReference `json:"definition"`
	Expression string               `json:"expression"`
}

// canonicalOrReference reads a component's definition: R4 writes the
// canonical URL, STU3 a Reference {"reference": url}.
type canonicalOrReference string

func (c *canonicalOrReference) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, (*string)(c))
	}
	var ref struct {
		Reference string `json:"reference"`
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		return err
	}
	*c = canonicalOrReference(ref.Reference)
	return nil
}

// convertSearchParams keeps the core search parameters, sorted by URL.
// Experimental ones are left out: in both packages exactly the examples and
// the parameters of extension and profile pages (patient-extensions-…,
// observation-genetic-…) are experimental, and the R4 bundle of core
// parameters holds none of them.
func convertSearchParams(sps []searchParameter) ([]defsfile.SearchParam, error) {
	var out []defsfile.SearchParam
	byURL := map[string]bool{}
	byBaseCode := map[string]string{}
	for _, sp := range sps {
		if sp.Experimental {
			continue
		}
		if sp.URL == "" || sp.Code == "" || sp.Type == "" || len(sp.Base) == 0 {
			return nil, fmt.Errorf("SearchParameter %s: url, code, type and base are required", sp.ID)
		}
		if byURL[sp.URL] {
			return nil, fmt.Errorf("SearchParameter %s: url %s defined twice", sp.ID, sp.URL)
		}
		byURL[sp.URL] = true
		for _, base := range sp.Base {
			key := base + "?" + sp.Code
			if other, dup := byBaseCode[key]; dup {
				return nil, fmt.Errorf("SearchParameter %s: %s:%s also defined by %s", sp.ID, base, sp.Code, other)
			}
			byBaseCode[key] = sp.ID
		}
		p := defsfile.SearchParam{
			URL:         sp.URL,
			Code:        sp.Code,
			Base:        sp.Base,
			Type:        sp.Type,
			Expression:  sp.Expression,
			Target:      sp.Target,
			Modifier:    sp.Modifier,
			Comparator:  sp.Comparator,
			MultipleOr:  sp.MultipleOr,
			MultipleAnd: sp.MultipleAnd,
		}
		for _, c := range sp.Component {
			p.Component = append(p.Component, defsfile.Component{Definition: string(c.Definition),
				Expression: correctComponent(sp.URL, string(c.Definition), c.Expression)})
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out, nil
}

// componentCorrections fixes component expressions the official packages
// publish wrongly, keyed by parameter URL, component definition and the
// published (wrong) expression, so a corrected upstream is left alone.
//
// DocumentReference-relationship (STU3 3.0.2 and R4 4.0.1) pairs its two
// components the wrong way round: the reference component "relatesto" reads
// relatesTo.code and the token component "relation" reads relatesTo.target,
// so no resource could ever match. Each component must read the element its
// own parameter indexes (DocumentReference-relatesto is relatesTo.target,
// DocumentReference-relation is relatesTo.code).
var componentCorrections = map[[3]string]string{
	{"http://hl7.org/fhir/SearchParameter/DocumentReference-relationship", "http://hl7.org/fhir/SearchParameter/DocumentReference-relatesto", "code"}:  "target",
	{"http://hl7.org/fhir/SearchParameter/DocumentReference-relationship", "http://hl7.org/fhir/SearchParameter/DocumentReference-relation", "target"}: "code",
}

func correctComponent(paramURL, definition, expression string) string {
	if fixed, ok := componentCorrections[[3]string{paramURL, definition, expression}]; ok {
		return fixed
	}
	return expression
}
