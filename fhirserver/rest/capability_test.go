package rest

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

type tokenURL string

func (u tokenURL) TokenURL() string { return string(u) }

func (u tokenURL) SecurityDescription() string { return "grants of " + string(u) }

func TestCapabilityStatement(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver, func(c *Config) { c.Auth = tokenURL("http://x/oauth2/token") })
			r := e.do("GET", "/fhir/metadata", "")
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			cs := r.json(t)
			if cs.Str("fhirVersion") != ver.FHIRVersion || cs.Str("kind") != "instance" || cs.Str("status") != "active" || cs.Str("date") == "" {
				t.Errorf("header: %.300s", r.Body)
			}
			if (cs.Get("acceptUnknown") != nil) != (ver.Name == "STU3") {
				t.Error("acceptUnknown is required in STU3 and absent in R4")
			}
			rest := cs.Get("rest").Items[0]
			res := rest.Get("resource").Items
			if len(res) != len(ver.ResourceTypes()) {
				t.Fatalf("%d resources, the version has %d", len(res), len(ver.ResourceTypes()))
			}
			for _, rc := range res {
				typ := rc.Str("type")
				if n := len(rc.Get("interaction").Items); n != len(typeInteractions) {
					t.Errorf("%s: %d interactions", typ, n)
				}
				if want := len(ver.SearchParams(typ)); want > 0 && len(rc.Get("searchParam").Items) != want {
					t.Errorf("%s: %d search params, want %d", typ, len(rc.Get("searchParam").Items), want)
				}
				if rc.Str("conditionalDelete") != "multiple" || !rc.Get("conditionalCreate").Bool {
					t.Errorf("%s: conditional flags", typ)
				}
			}
			var sys []string
			for _, in := range rest.Get("interaction").Items {
				sys = append(sys, in.Str("code"))
			}
			if strings.Join(sys, ",") != "transaction,batch,search-system,history-system" {
				t.Errorf("system interactions %v", sys)
			}
			if rest.Get("operation").Items[0].Str("name") != "changes" {
				t.Error("the change feed operation is missing")
			}
			sec := string(fhirjson.Marshal(rest.Get("security")))
			if !strings.Contains(sec, "SMART-on-FHIR") || !strings.Contains(sec, "http://x/oauth2/token") ||
				rest.Get("security").Str("description") != "grants of http://x/oauth2/token" {
				t.Errorf("security %s", sec)
			}
			if d := cs.Get("implementation").Str("description"); d != "fhirfleet customer endpoint" {
				t.Errorf("implementation.description %q", d)
			}
			if pr := e.do("GET", "/fhir/metadata?_pretty=true", ""); !strings.Contains(string(pr.Body), "\n") {
				t.Error("_pretty ignored")
			}
		})
	}
}

// TestCapabilityDescription: Config.Description names the endpoint in
// implementation.description (the aggregated endpoint is no customer's).
func TestCapabilityDescription(t *testing.T) {
	e := newEnv(t, versions[0], func(c *Config) { c.Description = "the aggregated endpoint" })
	if d := e.do("GET", "/fhir/metadata", "").json(t).Get("implementation").Str("description"); d != "the aggregated endpoint" {
		t.Errorf("implementation.description %q", d)
	}
}

