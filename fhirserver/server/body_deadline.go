package server

import (
	"net/http"
	"time"
)

// bodyDeadline gives every request that declares a body d to deliver it,
// from when its headers are handled: a read deadline on the connection, so
// a client that sends headers and withholds the body is cut off wherever
// the body is read — the token endpoint's form as much as a FHIR resource.
// The REST API sets its own deadline again once a body has its share of the
// body budget. The deadline ends with the body: net/http clears it when it
// starts watching the connection after the body's last byte.
func bodyDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only with a body still to come: without one, net/http is already
		// watching the idle connection, and a deadline would end that read
		// and cancel the request.
		if r.ContentLength != 0 {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
		}
		next.ServeHTTP(w, r)
	})
}
