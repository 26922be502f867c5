package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "aggregator: the aggregated endpoint is not built yet; "+
		"each fhirserver already exposes its change feed at GET /fhir/$changes (docs/change-feed.md)")
	os.Exit(2)
}
