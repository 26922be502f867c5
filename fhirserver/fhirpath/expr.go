package fhirpath

import (
	"fmt"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Model is the FHIR type information the engine needs: a type's definition
// by name ("Observation", "Quantity", "string"). The generated
// *defs.Version provides it through defs.Version.Type; a nil Model
// evaluates without types (exact member names only, no choice elements).
type Model interface {
	Type(name string) *defs.Type
}

// Resolver answers resolve() for one reference string ("Patient/1",
// "http://x/fhir/Patient/1", "#p1", "urn:uuid:..."). It returns the target
// resource, or only its type with a nil resource when loading it is not
// wanted (search indexing needs just `resolve() is Patient`). ok is false
// when the reference cannot be resolved; the item is then left out.
type Resolver func(ref string) (resourceType string, resource *fhirjson.Value, ok bool)

// Env is what an evaluation may use besides the resource. The zero Env is
// valid: resolve() then answers from contained resources, Bundle entries
// and the reference's own type.
type Env struct {
	// Resolve overrides how references are resolved; see Resolver.
	Resolve Resolver
	// Vars are extra %variables by name (without the %).
	Vars map[string][]Item
	// Context is %context when it differs from the resource (FHIRPath Patch
	// and invariants evaluate against a focus inside the resource); nil
	// means the resource itself.
	Context []Item
	// Now fixes now()/today()/timeOfDay() for reproducible tests; zero
	// means the clock.
	Now func() Temporal
	// Trace receives trace() output; nil discards it.
	Trace func(name string, items []Item)
	// MaxSteps bounds the work of one evaluation (items visited by paths
	// and functions, summed); 0 means DefaultMaxSteps. Nested iterations
	// such as descendants().where(%resource.descendants()...) are quadratic
	// by nature, and a client-supplied expression must not occupy the
	// server for minutes.
	MaxSteps int64
}

// DefaultMaxSteps is the work bound when Env.MaxSteps is 0: far above what
// any published SearchParameter or invariant needs on a large resource.
const DefaultMaxSteps = 20_000_000

// Expr is a compiled FHIRPath expression. It holds no mutable state, so one
// Expr may be evaluated from many goroutines at once.
type Expr struct {
	src  string
	root node
}

// Compile parses a FHIRPath expression. Errors are *SyntaxError with the
// byte position of the problem.
func Compile(src string) (*Expr, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	if p.peek().kind == tokEOF {
		return nil, p.errf(0, "empty expression")
	}
	root, err := p.parseExpr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errf(t.pos, "unexpected %s", describe(t))
	}
	return &Expr{src: src, root: root}, nil
}

// MustCompile is Compile for expressions known to be valid (generated
// definitions, constants); it panics on error.
func MustCompile(src string) *Expr {
	e, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return e
}

// String returns the expression's source text.
func (e *Expr) String() string { return e.src }

// EvalError is a failure while evaluating a well-formed expression, such as
// a function applied to a collection of more than one item.
type EvalError struct {
	Expr string
	Pos  int
	Msg  string
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("fhirpath: %s at position %d in %q", e.Msg, e.Pos, e.Expr)
}

// Evaluate runs the expression over resource with types from m (nil for an
// untyped evaluation) and returns the resulting collection. env may be nil.
func (e *Expr) Evaluate(env *Env, resource *fhirjson.Value, m Model) ([]Item, error) {
	return NewEvaluator(env, resource, m).Evaluate(e)
}

// Evaluator evaluates expressions one after another over one resource,
// sharing the evaluation context and the root collection between them:
// index extraction evaluates every search parameter of a type over one
// resource, and a fresh context and root per expression were a third of
// the bytes a transaction allocated. The items of one evaluation stay
// valid after the next. Not safe for concurrent use.
type Evaluator struct {
	env   *Env
	model Model
	root  Item
	in    []Item // the root collection; never modified once built
	c     evalCtx
}

// NewEvaluator returns an Evaluator over resource, which is %resource and,
// unless env.Context is set, the input and %context of every expression.
func NewEvaluator(env *Env, resource *fhirjson.Value, m Model) *Evaluator {
	if env == nil {
		env = &Env{}
	}
	if v, ok := m.(*defs.Version); ok && v == nil {
		m = nil // a nil *defs.Version in the interface must not be called
	}
	ev := &Evaluator{env: env, model: m, root: rootItem(resource, m)}
	switch {
	case env.Context != nil:
		ev.in = env.Context
	case resource != nil:
		ev.in = []Item{ev.root}
	}
	return ev
}

