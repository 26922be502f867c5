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
			p.Component = append(p.Component, defsfile.Component{Definition: string(c.Definition), Expression: c.Expression})
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out, nil
}
