package fhirpath

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// invariant is one constraint of a resource's StructureDefinition: an
// expression evaluated on every node at an element path. The invariants use
// far more of FHIRPath than the search parameters do (children(),
// matches(), iif, implies, descendants(), ...), so diffing them against
// fhirpath.js checks the rest of the function list on real data.
type invariant struct {
	key, base, expr string
}

// loadInvariants reads the constraints of the base resource definitions
// in the official package (not profiles), keyed by resource type.
func loadInvariants(t testing.TB, v *defs.Version) map[string][]invariant {
	dir := filepath.Join(packagesDir(t), versionDirs[v.Name], "package")
	out := map[string][]invariant{}
	for _, rt := range v.ResourceTypes() {
		data, err := os.ReadFile(filepath.Join(dir, "StructureDefinition-"+rt+".json"))
		if err != nil {
			t.Fatalf("read definition of %s: %v", rt, err)
		}
		sd, err := fhirjson.Parse(data)
		if err != nil {
			t.Fatalf("parse definition of %s: %v", rt, err)
		}
		snap := sd.Get("snapshot").Get("element")
		if snap == nil {
			t.Fatalf("definition of %s has no snapshot", rt)
		}
		for _, el := range snap.Items {
			path := strings.ReplaceAll(el.Str("path"), "[x]", "")
			cs := el.Get("constraint")
			if cs == nil {
				continue
			}
			for _, c := range cs.Items {
				if e := c.Str("expression"); e != "" {
					out[rt] = append(out[rt], invariant{key: c.Str("key"), base: path, expr: e})
				}
			}
		}
	}
	return out
}

// everyElementExamples is how many examples per resource type check ele-1
// and ext-1, the two invariants every element and every extension carry:
// on all examples they would be three quarters of the run and add nothing
// after the first few thousand nodes.
const everyElementExamples = 3

type invJob struct {
	Version string    `json:"version"`
	Mode    string    `json:"mode"`
	Bases   []string  `json:"bases"`
	Exprs   []string  `json:"exprs"`
	Cases   []invCase `json:"cases"`
}

type invCase struct {
	File  string   `json:"file"`
	Pairs [][2]int `json:"pairs"`
	typ   string
}

type invLine struct {
	C   int     `json:"c"`
	P   int     `json:"p"`
	N   [][]any `json:"n"`
	Err string  `json:"err"`
}

// TestDifferentialInvariants evaluates every invariant of every resource
// definition over the official examples with fhirfleet and fhirpath.js and
// requires the same answers, node by node, except where explained in
// invariantDifferences.
func TestDifferentialInvariants(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node (Node 20) is needed for the differential test: %v", err)
	}
	modules := fhirpathJS(t)
	for _, v := range []*defs.Version{defs.R4, defs.STU3} {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			runInvariants(t, v, modules)
		})
	}
}

