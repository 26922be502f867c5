package rules

// NHSNumberSystem is the identifier system of NHS numbers.
const NHSNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"

// RuleNHSNumberInvalid: an identifier of NHSNumberSystem whose value is not
// a valid NHS number.
const RuleNHSNumberInvalid Rule = "nhs-number-invalid"

// ValidNHSNumber reports whether s is an NHS number: exactly ten digits (no
// spaces: "943 476 5919" is how people write it, not how it is stored),
// the last a modulus-11 check digit over the first nine with weights 10
// down to 2. A remainder giving check 11 means 0; check 10 means no
// number was ever issued with those nine digits.
func ValidNHSNumber(s string) bool {
	if len(s) != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 10; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		if i < 9 {
			sum += int(c-'0') * (10 - i)
		}
	}
	check := 11 - sum%11
	switch check {
	case 11:
		check = 0
	case 10:
		return false
	}
	return int(s[9]-'0') == check
}
