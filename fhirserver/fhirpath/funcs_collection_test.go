package fhirpath

import "testing"

// TestCollectionFunctions covers the existence, filtering, subsetting and combining functions with the spec's examples.
func TestCollectionFunctions(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"Patient.name.empty()", "[false]"}, {"Patient.photo.empty()", "[true]"}, {"Patient.name.exists()", "[true]"},
		{"Patient.name.exists(use = 'maiden')", "[true]"}, {"Patient.name.exists(use = 'nickname')", "[false]"},
		{"Patient.name.all(given.exists())", "[true]"}, {"Patient.name.all(family.exists())", "[false]"}, {"{}.all(false)", "[true]"},
		{"(true | false).allTrue()", "[false]"}, {"(true | false).anyTrue()", "[true]"}, {"(false).allFalse()", "[true]"},
		{"(true).anyFalse()", "[false]"}, {"{}.allTrue()", "[true]"},
		{"(1 | 2).subsetOf(1 | 2 | 3)", "[true]"}, {"(1 | 4).subsetOf(1 | 2)", "[false]"}, {"(1 | 2 | 3).supersetOf(2)", "[true]"},
		{"Patient.name.given.isDistinct()", "[false]"}, {"Patient.name.given.distinct()", "[Peter, James, Jim]"},
		{"Patient.name.given.count()", "[5]"}, {"true.not()", "[false]"}, {"{}.not()", "[]"}, {"Patient.name.exists().not()", "[false]"},
		{"Patient.name.where(use = 'official').family", "[Chalmers]"}, {"Patient.name.select(given.first())", "[Peter, Jim, Peter]"},
		{"Patient.name.where($this.use = 'usual').given", "[Jim]"}, {"Patient.name.given.where($index > 3)", "[James]"},
		{"Patient.name.select(given).count()", "[5]"}, {"(1 | 2 | 3).where($this > 1)", "[2, 3]"},
		{"Patient.contained.repeat(name)", "[Acme]"}, {"Patient.name.ofType(HumanName).count()", "[3]"},
		{"(1 | 2 | 3).aggregate($this + $total, 0)", "[6]"}, {"(1 | 2 | 3).aggregate(iif($total.empty(), $this, iif($this > $total, $this, $total)))", "[3]"},
		{"Patient.name.given.first()", "[Peter]"}, {"Patient.name.given.last()", "[James]"}, {"Patient.name.given.tail()", "[James, Jim, Peter, James]"},
		{"Patient.name.given.skip(3)", "[Peter, James]"}, {"Patient.name.given.take(2)", "[Peter, James]"}, {"Patient.name.given.take(0)", "[]"},
		{"Patient.name.given.skip(9)", "[]"}, {"Patient.id.single()", "[example]"}, {"{}.first()", "[]"},
		{"(1 | 2 | 3).intersect(2 | 3 | 4)", "[2, 3]"}, {"(1 | 2 | 3).exclude(2)", "[1, 3]"},
		{"(1 | 2).union(2 | 3)", "[1, 2, 3]"}, {"(1 | 2).combine(2 | 3)", "[1, 2, 2, 3]"},
		{"iif(true, 'a', 'b')", "[a]"}, {"Patient.photo.iif(empty(), 'none', 'some')", "[none]"}, {"Patient.name.iif(exists(), count(), 0)", "[3]"}, {"iif({}, 'a', 'b')", "[b]"}, {"iif(false, 'a')", "[]"},
	})
}