// Evaluate runs e as Expr.Evaluate does over the Evaluator's resource.
func (ev *Evaluator) Evaluate(e *Expr) ([]Item, error) { return ev.run(e, ev.in) }

// EvaluateOn runs e as Expr.EvaluateOn does: input is its input and
// %context, the Evaluator's resource its %resource.
func (ev *Evaluator) EvaluateOn(e *Expr, input []Item) ([]Item, error) { return ev.run(e, input) }

func (ev *Evaluator) run(e *Expr, in []Item) ([]Item, error) {
	ev.c = evalCtx{env: ev.env, model: ev.model, src: e.src, resource: ev.root, budget: ev.env.MaxSteps,
		this: in, context: in}
	c := &ev.c
	if c.budget <= 0 {
		c.budget = DefaultMaxSteps
	}
	c.steps = &c.stepsUsed
	return e.root.eval(c, in)
}

// EvaluateOn runs the expression with the given items as input and
// %context, inside resource (which is %resource); FHIRPath Patch uses it
// to evaluate a path relative to a node found by another expression.
func (e *Expr) EvaluateOn(env *Env, resource *fhirjson.Value, m Model, input []Item) ([]Item, error) {
	return NewEvaluator(env, resource, m).EvaluateOn(e, input)
}

// rootItem makes the item for a resource, typed by its resourceType.
func rootItem(resource *fhirjson.Value, m Model) Item {
	it := Item{val: resource, index: -1}
	if rt := resource.Str("resourceType"); rt != "" {
		it.typ = rt
		if m != nil {
			if t := m.Type(rt); t != nil {
				it.def = t.Root
			}
		}
	}
	return it
}

// evalCtx carries the variables of one evaluation; iterating functions copy
// it to bind $this, $index and $total.
type evalCtx struct {
	env      *Env
	model    Model
	src      string
	resource Item
	context  []Item
	this     []Item
	index    int64
	hasIndex bool
	total    []Item
	hasTotal bool
	// steps counts work across all copies of the context (it points at
	// the first one's stepsUsed); budget is the bound.
	steps     *int64
	stepsUsed int64
	budget    int64
}

// spend records n steps of work and fails once the budget is used up.
func (c *evalCtx) spend(n int, pos int) error {
	*c.steps += int64(n)
	if *c.steps > c.budget {
		return c.errf(pos, "evaluation exceeds %d steps", c.budget)
	}
	return nil
}

func (c *evalCtx) errf(pos int, format string, args ...any) error {
	return &EvalError{Expr: c.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// withThis returns a copy bound to one item for an iteration step.
func (c *evalCtx) withThis(it Item, i int) *evalCtx {
	n := *c
	n.this = []Item{it}
	n.index = int64(i)
	n.hasIndex = true
	return &n
}

// variable returns a %name or $name.
func (c *evalCtx) variable(name string, pos int) ([]Item, error) {
	switch name {
	case "$this":
		return c.this, nil
	case "$index":
		if !c.hasIndex {
			return nil, nil
		}
		return []Item{{sys: c.index}}, nil
	case "$total":
		if !c.hasTotal {
			return nil, nil
		}
		return c.total, nil
	}
	name = name[1:]
	if v, ok := c.env.Vars[name]; ok {
		return v, nil
	}
	switch name {
	case "resource", "rootResource":
		if c.resource.val == nil {
			return nil, nil
		}
		return []Item{c.resource}, nil
	case "context":
		return c.context, nil
	case "ucum":
		return []Item{{sys: "http://unitsofmeasure.org"}}, nil
	case "sct":
		return []Item{{sys: "http://snomed.info/sct"}}, nil
	case "loinc":
		return []Item{{sys: "http://loinc.org"}}, nil
	}
	if s, ok := strings.CutPrefix(name, "vs-"); ok {
		return []Item{{sys: "http://hl7.org/fhir/ValueSet/" + s}}, nil
	}
	if s, ok := strings.CutPrefix(name, "ext-"); ok {
		return []Item{{sys: "http://hl7.org/fhir/StructureDefinition/" + s}}, nil
	}
	return nil, c.errf(pos, "unknown variable %%%s", name)
}
