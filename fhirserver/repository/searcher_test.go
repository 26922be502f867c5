package repository

import "github.com/fhirfleet/fhirfleet/fhirserver/search"

// The seam holds: the real engine is a Searcher.
var _ Searcher = (*search.Engine)(nil)
