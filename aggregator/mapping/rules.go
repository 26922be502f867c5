package mapping

import (
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// rule turns what changed between STU3 and R4 in one object (a resource
// root or a backbone element, of node c.s3) into R4 shape, in place, before
// the generic copy; whatever it leaves in STU3 shape is copied or kept as
// an extension by the generic step.
type rule func(c *ruleCtx, obj *fhirjson.Value) error

// rulesByPath are the rules of stu3-to-r4.md, by the STU3 path of the node
// they apply to; each lives in the map_<type>.go file of its type. (A
// function, not a package variable: the rules call back into the Mapper.)
func rulesByPath() map[string]rule {
	return map[string]rule{
		"Patient":                        patient,
		"Observation":                    observation,
		"Condition":                      condition,
		"AllergyIntolerance":             allergyIntolerance,
		"MedicationStatement":            medicationStatement,
		"MedicationRequest":              medicationRequest,
		"MedicationRequest.substitution": medicationRequestSubstitution,
		"Encounter":                      encounter,
		"Encounter.diagnosis":            encounterDiagnosis,
		"Appointment":                    appointment,
		"DocumentReference":              documentReference,
		"DocumentReference.context":      documentReferenceContext,
		"Questionnaire.item":             questionnaireItem,
		"Questionnaire.item.enableWhen":  questionnaireEnableWhen,
		"QuestionnaireResponse":          questionnaireResponse,
		"Procedure":                      procedure,
		"Procedure.performer":            procedurePerformer,
		"Immunization":                   immunization,
		"Dosage":                         dosage,
		"Binary":                         binary,
	}
}

// ruleCtx is what a rule may use: the definitions and where it is.
type ruleCtx struct {
	m   *Mapper
	s3  *defs.Node
	loc string
	// shaped are the members the rule put in R4 shape under a name STU3
	// uses for another type (clinicalStatus, requester): the generic step
	// must not judge them by their STU3 definition.
	shaped map[string]bool
}

// reshaped marks members the rule rewrote in R4 shape.
func (c *ruleCtx) reshaped(names ...string) {
	if c.shaped == nil {
		c.shaped = map[string]bool{}
	}
	for _, n := range names {
		c.shaped[n] = true
	}
}

// rename moves member from (and its "_from" sibling) to the name to.
func rename(obj *fhirjson.Value, from, to string) {
	for i := range obj.Members {
		switch obj.Members[i].Name {
		case from:
			obj.Members[i].Name = to
		case "_" + from:
			obj.Members[i].Name = "_" + to
		}
	}
}

// keep moves member name of obj into an extension now, as the generic step
// would for an element without an R4 home; used where a rule maps the
// element but the original must stay too.
func (c *ruleCtx) keep(obj *fhirjson.Value, name string) error {
	p := c.s3.Prop(name)
	val, under := obj.Get(name), obj.Get("_"+name)
	if p == nil || (val == nil && under == nil) {
		return nil
	}
	exts, err := c.m.toExtensions(p, val.Clone(), under.Clone(), c.loc+"."+name)
	if err != nil {
		return err
	}
	appendItems(obj, "extension", exts)
	return nil
}

// codeToConcept turns the code member name into a CodeableConcept with one
// coding of system; its "_name" sibling becomes the coding's "_code".
func codeToConcept(obj *fhirjson.Value, name, system string) {
	code, under := obj.Get(name), obj.Get("_"+name)
	if code == nil && under == nil {
		return
	}
	if code != nil && code.Kind != fhirjson.String {
		return // not a code: the validator names it
	}
	coding := fhirjson.NewObject()
	coding.Set("system", fhirjson.NewString(system))
	if code != nil {
		coding.Set("code", code)
	}
	if under != nil {
		coding.Set("_code", under)
		obj.Delete("_" + name)
	}
	cc := fhirjson.NewObject()
	cc.Set("coding", fhirjson.NewArray(coding))
	obj.Set(name, cc)
}

// refersTo reports whether the Reference ref points at a resource of type
// rt, relatively ("EpisodeOfCare/1") or absolutely (".../EpisodeOfCare/1").
func refersTo(ref *fhirjson.Value, rt string) bool {
	if ref == nil || ref.Kind != fhirjson.Object {
		return false
	}
	r := ref.Str("reference")
	return strings.HasPrefix(r, rt+"/") || strings.Contains(r, "/"+rt+"/")
}

// contextToEncounter renames context to encounter unless it points at an
// EpisodeOfCare, which R4's encounter cannot hold (then the generic step
// keeps it as an extension).
func contextToEncounter(obj *fhirjson.Value) {
	if ctx := obj.Get("context"); ctx != nil && !refersTo(ctx, "EpisodeOfCare") {
		rename(obj, "context", "encounter")
	}
}

// keepIn moves the named members of obj (an object of STU3 node s3 at loc)
// into extensions of obj now; for rules that reshape a backbone element the
// generic step will no longer see with its STU3 definition.
func (m *Mapper) keepIn(obj *fhirjson.Value, s3 *defs.Node, loc string, names ...string) error {
	c := &ruleCtx{m: m, s3: s3, loc: loc}
	for _, n := range names {
		if err := c.keep(obj, n); err != nil {
			return err
		}
		obj.Delete(n)
		obj.Delete("_" + n)
	}
	return nil
}

// items returns the items of an array member (or the one object).
func items(v *fhirjson.Value) []*fhirjson.Value {
	if v == nil {
		return nil
	}
	if v.Kind == fhirjson.Array {
		return v.Items
	}
	return []*fhirjson.Value{v}
}

// terminology is the R4 URL of a code system HL7 moved to terminology.hl7.org.
func terminology(name string) string { return "http://terminology.hl7.org/CodeSystem/" + name }

func itoa(i int) string { return strconv.Itoa(i) }
