package repository

import (
	"bytes"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// ParseResource parses one resource of type typ ("" = any) within the
// nesting and element limits and runs the syntax validation of package
// validation (elements, cardinalities, primitive formats against the
// definitions). A body of the wrong type is reported as that, before its
// content is judged. Parsing here rather than in validation.Validate is
// what applies the limits.
func (r *Repository) ParseResource(data []byte, typ string, opts ...fhirjson.Option) (*fhirjson.Value, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, outcome.BadRequest(outcome.CodeRequired, "", "the request body is empty; a %s resource is required", orAny(typ))
	}
	v, err := fhirjson.Parse(data, append(opts, r.ParseLimits()...)...)
	if errors.Is(err, fhirjson.ErrTooManyElements) {
		return nil, outcome.New(http.StatusRequestEntityTooLarge, outcome.CodeTooCostly, r.syntaxExpression(err, typ, data),
			"a resource in the body has more than %d elements; this server accepts at most %d per resource", r.maxElements, r.maxElements)
	}
	if err != nil {
		return nil, outcome.BadRequest(outcome.CodeStructure, r.syntaxExpression(err, typ, data), "the body is not valid JSON: %v", err)
	}
	if err := r.checkType(v, typ, ""); err != nil {
		return nil, err
	}
	if oe := r.validator.ValidateValue(v); oe != nil {
		return nil, oe
	}
	return v, nil
}

// EntryResource is the resource of an entry of a transaction Bundle that
// ParseBatch accepted, as a write of type typ: the Bundle was parsed within
// the limits (which count each entry's resource on its own) and validated
// with its entries' resources, so the resource is used as it is, and only
// its type is checked against the entry's request.url. Marshalling it and
// parsing and validating it again, as a single create does with its body,
// would repeat that work for every entry. The write takes the resource
// over: it changes the Bundle's tree, which must not be used afterwards for
// anything but the response. (A batch is not for this: ParseBatch accepts
// one whose entries' resources are invalid.)
func (r *Repository) EntryResource(v *fhirjson.Value, typ string) (*fhirjson.Value, error) {
	if v == nil {
		return nil, outcome.BadRequest(outcome.CodeRequired, "", "the entry has no resource; a %s resource is required", orAny(typ))
	}
	// The body is the entry's resource: its findings are named from the
	// entry, which prefixes its own path.
	if err := r.checkType(v, typ, "resource."); err != nil {
		return nil, err
	}
	return v, nil
}

// checkType checks that v is a resource of a known type, and of type typ
// unless typ is "". path is what its expressions start with: "" for a
// request body, "resource." for a Bundle entry's resource.
func (r *Repository) checkType(v *fhirjson.Value, typ, path string) error {
	if v.Kind != fhirjson.Object {
		return outcome.BadRequest(outcome.CodeStructure, "", "the body is not a JSON object")
	}
	rt := v.Str("resourceType")
	if rt == "" {
		return outcome.BadRequest(outcome.CodeRequired, path+"resourceType", "the body has no resourceType")
	}
	if !r.types[rt] {
		return outcome.BadRequest(outcome.CodeNotSupported, path+"resourceType", "%q is not a resource type of FHIR %s", rt, r.ver.FHIRVersion)
	}
	if typ != "" && rt != typ {
		return outcome.BadRequest(outcome.CodeInvalid, path+"resourceType", "the body is a %s but the URL names %s", rt, typ)
	}
	return nil
}

// ParseLimits are the limits every body is parsed within.
func (r *Repository) ParseLimits() []fhirjson.Option {
	return []fhirjson.Option{fhirjson.WithMaxDepth(r.maxDepth), fhirjson.WithMaxElements(r.maxElements)}
}

// firstResourceType finds the first "resourceType" string of a body that
// did not parse; JSON writers put the top-level one first. Compiled on
// first use (see lastSegment).
var firstResourceType = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`"resourceType"\s*:\s*"([A-Za-z]{1,64})"`)
})

// syntaxExpression is the FHIRPath location of a parse error, such as
// Patient.name[0].family, or "" when the error names none. The type is the
// URL's, or else the body's own resourceType when it is a known type. A
// duplicate key is reported at the key itself, not the object holding it.
func (r *Repository) syntaxExpression(err error, typ string, data []byte) string {
	var se *fhirjson.SyntaxError
	if !errors.As(err, &se) {
		return ""
	}
	path := se.Path
	if rest, ok := strings.CutPrefix(se.Msg, "duplicate key "); ok {
		if key, err := strconv.Unquote(rest); err == nil {
			path = strings.TrimPrefix(path+"."+key, ".")
		}
	}
	if path == "" {
		return ""
	}
	if typ == "" {
		if m := firstResourceType().FindSubmatch(data); m != nil && r.types[string(m[1])] {
			typ = string(m[1])
		}
	}
	if typ == "" {
		return ""
	}
	return typ + "." + path
}

func orAny(typ string) string {
	if typ == "" {
		return "FHIR"
	}
	return typ
}

// ParseBatch parses a batch or transaction Bundle. A batch whose only
// faults are inside its entries' resources is accepted: batch entries are
// processed independently and each entry's own interaction validates its
// resource again, so an invalid one fails alone (400 in the batch-response)
// instead of failing the whole batch. A transaction stays all or nothing.
// data must not change while the tree is in use (it points into it).
func (r *Repository) ParseBatch(data []byte) (*fhirjson.Value, error) {
	b, err := r.ParseResource(data, "Bundle", fhirjson.OwnInput())
	if err != nil {
		if lenient := r.batchDespiteEntries(data); lenient != nil {
			return lenient, nil
		}
	}
	return b, err
}

// batchDespiteEntries is the tree of a batch Bundle that failed validation
// only inside its entries' resources, or nil.
func (r *Repository) batchDespiteEntries(data []byte) *fhirjson.Value {
	b, err := fhirjson.Parse(data, append(r.ParseLimits(), fhirjson.OwnInput())...)
	if err != nil || b.Kind != fhirjson.Object || b.Str("resourceType") != "Bundle" || b.Str("type") != "batch" {
		return nil
	}
	arr := b.Get("entry")
	if arr == nil || arr.Kind != fhirjson.Array {
		return nil
	}
	// Validate the Bundle without its entries' resources, then put them back.
	held := make([]*fhirjson.Value, len(arr.Items))
	for i, item := range arr.Items {
		if item != nil && item.Kind == fhirjson.Object {
			held[i] = item.Get("resource")
			item.Delete("resource")
		}
	}
	oe := r.validator.ValidateValue(b)
	for i, item := range arr.Items {
		if held[i] != nil {
			item.Set("resource", held[i])
		}
	}
	if oe != nil {
		return nil
	}
	return b
}
