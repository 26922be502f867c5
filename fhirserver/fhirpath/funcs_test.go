package fhirpath

import "testing"

// TestFunctions covers the function list with the spec's examples.
func TestFunctions(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		// existence
		{"Patient.name.empty()", "[false]"}, {"Patient.photo.empty()", "[true]"}, {"Patient.name.exists()", "[true]"},
		{"Patient.name.exists(use = 'maiden')", "[true]"}, {"Patient.name.exists(use = 'nickname')", "[false]"},
		{"Patient.name.all(given.exists())", "[true]"}, {"Patient.name.all(family.exists())", "[false]"}, {"{}.all(false)", "[true]"},
		{"(true | false).allTrue()", "[false]"}, {"(true | false).anyTrue()", "[true]"}, {"(false).allFalse()", "[true]"},
		{"(true).anyFalse()", "[false]"}, {"{}.allTrue()", "[true]"},
		{"(1 | 2).subsetOf(1 | 2 | 3)", "[true]"}, {"(1 | 4).subsetOf(1 | 2)", "[false]"}, {"(1 | 2 | 3).supersetOf(2)", "[true]"},
		{"Patient.name.given.isDistinct()", "[false]"}, {"Patient.name.given.distinct()", "[Peter, James, Jim]"},
		{"Patient.name.given.count()", "[5]"}, {"true.not()", "[false]"}, {"{}.not()", "[]"}, {"Patient.name.exists().not()", "[false]"},
		// filtering and projection
		{"Patient.name.where(use = 'official').family", "[Chalmers]"}, {"Patient.name.select(given.first())", "[Peter, Jim, Peter]"},
		{"Patient.name.where($this.use = 'usual').given", "[Jim]"}, {"Patient.name.given.where($index > 3)", "[James]"},
		{"Patient.name.select(given).count()", "[5]"}, {"(1 | 2 | 3).where($this > 1)", "[2, 3]"},
		{"Patient.contained.repeat(name)", "[Acme]"}, {"Patient.name.ofType(HumanName).count()", "[3]"},
		{"(1 | 2 | 3).aggregate($this + $total, 0)", "[6]"}, {"(1 | 2 | 3).aggregate(iif($total.empty(), $this, iif($this > $total, $this, $total)))", "[3]"},
		// subsetting
		{"Patient.name.given.first()", "[Peter]"}, {"Patient.name.given.last()", "[James]"}, {"Patient.name.given.tail()", "[James, Jim, Peter, James]"},
		{"Patient.name.given.skip(3)", "[Peter, James]"}, {"Patient.name.given.take(2)", "[Peter, James]"}, {"Patient.name.given.take(0)", "[]"},
		{"Patient.name.given.skip(9)", "[]"}, {"Patient.id.single()", "[example]"}, {"{}.first()", "[]"},
		{"(1 | 2 | 3).intersect(2 | 3 | 4)", "[2, 3]"}, {"(1 | 2 | 3).exclude(2)", "[1, 3]"},
		// combining
		{"(1 | 2).union(2 | 3)", "[1, 2, 3]"}, {"(1 | 2).combine(2 | 3)", "[1, 2, 2, 3]"},
		// conversion
		{"iif(true, 'a', 'b')", "[a]"}, {"iif({}, 'a', 'b')", "[b]"}, {"iif(false, 'a')", "[]"},
		{"'true'.toBoolean()", "[true]"}, {"'Y'.toBoolean()", "[true]"}, {"'x'.convertsToBoolean()", "[false]"}, {"1.0.toBoolean()", "[true]"},
		{"'12'.toInteger()", "[12]"}, {"'1.2'.toInteger()", "[]"}, {"true.toInteger()", "[1]"}, {"'1.2'.convertsToInteger()", "[false]"},
		{"'1.50'.toDecimal()", "[1.50]"}, {"1.toDecimal()", "[1]"}, {"'x'.convertsToDecimal()", "[false]"},
		{"1.5.toString()", "[1.5]"}, {"@2012-01.toString()", "[2012-01]"}, {"5 'mg'.toString()", "[5 'mg']"}, {"true.toString()", "[true]"},
		{"'2012-01-02'.toDate()", "[2012-01-02]"}, {"'2012-01-02T10:00'.toDateTime()", "[2012-01-02T10:00]"}, {"'10:00'.toTime()", "[10:00]"},
		{"'2012-13'.convertsToDate()", "[false]"}, {"@2012-01-02T10:00:00Z.toDate()", "[2012-01-02]"},
		{"'5 \\'mg\\''.toQuantity()", "[5 'mg']"}, {"'3 days'.toQuantity()", "[3 day]"}, {"1.5.toQuantity()", "[1.5 '1']"},
		{"1 'g'.toQuantity('mg')", "[1000 'mg']"}, {"'abc'.convertsToQuantity()", "[false]"}, {"Patient.birthDate.toString()", "[1974-12-25]"},
		// strings
		{"'abcdefg'.indexOf('bc')", "[1]"}, {"'abcdefg'.indexOf('x')", "[-1]"}, {"'abcdefg'.indexOf('')", "[0]"},
		{"'abcdefg'.substring(3)", "[defg]"}, {"'abcdefg'.substring(1, 2)", "[bc]"}, {"'abcdefg'.substring(6, 2)", "[g]"},
		{"'abcdefg'.substring(7, 1)", "[]"}, {"'abcdefg'.startsWith('abc')", "[true]"}, {"'abcdefg'.endsWith('efg')", "[true]"},
		{"'abc'.contains('b')", "[true]"}, {"'abc'.contains('')", "[true]"}, {"'AbC'.upper()", "[ABC]"}, {"'AbC'.lower()", "[abc]"},
		{"'abcdefg'.replace('cde', '123')", "[ab123fg]"}, {"'abc'.replace('', 'x')", "[xaxbxcx]"},
		{"'N8000123123'.matches('N[0-9]{8}')", "[true]"}, {"'abc'.matches('^b')", "[false]"},
		{"'11/30/1972'.replaceMatches('\\\\b(?<month>\\\\d{1,2})/(?<day>\\\\d{1,2})/(?<year>\\\\d{2,4})\\\\b', '${day}-${month}-${year}')", "[30-11-1972]"},
		{"'abcdefg'.length()", "[7]"}, {"'héllo'.length()", "[5]"}, {"'abc'.toChars()", "[a, b, c]"}, {"' x '.trim()", "[x]"},
		{"'a,b'.split(',')", "[a, b]"}, {"('a' | 'b').join('-')", "[a-b]"}, {"{}.upper()", "[]"},
		// math
		{"(-5).abs()", "[5]"}, {"(-5.5).abs()", "[5.5]"}, {"(-5.5 'mg').abs()", "[5.5 'mg']"}, {"1.1.ceiling()", "[2]"},
		{"(-1.1).ceiling()", "[-1]"}, {"2.1.floor()", "[2]"}, {"(-2.1).floor()", "[-3]"}, {"(-2.9).truncate()", "[-2]"},
		{"0.exp()", "[1]"}, {"1.ln()", "[0]"}, {"16.log(2)", "[4]"}, {"2.power(3)", "[8]"}, {"2.5.power(2)", "[6.25]"},
		{"(-1).power(0.5)", "[]"}, {"81.sqrt()", "[9]"}, {"(-1).sqrt()", "[]"}, {"3.14159.round(3)", "[3.142]"}, {"2.5.round()", "[3]"},
		// tree navigation, utilities, FHIR
		{"Patient.name[1].children()", "[usual, Jim]"}, {"Patient.contained.descendants()", "[org1, Acme]"},
		{"Patient.name.given.first().trace('x')", "[Peter]"}, {"today() > @2020-01-01", "[true]"}, {"now() > @2020-01-01T00:00:00Z", "[true]"},
		{"timeOfDay().exists()", "[true]"}, {"Patient.birthDate.hasValue()", "[true]"}, {"Patient.name.hasValue()", "[false]"},
		{"Patient.gender.getValue()", "[male]"}, {"Patient.name.getValue()", "[]"},
		{"Patient.hasExtension('http://example.org/ext/eye')", "[true]"}, {"Patient.gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')", "[]"},
		{"%ucum", "[http://unitsofmeasure.org]"}, {"%sct", "[http://snomed.info/sct]"}, {"%`vs-administrative-gender`", "[http://hl7.org/fhir/ValueSet/administrative-gender]"},
		{"%'ext-patient-birthTime'", "[http://hl7.org/fhir/StructureDefinition/patient-birthTime]"}, {"%resource.id", "[example]"},
		{"%context.id", "[example]"}, {"%rootResource.gender", "[male]"}, {"Patient.name.where(given = 'Jim').use", "[usual]"},
	})
}
