package search

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/test/testenv"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirpath"
)

// medplumVersion is the third-party search engine the differential test
// compares with; testdata/medplum/package-lock.json pins it.
const medplumVersion = "5.2.13"

// medplumModules installs the pinned @medplum/fhir-router into the cache
// (outside the checkout) with the differential script beside it, and
// returns that folder.
func medplumModules(t *testing.T) string {
	t.Helper()
	return testenv.NPMInstall(t, "medplum-fhir-router-"+medplumVersion, filepath.Join("testdata", "medplum"))
}

// diffQuery is one generated query and the parameter type it exercises.
type diffQuery struct {
	typ, query, ptype, code string
}

// differentialQueries derives queries from the examples themselves: for
// every parameter of every example's type, a value the example has.
func differentialQueries(t *testing.T, e *Engine, resources []*fhirjson.Value) []diffQuery {
	seen := map[string]bool{}
	perParam := map[string]int{}
	var out []diffQuery
	add := func(q diffQuery) {
		k := q.typ + "?" + q.query
		if seen[k] || perParam[q.typ+"."+q.code] >= 3 {
			return
		}
		seen[k] = true
		perParam[q.typ+"."+q.code]++
		out = append(out, q)
	}
	env := &fhirpath.Env{Resolve: e.resolveTypeOnly}
	for _, res := range resources {
		typ := res.Str("resourceType")
		codes := make([]string, 0)
		for code := range e.reg.params(typ) {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		for _, code := range codes {
			p := e.reg.lookup(typ, code)
			if p.expr == nil || strings.HasPrefix(code, "_") && code != "_id" {
				continue
			}
			items, err := p.expr.Evaluate(env, res, e.v)
			if err != nil || len(items) == 0 {
				continue
			}
			if p.typ == "token" || p.typ == "string" || p.typ == "date" {
				add(diffQuery{typ, code + ":missing=true", "missing", code + ":missing"})
				add(diffQuery{typ, code + ":missing=false", "missing", code + ":missing"})
			}
			its := toItems(items)
			switch p.typ {
			case "token":
				for _, it := range its {
					for _, tk := range appendTokens(nil, it) {
						if tk.code == "" || strings.ContainsAny(tk.code+tk.system, ",|$\\") {
							continue
						}
						v := tk.code
						if tk.system != "" {
							v = tk.system + "|" + tk.code
						}
						add(diffQuery{typ, code + "=" + url.QueryEscape(v), "token", code})
						add(diffQuery{typ, code + ":not=" + url.QueryEscape(v), "token:not", code + ":not"})
						break
					}
				}
			case "string":
				for _, it := range its {
					parts := appendStringParts(nil, it)
					if len(parts) == 0 || parts[0] == "" || strings.ContainsAny(parts[0], ",$|\\") {
						continue
					}
					add(diffQuery{typ, code + "=" + url.QueryEscape(parts[0]), "string", code})
					break
				}
			case "reference":
				for _, iv := range e.refs().referenceValues("", its, true) {
					ref, _, _ := readStr(iv.keys[0][1:])
					if _, _, ok := e.refs().split(ref); ok {
						add(diffQuery{typ, code + "=" + url.QueryEscape(ref), "reference", code})
						break
					}
				}
			case "date":
				for _, it := range its {
					if it.v == nil || it.v.Kind != fhirjson.String || len(it.v.Text) < 10 {
						continue
					}
					if _, err := parseDateRange(it.v.Text[:10]); err == nil {
						add(diffQuery{typ, code + "=gt" + url.QueryEscape(it.v.Text[:10]), "date", code})
						add(diffQuery{typ, code + "=lt" + url.QueryEscape(it.v.Text[:10]), "date", code})
						break
					}
				}
			}
		}
	}
	return out
}

type medplumLine struct {
	Q   int      `json:"q"`
	IDs []string `json:"ids"`
	Err string   `json:"err"`
}

// TestDifferentialMedplum loads the R4 examples into fhirfleet and into
// Medplum's in-memory repository, runs the same generated token, reference
// and date queries on both and requires the same ids, except for the
// differences explained in explainDifference.
func TestDifferentialMedplum(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node (Node 20) is needed for the differential test: %v", err)
	}
	dir := medplumModules(t)
	f := loadExamples(t, defs.R4)
	resources := exampleResources(t, defs.R4)
	queries := differentialQueries(t, f.e, resources)
	job := map[string]any{"resources": resources, "queries": func() []string {
		var qs []string
		for _, q := range queries {
			qs = append(qs, q.typ+"?"+q.query)
		}
		return qs
	}()}
	var in bytes.Buffer
	if err := json.NewEncoder(&in).Encode(jsonOf(job)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "--experimental-websocket", "differential.mjs")
	cmd.Dir = dir
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	theirs := map[int]medplumLine{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var l medplumLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("node output %q: %v", sc.Text(), err)
		}
		theirs[l.Q] = l
	}
	byName := map[string]string{}
	for _, r := range resources {
		byName[r.Str("resourceType")+"/"+r.Str("id")] = string(fhirjson.Marshal(r))
	}
	same, explained := 0, map[string]int{}
	for i, q := range queries {
		ours, _ := run(t, f, q.typ, q.query+"&_count=1000")
		l := theirs[i]
		mine := sorted(ours)
		other := sorted(l.IDs)
		if l.Err == "" && slices.Equal(mine, other) {
			same++
			continue
		}
		why := explainDifference(q, mine, other, l.Err, byName, func(name, code string) bool {
			res, err := fhirjson.Parse([]byte(byName[name]))
			if err != nil {
				return false
			}
			raw, err := f.e.IndexEntries(res.Str("resourceType"), res)
			if err != nil {
				return false
			}
			for _, r := range raw {
				if r.Param == code {
					return false
				}
			}
			return true
		})
		if why == "" {
			t.Errorf("%s?%s:\n  fhirfleet %v\n  medplum   %v %s", q.typ, q.query, mine, other, l.Err)
			continue
		}
		explained[why]++
	}
	t.Logf("%d queries: %d identical, explained differences %v", len(queries), same, explained)
	if same < len(queries)/2 {
		t.Errorf("only %d of %d queries agree", same, len(queries))
	}
}

