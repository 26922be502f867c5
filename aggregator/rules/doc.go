// Package rules checks the aggregator's business rules on one R4 resource
// (already mapped from STU3): literal references only, complete
// identifiers, identified people, valid NHS numbers, and no customer-set
// source labels. A resource that breaks a rule is excluded from the
// aggregated set, and the Result says which rule, at which FHIRPath
// expression, so a customer can be told why. The walk reads element types
// from defs.R4, so every Reference and Identifier at any depth is found
// (choice types, extensions, contained resources) without hand-typed lists.
// docs/aggregator.md ("Business rules") lists the rules with examples.
package rules