func runInvariants(t *testing.T, v *defs.Version, modules string) {
	invs := loadInvariants(t, v)
	job := invJob{Version: strings.ToLower(v.Name), Mode: "invariants"}
	baseIdx, exprIdx := map[string]int{}, map[string]int{}
	index := func(m map[string]int, list *[]string, s string) int {
		if i, ok := m[s]; ok {
			return i
		}
		m[s] = len(*list)
		*list = append(*list, s)
		return m[s]
	}
	bases := map[string]*Expr{}
	exprs := map[string]*Expr{}
	for _, list := range invs {
		for _, inv := range list {
			var err error
			if _, ok := exprs[inv.expr]; !ok {
				if exprs[inv.expr], err = Compile(inv.expr); err != nil {
					t.Errorf("%s %s (%s): %v", v.Name, inv.key, inv.expr, err)
				}
			}
			if _, ok := bases[inv.base]; !ok {
				if bases[inv.base], err = Compile(inv.base); err != nil {
					t.Errorf("%s base path %s: %v", v.Name, inv.base, err)
				}
			}
		}
	}
	if t.Failed() {
		return
	}
	seen := map[string]int{}
	for _, ex := range listExamples(t, v) {
		c := invCase{File: ex.file, typ: ex.typ}
		seen[ex.typ]++
		for _, inv := range invs[ex.typ] {
			if (inv.key == "ele-1" || inv.key == "ext-1") && seen[ex.typ] > everyElementExamples {
				continue
			}
			c.Pairs = append(c.Pairs, [2]int{index(baseIdx, &job.Bases, inv.base), index(exprIdx, &job.Exprs, inv.expr)})
		}
		if len(c.Pairs) > 0 {
			job.Cases = append(job.Cases, c)
		}
	}
	jobFile := filepath.Join(t.TempDir(), "job.json")
	data, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jobFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join("testdata", "fhirpathjs", "differential.js"), jobFile)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	curCase, pairs, nodes, asOnMany := -1, 0, 0, 0
	var res *fhirjson.Value
	var found map[int][]Item // base path results of the current example
	diffs := map[string][]string{}
	for sc.Scan() {
		var ln invLine
		if err := json.Unmarshal(sc.Bytes(), &ln); err != nil {
			t.Fatalf("bad node output %q: %v", clip(sc.Text()), err)
		}
		pairs++
		if ln.C != curCase {
			curCase = ln.C
			raw, err := os.ReadFile(job.Cases[ln.C].File)
			if err != nil {
				t.Fatal(err)
			}
			if res, err = fhirjson.Parse(raw); err != nil {
				t.Fatal(err)
			}
			found = map[int][]Item{}
		}
		pair := job.Cases[ln.C].Pairs[ln.P]
		base, src := job.Bases[pair[0]], job.Exprs[pair[1]]
		nodesAt, ok := found[pair[0]]
		if !ok {
			nodesAt, err = bases[base].Evaluate(&Env{Resolve: typeOnlyResolver}, res, v)
			if err != nil {
				t.Fatalf("base path %s over %s: %v", base, job.Cases[ln.C].File, err)
			}
			found[pair[0]] = nodesAt
		}
		mine, gerr := evalInvariant(nodesAt, exprs[src], res, v)
		theirs := ln.N
		if ln.Err != "" || gerr != nil {
			if ln.Err != "" && gerr != nil {
				continue
			}
			if gerr == nil && strings.Contains(ln.Err, "Expected singleton on left side of 'as'") {
				asOnMany++ // explained as in the search parameter differential
				continue
			}
			diffs[src] = append(diffs[src], fmt.Sprintf("%s at %s: fhirfleet err=%v, fhirpath.js err=%q",
				filepath.Base(job.Cases[ln.C].File), base, gerr, ln.Err))
			continue
		}
		nodes += len(mine)
		if canonical(mine) != canonical(theirs) {
			diffs[src] = append(diffs[src], fmt.Sprintf("%s at %s: fhirfleet %s, fhirpath.js %s",
				filepath.Base(job.Cases[ln.C].File), base, clip(canonical(mine)), clip(canonical(theirs))))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read node output: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node: %v", err)
	}
	keys := make([]string, 0, len(diffs))
	for k := range diffs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	explained, unexplained := asOnMany, 0
	if asOnMany > 0 {
		t.Logf("explained (%d pairs): 'as' over several items filters like ofType() instead of failing", asOnMany)
	}
	for _, k := range keys {
		if why, ok := invariantDifferences[v.Name+" "+k]; ok {
			explained += len(diffs[k])
			t.Logf("explained (%d pairs) %q: %s", len(diffs[k]), k, why)
			continue
		}
		unexplained += len(diffs[k])
		t.Errorf("%d pairs differ for %q, e.g. %s", len(diffs[k]), k, diffs[k][0])
	}
	t.Logf("%s: %d (example, invariant) pairs over %d nodes, %d explained differences, %d unexplained",
		v.Name, pairs, nodes, explained, unexplained)
	if pairs < 10000 || nodes < 10000 {
		t.Errorf("too little compared: %d pairs, %d nodes", pairs, nodes)
	}
}

// evalInvariant evaluates expr on every object node of found, the answers
// in fhirpath.js's printed form.
func evalInvariant(found []Item, expr *Expr, res *fhirjson.Value, v *defs.Version) ([][]any, error) {
	env := &Env{Resolve: typeOnlyResolver}
	out := [][]any{}
	for _, n := range found {
		if !n.isObject() {
			continue
		}
		r, err := expr.EvaluateOn(env, res, v, []Item{n})
		if err != nil {
			return nil, err
		}
		out = append(out, jsView(r))
	}
	return out, nil
}

// invariantDifferences explains, per "<version> <expression>", why
// fhirfleet's answer differs from fhirpath.js's; each was checked by hand.
var invariantDifferences = map[string]string{}