// explainDifference names a known, understood cause of a difference, or
// returns "" when the difference is not explained. Each rule checks the
// resources involved, so a new difference of another kind still fails.
func explainDifference(q diffQuery, ours, theirs []string, theirErr string, byName map[string]string, noValue func(name, code string) bool) string {
	if theirErr != "" {
		return ""
	}
	onlyOurs, onlyTheirs := minus(ours, theirs), minus(theirs, ours)
	all := func(names []string, pred func(js string) bool) bool {
		for _, n := range names {
			if !pred(byName[n]) {
				return false
			}
		}
		return len(names) > 0
	}
	param := strings.TrimSuffix(q.code, ":missing")
	valueless := func(names []string) bool {
		for _, n := range names {
			if !noValue(n, param) {
				return false
			}
		}
		return len(names) > 0
	}
	switch {
	case q.ptype == "missing" && strings.HasSuffix(q.query, "=true") && len(onlyTheirs) == 0 && valueless(onlyOurs),
		q.ptype == "missing" && strings.HasSuffix(q.query, "=false") && len(onlyOurs) == 0 && valueless(onlyTheirs):
		// The element is there but holds nothing the parameter can search
		// (a date parameter over occurrenceString "January 2012", an
		// Identifier without value): fhirfleet's :missing asks for a value,
		// Medplum's for any element.
		return ":missing means no searchable value"
	case q.typ == "Binary" && len(theirs) == 0:
		// MemoryRepository keeps Binary outside its searchable store.
		return "medplum does not search Binary"
	case q.ptype == "reference" && len(onlyTheirs) == 0 && all(onlyOurs, func(js string) bool {
		_, v, _ := strings.Cut(q.query, "=")
		ref, _ := url.QueryUnescape(v)
		return strings.Contains(js, `"`+ref+`/_history/`)
	}):
		// fhirfleet matches a versioned reference (Patient/1/_history/2) by
		// Type/id, as the spec allows; Medplum compares the whole string.
		return "versioned references match by Type/id"
	case q.ptype == "string" && len(onlyOurs) == 0 && all(onlyTheirs, func(js string) bool {
		_, v, _ := strings.Cut(q.query, "=")
		val, _ := url.QueryUnescape(v)
		return strings.Contains(strings.ToLower(js), strings.ToLower(val))
	}):
		// Medplum's in-memory string match is "contains"; FHIR's default
		// (and fhirfleet's) is "starts with" (:contains is the modifier).
		return "medplum strings match by contains"
	case q.ptype == "date" && len(onlyTheirs) == 0 && all(onlyOurs, func(js string) bool {
		return strings.Contains(js, `"boundsPeriod"`)
	}):
		// fhirfleet indexes a Timing by its events and repeat.boundsPeriod,
		// as the spec's date parameter type says; Medplum skips Timing.
		return "Timing bounds are dates"
	}
	return ""
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// exampleResources reads the examples loadExamples stores, as JSON values.
func exampleResources(t *testing.T, v *defs.Version) []*fhirjson.Value {
	f := loadExamples(t, v)
	var out []*fhirjson.Value
	for _, typ := range v.ResourceTypes() {
		for rec, err := range f.store.ScanType(t.Context(), typ, "") {
			if err != nil {
				t.Fatal(err)
			}
			res, err := fhirjson.Parse(rec.JSON)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, res)
		}
	}
	return out
}

// jsonOf turns values into something encoding/json writes faithfully
// (fhirjson keeps number literals).
func jsonOf(job map[string]any) any {
	res := job["resources"].([]*fhirjson.Value)
	raw := make([]json.RawMessage, len(res))
	for i, r := range res {
		raw[i] = json.RawMessage(fhirjson.Marshal(r))
	}
	return map[string]any{"resources": raw, "queries": job["queries"]}
}
