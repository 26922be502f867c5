package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// mountAggregatedEndpoint mounts the aggregated, read-only R4 endpoint
// (issue 10) on the public listener's mux: <base-url>/fhir and whatever it
// needs beside it (its token endpoint /oauth2/token). The returned close
// is called at shutdown, after the listener stopped and before the store
// closes. This is the one place the endpoint is wired in; until it is
// built, every /fhir request gets 503 with an OperationOutcome saying so.
func mountAggregatedEndpoint(_ context.Context, mux *http.ServeMux, _ config, _ *storage.Store, _ *slog.Logger) (closeFn func(), err error) {
	notYet := outcome.New(http.StatusServiceUnavailable, outcome.CodeNotSupported, "",
		"aggregated endpoint not built yet: the aggregator follows its sources into its store, but does not serve it")
	body := fhirjson.Marshal(notYet.Resource())
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(notYet.Status)
		_, _ = w.Write(body)
	})
	mux.Handle("/fhir", h)
	mux.Handle("/fhir/", h)
	return func() {}, nil
}