// TestAuthorization checks the scope decision per interaction and per
// bundle entry, and that a configured server without a principal refuses.
func TestAuthorization(t *testing.T) {
	e := newEnv(t, versions[0], func(c *Config) { c.Auth = tokenURL("http://x/oauth2/token") })
	as := e.actAs()
	as("system/*.*")
	pid := e.create("Patient", `{"resourceType":"Patient"}`)

	tests := []struct {
		scope        string
		method, path string
		body         string
		status       int
	}{
		{"system/*.read", "GET", "/fhir/Patient/" + pid, "", 200},
		{"system/*.read", "POST", "/fhir/Patient", `{"resourceType":"Patient"}`, 403},
		{"system/*.read", "DELETE", "/fhir/Patient/" + pid, "", 403},
		{"system/*.read", "GET", "/fhir/$changes", "", 200},
		{"system/Observation.read", "GET", "/fhir/Patient/" + pid, "", 403},
		{"system/Observation.read", "GET", "/fhir/$changes", "", 403},
		{"system/Patient.cruds", "PUT", "/fhir/Patient/" + pid, `{"resourceType":"Patient","id":"` + pid + `"}`, 200},
		{"system/Patient.c", "POST", "/fhir/Patient", `{"resourceType":"Patient"}`, 201},
		// Create-on-update creates, so it needs c besides u.
		{"system/Patient.u", "PUT", "/fhir/Patient/" + pid, `{"resourceType":"Patient","id":"` + pid + `"}`, 200},
		{"system/Patient.u", "PUT", "/fhir/Patient/new-by-u", `{"resourceType":"Patient","id":"new-by-u"}`, 403},
		{"system/Patient.us", "PUT", "/fhir/Patient?_id=none", `{"resourceType":"Patient"}`, 403},
		{"system/Patient.u", "POST", "/fhir", bundleOf("transaction", `{"resource":{"resourceType":"Patient","id":"new-tx"},"request":{"method":"PUT","url":"Patient/new-tx"}}`), 403},
		{"system/Patient.cu", "PUT", "/fhir/Patient/new-by-cu", `{"resourceType":"Patient","id":"new-by-cu"}`, 201},
		{"system/Patient.u", "PUT", "/fhir/Patient/new-by-cu", `{"resourceType":"Patient","id":"new-by-cu"}`, 200},
		{"system/Patient.c", "GET", "/fhir/metadata", "", 200},
		{"system/Patient.r", "GET", "/fhir/Patient?_id=" + pid, "", 403},
		{"system/Patient.rs", "GET", "/fhir/Patient?_id=" + pid, "", 200},
		{"system/*.read", "POST", "/fhir", bundleOf("batch", `{"request":{"method":"GET","url":"Patient/`+pid+`"}}`), 200},
		{"system/*.read", "POST", "/fhir", bundleOf("transaction", `{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}`), 403},
		{"", "GET", "/fhir/Patient/" + pid, "", 401},
		{"", "GET", "/fhir/metadata", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.scope+" "+tt.method+" "+tt.path, func(t *testing.T) {
			as(tt.scope)
			r := e.do(tt.method, tt.path, tt.body)
			if r.Status != tt.status {
				t.Fatalf("%d, want %d: %s", r.Status, tt.status, r.Body)
			}
		})
	}
	// In a batch, a forbidden entry fails alone.
	as("system/*.read")
	r := e.do("POST", "/fhir", bundleOf("batch",
		`{"request":{"method":"GET","url":"Patient/`+pid+`"}}`,
		`{"request":{"method":"DELETE","url":"Patient/`+pid+`"}}`))
	b := r.json(t)
	if s := entries(b)[1].Get("response").Str("status"); !strings.HasPrefix(s, "403") {
		t.Errorf("forbidden batch entry: %s", s)
	}
}

// TestCapabilityListsOnlySupportedParams: with the real engine behind it,
// the statement leaves out parameters a search would ignore (_content,
// _text, _query) and keeps the ones it evaluates.
func TestCapabilityListsOnlySupportedParams(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver, func(c *Config) {
				eng, err := search.NewEngine(c.Version, c.Store, search.Options{})
				if err != nil {
					t.Fatal(err)
				}
				c.Searcher = eng
			})
			r := e.do("GET", "/fhir/metadata", "")
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			listed := map[string]bool{}
			for _, rc := range r.json(t).Get("rest").Items[0].Get("resource").Items {
				if rc.Str("type") != "Patient" {
					continue
				}
				for _, sp := range rc.Get("searchParam").Items {
					listed[sp.Str("name")] = true
				}
			}
			cases := []struct {
				code string
				want bool
			}{{"_content", false}, {"_text", false}, {"_query", false}, {"_id", true}, {"gender", true}, {"name", true}}
			for _, tc := range cases {
				if listed[tc.code] != tc.want {
					t.Errorf("Patient %s listed = %v, want %v", tc.code, listed[tc.code], tc.want)
				}
			}
		})
	}
}

// countingSupporter is a fake search that counts the Supports questions
// the CapabilityStatement asks.
type countingSupporter struct {
	*fakeSearch
	asked atomic.Int64
}

func (s *countingSupporter) Supports(string, string) bool {
	s.asked.Add(1)
	return true
}

// TestCapabilityBuiltOnFirstRequest: the statement (which asks the engine
// about every parameter of every type, compiling them all) is built on the
// first GET /metadata and kept; its date is when the handler was made.
func TestCapabilityBuiltOnFirstRequest(t *testing.T) {
	made := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	clock.Store(&made)
	var sup *countingSupporter
	e := newEnv(t, versions[0], func(c *Config) {
		sup = &countingSupporter{fakeSearch: c.Searcher.(*fakeSearch)}
		c.Searcher = sup
		c.Now = func() time.Time { return *clock.Load() }
	})
	if n := sup.asked.Load(); n != 0 {
		t.Fatalf("%d Supports calls before any request", n)
	}
	later := made.Add(time.Hour)
	clock.Store(&later)
	first := e.do("GET", "/fhir/metadata", "")
	asked := sup.asked.Load()
	if first.Status != 200 || asked == 0 {
		t.Fatalf("%d after %d Supports calls: %.200s", first.Status, asked, first.Body)
	}
	if d := first.json(t).Str("date"); d != "2026-01-02T03:04:05Z" {
		t.Errorf("date %s, want the handler's creation", d)
	}
	second := e.do("GET", "/fhir/metadata", "")
	if sup.asked.Load() != asked || string(second.Body) != string(first.Body) {
		t.Error("the statement was built again")
	}
}
