package fhirpath

import "testing"

// TestConversionFunctions covers the toX/convertsToX functions with the spec's examples.
func TestConversionFunctions(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"'true'.toBoolean()", "[true]"}, {"'Y'.toBoolean()", "[true]"}, {"'x'.convertsToBoolean()", "[false]"}, {"1.0.toBoolean()", "[true]"},
		{"'12'.toInteger()", "[12]"}, {"'1.2'.toInteger()", "[]"}, {"true.toInteger()", "[1]"}, {"'1.2'.convertsToInteger()", "[false]"},
		{"'1.50'.toDecimal()", "[1.50]"}, {"1.toDecimal()", "[1]"}, {"'x'.convertsToDecimal()", "[false]"},
		{"1.5.toString()", "[1.5]"}, {"@2012-01.toString()", "[2012-01]"}, {"5 'mg'.toString()", "[5 'mg']"}, {"true.toString()", "[true]"},
		{"'2012-01-02'.toDate()", "[2012-01-02]"}, {"'2012-01-02T10:00'.toDateTime()", "[2012-01-02T10:00]"}, {"'10:00'.toTime()", "[10:00]"},
		{"'2012-13'.convertsToDate()", "[false]"}, {"@2012-01-02T10:00:00Z.toDate()", "[2012-01-02]"},
		{"'5 \\'mg\\''.toQuantity()", "[5 'mg']"}, {"'3 days'.toQuantity()", "[3 day]"}, {"1.5.toQuantity()", "[1.5 '1']"},
		{"1 'g'.toQuantity('mg')", "[1000 'mg']"}, {"'abc'.convertsToQuantity()", "[false]"}, {"Patient.birthDate.toString()", "[1974-12-25]"},
	})
}
