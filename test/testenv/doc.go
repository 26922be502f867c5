// Package testenv gives tests what they need from outside the checkout, in
// one place: the official FHIR packages, the Kubernetes control plane built
// from source, and pinned npm packages (third-party FHIR clients and engines)
// installed into the cache. Only tests import it.
package testenv
