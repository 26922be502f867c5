package endpoint

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/rest"
	"github.com/fhirfleet/fhirfleet/internal/cputime"
)

// The benchmarks compare the aggregated endpoint (visibility filter on,
// customer acme's token) with a plain customer server over the same store
// (fhirserver's handler: auth middleware, rest, the same engine; no read
// policy), handler-level so the figures are the servers' work, not the
// loopback's. Results in BENCHMARKS.md.

// plainServer is the store served as cmd/fhirserver serves its own.
func plainServer(b *testing.B, e *env) (http.Handler, string) {
	b.Helper()
	data := b.TempDir()
	a, err := auth.New(context.Background(), auth.Config{DataDir: data, BaseURL: e.srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Close)
	h, err := rest.New(rest.Config{Version: defs.R4, Store: e.w.store, Searcher: e.w.engine, Auth: a, BaseURL: e.srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/oauth2/token", a.TokenHandler())
	mux.Handle("/fhir/", a.Middleware(h))
	// The generated customer client's token.
	read := func(name string) string {
		v, err := os.ReadFile(filepath.Join(data, "credentials", name))
		if err != nil {
			b.Fatal(err)
		}
		return strings.TrimSpace(string(v))
	}
	id, secret := read(auth.FileClientID), read(auth.FileClientSecret)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader("grant_type=client_credentials&scope=system/*.rs"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	mux.ServeHTTP(rec, req)
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &t); err != nil || t.AccessToken == "" {
		b.Fatalf("plain token: %d %s", rec.Code, rec.Body)
	}
	return mux, t.AccessToken
}

// benchServe serves the request newReq makes, b.N times, and wants 200.
// Besides wall time it reports cpu-ns/op, the process's CPU time per
// request: on a machine shared with other work the wall time of one
// request mostly measures the neighbours, its CPU time much less so.
func benchServe(b *testing.B, h http.Handler, what string, newReq func() *http.Request) {
	b.Helper()
	b.ReportAllocs()
	start, n := cputime.Process(), 0
	defer func() {
		if n > 0 {
			b.ReportMetric(float64(cputime.Process()-start)/float64(n), "cpu-ns/op")
		}
	}()
	for b.Loop() {
		n++
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, newReq())
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
		}
	}
}

// benchGet runs GET path with token through benchServe.
func benchGet(b *testing.B, h http.Handler, token, path string) {
	b.Helper()
	benchServe(b, h, path, func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return req
	})
}

// benchSetup is the world, acme's token at the aggregated endpoint, and
// the plain server with its token.
func benchSetup(b *testing.B) (e *env, aggTok string, plain http.Handler, plainTok string) {
	e = newEnv(b)
	aggTok = e.tokenFor(e.w.readers()[0])
	plain, plainTok = plainServer(b, e)
	return e, aggTok, plain, plainTok
}

// BenchmarkReadByID: GET Condition/<id>, one acme may see.
func BenchmarkReadByID(b *testing.B) {
	e, aggTok, plain, plainTok := benchSetup(b)
	path := "/fhir/" + e.w.visibleOf(e.w.readers()[0], "Condition", func(x wres) bool { return x.patient == 3 && len(x.labels) > 0 && x.customers[0] == "beta" })[0]
	b.Run("aggregated", func(b *testing.B) { benchGet(b, e.ep.Handler(), aggTok, path) })
	b.Run("customer-server", func(b *testing.B) { benchGet(b, plain, plainTok, path) })
}

// BenchmarkChainedSearch: Condition?subject:Patient.identifier=<NHS
// number> for a patient two customers share (9 of its 12 Conditions
// visible to acme).
func BenchmarkChainedSearch(b *testing.B) {
	e, aggTok, plain, plainTok := benchSetup(b)
	q := url.Values{"subject:Patient.identifier": {rules.NHSNumberSystem + "|" + e.w.nhs[3]}}
	path := "/fhir/Condition?" + q.Encode()
	b.Run("aggregated", func(b *testing.B) { benchGet(b, e.ep.Handler(), aggTok, path) })
	b.Run("customer-server", func(b *testing.B) { benchGet(b, plain, plainTok, path) })
}

// BenchmarkTokenExchange: one ID token exchanged for an access token
// (signature check, claims, the NHS number search, signing).
func BenchmarkTokenExchange(b *testing.B) {
	e := newEnv(b)
	body := exchangeForm(e.idp.idToken(b, e.w.nhs[3], nil)).Encode()
	benchServe(b, e.ep.Handler(), "exchange", func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	})
}
