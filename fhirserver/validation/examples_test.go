package validation

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/test/testenv"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// packagesDir is the folder of the official FHIR packages (see testenv.FHIRPackages).
func packagesDir(t testing.TB) string { return testenv.FHIRPackages(t) }

// knownInvalid lists the official files that really break the
// specification, grouped by the clause they break. A listed file must fail,
// and only with issues at the expressions its group names, so a listing
// cannot hide a validator bug elsewhere in the file.
var knownInvalid = []struct {
	clause string
	// expressions are the issue expressions allowed, matched by suffix.
	expressions []string
	files       []string
}{
	{
		clause:      "SearchParameter.base is 1..* (these extension search parameters leave it out)",
		expressions: []string{"SearchParameter.base"},
		files: []string{
			"r4/SearchParameter-codesystem-extensions-CodeSystem-author.json",
			"r4/SearchParameter-codesystem-extensions-CodeSystem-effective.json",
			"r4/SearchParameter-codesystem-extensions-CodeSystem-end.json",
			"r4/SearchParameter-codesystem-extensions-CodeSystem-keyword.json",
			"r4/SearchParameter-codesystem-extensions-CodeSystem-workflow.json",
			"r4/SearchParameter-valueset-extensions-ValueSet-author.json",
			"r4/SearchParameter-valueset-extensions-ValueSet-effective.json",
			"r4/SearchParameter-valueset-extensions-ValueSet-end.json",
			"r4/SearchParameter-valueset-extensions-ValueSet-keyword.json",
			"r4/SearchParameter-valueset-extensions-ValueSet-workflow.json",
			"stu3/SearchParameter-codesystem-extensions-CodeSystem-author.json",
			"stu3/SearchParameter-codesystem-extensions-CodeSystem-effective.json",
			"stu3/SearchParameter-codesystem-extensions-CodeSystem-end.json",
			"stu3/SearchParameter-codesystem-extensions-CodeSystem-keyword.json",
			"stu3/SearchParameter-codesystem-extensions-CodeSystem-workflow.json",
			"stu3/SearchParameter-location-extensions-Location-alias.json",
			"stu3/SearchParameter-organization-extensions-Organization-alias.json",
			"stu3/SearchParameter-valueset-extensions-ValueSet-author.json",
			"stu3/SearchParameter-valueset-extensions-ValueSet-effective.json",
			"stu3/SearchParameter-valueset-extensions-ValueSet-end.json",
			"stu3/SearchParameter-valueset-extensions-ValueSet-keyword.json",
			"stu3/SearchParameter-valueset-extensions-ValueSet-workflow.json",
		},
	},
	{
		clause:      "id is [A-Za-z0-9\\-\\.]{1,64}; this id has 65 characters",
		expressions: []string{"SearchParameter.id"},
		files:       []string{"r4/SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json"},
	},
	{
		clause:      "Questionnaire.item.linkId is 1..1 (nested items of qs1 have none)",
		expressions: []string{".linkId"},
		files:       []string{"r4/Questionnaire-qs1.json", "stu3/Questionnaire-qs1.json"},
	},
	{
		clause:      "ImplementationGuide.name and .status are 1..1 (the package's own generated IG omits them)",
		expressions: []string{"ImplementationGuide.name", "ImplementationGuide.status"},
		files:       []string{"r4/ImplementationGuide-fhir.json", "r4/ig-r4.json", "stu3/ImplementationGuide-fhir.json"},
	},
	{
		clause: "stu3/ig-r4.json is the package's IG written in the R4 shape (packageId, license, manifest), which STU3 does not have",
		expressions: []string{"ImplementationGuide.packageId", "ImplementationGuide.license", "ImplementationGuide.manifest",
			"ImplementationGuide.name", "ImplementationGuide.status", "ImplementationGuide.fhirVersion"},
		files: []string{"stu3/ig-r4.json"},
	},
	{
		clause:      "StructureDefinition.type is 1..1 in STU3 (the logical models Definition, Event, Request omit it)",
		expressions: []string{"StructureDefinition.type"},
		files:       []string{"stu3/StructureDefinition-Definition.json", "stu3/StructureDefinition-Event.json", "stu3/StructureDefinition-Request.json"},
	},
	{
		clause:      "uri is \\S* (no whitespace); this example value is prose with spaces",
		expressions: []string{"DataElement.element[0].example[0].valueUri"},
		files:       []string{"stu3/DataElement-Identifier.system.json"},
	},
}

// knownInvalidFile returns the allowed expressions of a listed file.
func knownInvalidFile(name string) ([]string, bool) {
	for _, g := range knownInvalid {
		for _, f := range g.files {
			if f == name {
				return g.expressions, true
			}
		}
	}
	return nil, false
}

// TestOfficialFilesAreValid validates every resource file of both official
// packages (definitions and examples) with the validator of its version.
// Files that are not resources (package.json, .index.json) are told apart
// by content: a JSON object without resourceType.
func TestOfficialFilesAreValid(t *testing.T) {
	dir := packagesDir(t)
	for _, tc := range []struct {
		pkg     string
		version *defs.Version
	}{{"r4", defs.R4}, {"stu3", defs.STU3}} {
		t.Run(tc.pkg, func(t *testing.T) {
			val, err := New(tc.version)
			if err != nil {
				t.Fatal(err)
			}
			files, err := filepath.Glob(filepath.Join(dir, tc.pkg, "package", "*.json"))
			if err != nil {
				t.Fatal(err)
			}
			checked, failed, listedSeen := 0, 0, 0
			var skipped []string
			var msgs []string
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				v, err := fhirjson.Parse(data)
				if err != nil {
					t.Errorf("%s: %v", f, err)
					continue
				}
				if v.Get("resourceType") == nil {
					skipped = append(skipped, filepath.Base(f))
					continue
				}
				checked++
				name := tc.pkg + "/" + filepath.Base(f)
				oe := val.ValidateValue(v)
				allowed, listed := knownInvalidFile(name)
				switch {
				case oe != nil && !listed:
					failed++
					msgs = append(msgs, name+": "+oe.Error())
				case oe == nil && listed:
					t.Errorf("%s is listed as invalid but passes; remove it from knownInvalid", name)
				case oe != nil:
					listedSeen++
					for _, is := range oe.Issues {
						if !expressionAllowed(is.Expression, allowed) {
							t.Errorf("%s: issue not explained by its knownInvalid clause: %v %s", name, is.Expression, is.Diagnostics)
						}
					}
				}
			}
			sort.Strings(msgs)
			for i, m := range msgs {
				if i == 40 {
					t.Errorf("… and %d more", len(msgs)-40)
					break
				}
				if len(m) > 600 {
					m = m[:600] + "…"
				}
				t.Error(m)
			}
			if checked < 5000 {
				t.Errorf("only %d resource files found in %s", checked, dir)
			}
			t.Logf("%d resource files checked, %d rejected, %d known invalid; not resources: %v", checked, failed, listedSeen, skipped)
		})
	}
}

func expressionAllowed(expr []string, allowed []string) bool {
	if len(expr) != 1 {
		return false
	}
	for _, a := range allowed {
		if strings.HasSuffix(expr[0], a) {
			return true
		}
	}
	return false
}

func TestKnownInvalidFilesExist(t *testing.T) {
	dir := packagesDir(t)
	for _, g := range knownInvalid {
		for _, f := range g.files {
			pkg, base, _ := strings.Cut(f, "/")
			if _, err := os.Stat(filepath.Join(dir, pkg, "package", base)); err != nil {
				t.Errorf("%s (%s): %v", f, g.clause, err)
			}
		}
	}
}
