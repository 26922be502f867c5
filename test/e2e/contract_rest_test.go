package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Issue 3, "Interactions" and "Headers", in both versions: every interaction
// and header the issue lists, with the statuses and fields the FHIR RESTful
// API specifies.

func TestContractInteractions(t *testing.T) {
	for _, version := range []string{"R4", "STU3"} {
		t.Run(version, func(t *testing.T) {
			cs := startContract(t, version)
			base := cs.srv.Base + "/fhir"
			var id string

			t.Run("create", func(t *testing.T) {
				r := cs.call(t, "POST", "/Patient", `{"resourceType":"Patient","id":"client-chosen","meta":{"versionId":"9","lastUpdated":"2001-01-01T00:00:00Z"},"gender":"female"}`, nil)
				if r.Status != 201 {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				p := jsonOf(t, r)
				id = p["id"].(string)
				meta := p["meta"].(map[string]any)
				if id == "client-chosen" || meta["versionId"] != "1" || meta["lastUpdated"] == "2001-01-01T00:00:00Z" {
					t.Fatalf("id, meta.versionId and meta.lastUpdated are the server's: %s", r.Body)
				}
				if loc := r.Header.Get("Location"); loc != base+"/Patient/"+id+"/_history/1" {
					t.Errorf("Location %q, want %s/Patient/%s/_history/1", loc, base, id)
				}
				if et := r.Header.Get("ETag"); et != `W/"1"` {
					t.Errorf(`ETag %q, want W/"1"`, et)
				}
				if _, err := http.ParseTime(r.Header.Get("Last-Modified")); err != nil {
					t.Errorf("Last-Modified %q: %v", r.Header.Get("Last-Modified"), err)
				}
			})
			t.Run("read", func(t *testing.T) {
				r := cs.call(t, "GET", "/Patient/"+id, "", nil)
				if r.Status != 200 || r.Header.Get("ETag") != `W/"1"` || r.Header.Get("Last-Modified") == "" {
					t.Fatalf("status %d ETag %q Last-Modified %q", r.Status, r.Header.Get("ETag"), r.Header.Get("Last-Modified"))
				}
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
					t.Errorf("Content-Type %q", ct)
				}
			})
			t.Run("update If-Match", func(t *testing.T) {
				body := `{"resourceType":"Patient","id":"` + id + `","gender":"male"}`
				r := cs.call(t, "PUT", "/Patient/"+id, body, map[string]string{"If-Match": `W/"1"`})
				if r.Status != 200 || r.Header.Get("ETag") != `W/"2"` {
					t.Fatalf("status %d ETag %q: %s", r.Status, r.Header.Get("ETag"), r.Body)
				}
				r = cs.call(t, "PUT", "/Patient/"+id, body, map[string]string{"If-Match": `W/"1"`})
				wantOutcome(t, r, 412, "")
			})
			t.Run("vread", func(t *testing.T) {
				r := cs.call(t, "GET", "/Patient/"+id+"/_history/1", "", nil)
				if r.Status != 200 || jsonOf(t, r)["gender"] != "female" || r.Header.Get("ETag") != `W/"1"` {
					t.Fatalf("status %d ETag %q: %s", r.Status, r.Header.Get("ETag"), r.Body)
				}
				wantOutcome(t, cs.call(t, "GET", "/Patient/"+id+"/_history/99", "", nil), 404, "")
			})
			t.Run("conditional read headers", func(t *testing.T) {
				cases := []struct {
					hdr    map[string]string
					status int
				}{
					{map[string]string{"If-None-Match": `W/"2"`}, 304},
					{map[string]string{"If-None-Match": `W/"1"`}, 200},
					{map[string]string{"If-Modified-Since": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, 304},
					{map[string]string{"If-Modified-Since": time.Now().Add(-24 * time.Hour).UTC().Format(http.TimeFormat)}, 200},
				}
				for _, tc := range cases {
					if r := cs.call(t, "GET", "/Patient/"+id, "", tc.hdr); r.Status != tc.status {
						t.Errorf("%v: status %d, want %d", tc.hdr, r.Status, tc.status)
					}
				}
			})
			t.Run("create on update", func(t *testing.T) {
				r := cs.call(t, "PUT", "/Patient/chosen-by-client", `{"resourceType":"Patient","id":"chosen-by-client"}`, nil)
				if r.Status != 201 || r.Header.Get("Location") != base+"/Patient/chosen-by-client/_history/1" {
					t.Fatalf("status %d Location %q: %s", r.Status, r.Header.Get("Location"), r.Body)
				}
			})
			t.Run("update errors", func(t *testing.T) {
				wantOutcome(t, cs.call(t, "PUT", "/Patient/"+id, `{"resourceType":"Patient","id":"other"}`, nil), 400, "")
				wantOutcome(t, cs.call(t, "PUT", "/Patient/"+id, `{"resourceType":"Patient"}`, nil), 400, "")
				wantOutcome(t, cs.call(t, "PUT", "/Patient/"+id, `{"resourceType":"Observation","id":"`+id+`"}`, nil), 400, "")
			})
			t.Run("JSON Patch", func(t *testing.T) {
				jp := map[string]string{"Content-Type": "application/json-patch+json"}
				r := cs.call(t, "PATCH", "/Patient/"+id, `[{"op":"add","path":"/active","value":true}]`, jp)
				if r.Status != 200 || jsonOf(t, r)["active"] != true || r.Header.Get("ETag") != `W/"3"` {
					t.Fatalf("status %d ETag %q: %s", r.Status, r.Header.Get("ETag"), r.Body)
				}
				wantOutcome(t, cs.call(t, "PATCH", "/Patient/"+id, `[{"op":"test","path":"/active","value":false}]`, jp), 422, "")
				wantOutcome(t, cs.call(t, "PATCH", "/Patient/"+id, `[{"op":"add","path":"/active","value":"yes"}]`, jp), 422, "")
				wantOutcome(t, cs.call(t, "PATCH", "/Patient/"+id, `[{"op":"add","path":"/active","value":true}]`,
					map[string]string{"Content-Type": "application/json-patch+json", "If-Match": `W/"1"`}), 412, "")
				wantOutcome(t, cs.call(t, "PATCH", "/Patient/nobody", `[{"op":"add","path":"/active","value":true}]`, jp), 404, "")
			})
			t.Run("FHIRPath Patch", func(t *testing.T) {
				fp := `{"resourceType":"Parameters","parameter":[{"name":"operation","part":[
					{"name":"type","valueCode":"replace"},{"name":"path","valueString":"Patient.active"},
					{"name":"value","valueBoolean":false}]}]}`
				r := cs.call(t, "PATCH", "/Patient/"+id, fp, nil)
				if version == "STU3" {
					wantOutcome(t, r, 415, "")
					return
				}
				if r.Status != 200 || jsonOf(t, r)["active"] != false {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
			})
			t.Run("Prefer return", func(t *testing.T) {
				body := `{"resourceType":"Patient","gender":"other"}`
				r := cs.call(t, "POST", "/Patient", body, map[string]string{"Prefer": "return=minimal"})
				if r.Status != 201 || len(r.Body) != 0 || r.Header.Get("Location") == "" {
					t.Errorf("return=minimal: status %d body %q", r.Status, r.Body)
				}
				r = cs.call(t, "POST", "/Patient", body, map[string]string{"Prefer": "return=representation"})
				if r.Status != 201 || jsonOf(t, r)["resourceType"] != "Patient" {
					t.Errorf("return=representation: status %d body %s", r.Status, r.Body)
				}
				r = cs.call(t, "POST", "/Patient", body, map[string]string{"Prefer": "return=OperationOutcome"})
				if r.Status != 201 || jsonOf(t, r)["resourceType"] != "OperationOutcome" {
					t.Errorf("return=OperationOutcome: status %d body %s", r.Status, r.Body)
				}
			})
			t.Run("delete", func(t *testing.T) {
				r := cs.call(t, "DELETE", "/Patient/chosen-by-client", "", nil)
				if r.Status != 200 && r.Status != 204 {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				wantOutcome(t, cs.call(t, "GET", "/Patient/chosen-by-client", "", nil), 410, "")
				if r := cs.call(t, "GET", "/Patient/chosen-by-client/_history/1", "", nil); r.Status != 200 {
					t.Errorf("vread of the version before the delete: %d", r.Status)
				}
			})
			t.Run("history", func(t *testing.T) {
				r := cs.call(t, "GET", "/Patient/chosen-by-client/_history", "", nil)
				b := jsonOf(t, r)
				if r.Status != 200 || b["type"] != "history" {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				entries := b["entry"].([]any)
				if len(entries) != 2 {
					t.Fatalf("instance history has %d entries, want 2 (create, delete)", len(entries))
				}
				newest := entries[0].(map[string]any)
				if newest["request"].(map[string]any)["method"] != "DELETE" || newest["resource"] != nil {
					t.Errorf("newest entry is not the delete: %v", newest)
				}
				// Paging through the type history with _count=1.
				seen := 0
				next := "/Patient/_history?_count=1"
				for next != "" && seen < 20 {
					r := cs.call(t, "GET", next, "", nil)
					b := jsonOf(t, r)
					if r.Status != 200 {
						t.Fatalf("page %d: %d %s", seen, r.Status, r.Body)
					}
					if n := len(b["entry"].([]any)); n != 1 {
						t.Fatalf("page %d has %d entries, want 1", seen, n)
					}
					seen++
					next = strings.TrimPrefix(bundleLink(b, "next"), base)
				}
				// id: create, update, JSON Patch (+ FHIRPath Patch in R4);
				// chosen-by-client: create, delete; three Prefer creates.
				want := 9
				if version == "STU3" {
					want = 8
				}
				if seen != want {
					t.Errorf("type history paged %d entries, want %d", seen, want)
				}
				future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
				b = jsonOf(t, cs.call(t, "GET", "/_history?_since="+future, "", nil))
				if e, _ := b["entry"].([]any); len(e) != 0 {
					t.Errorf("system history _since the future has %d entries", len(e))
				}
				b = jsonOf(t, cs.call(t, "GET", "/_history", "", nil))
				if e, _ := b["entry"].([]any); len(e) != want {
					t.Errorf("system history has %d entries, want %d", len(e), want)
				}
				wantOutcome(t, cs.call(t, "GET", "/_history?_since=yesterday", "", nil), 400, "")
				// _at: the version current at that instant.
				at := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
				b = jsonOf(t, cs.call(t, "GET", "/Patient/"+id+"/_history?_at="+at, "", nil))
				if e, _ := b["entry"].([]any); len(e) != 1 {
					t.Errorf("_at now: %d entries, want 1", len(e))
				}
			})
			t.Run("errors", func(t *testing.T) {
				wantOutcome(t, cs.call(t, "GET", "/Patient/does-not-exist", "", nil), 404, "")
				wantOutcome(t, cs.call(t, "GET", "/NoSuchType/1", "", nil), 404, "")
				r := cs.call(t, "POST", "/Patient/"+id, `{"resourceType":"Patient"}`, nil)
				wantOutcome(t, r, 405, "")
				if r.Header.Get("Allow") == "" {
					t.Errorf("405 without an Allow header")
				}
			})
		})
	}
}

func TestContractCapabilityStatement(t *testing.T) {
	cases := []struct {
		version, fhirVersion string
		minTypes             int
		onlyHere             string // a resource type of this version only
	}{
		{"R4", "4.0.1", 140, "MedicinalProductAuthorization"},
		{"STU3", "3.0.2", 110, "ProcedureRequest"},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			srv := startServer(t, tc.version, t.TempDir())
			cap := getJSON(t, srv.Base+"/fhir/metadata")
			if cap["resourceType"] != "CapabilityStatement" || cap["fhirVersion"] != tc.fhirVersion || cap["kind"] != "instance" {
				t.Fatalf("resourceType %v fhirVersion %v kind %v", cap["resourceType"], cap["fhirVersion"], cap["kind"])
			}
			rest := cap["rest"].([]any)[0].(map[string]any)
			sys := map[string]bool{}
			for _, i := range rest["interaction"].([]any) {
				sys[i.(map[string]any)["code"].(string)] = true
			}
			for _, want := range []string{"transaction", "batch", "search-system", "history-system"} {
				if !sys[want] {
					t.Errorf("rest.interaction lacks %s", want)
				}
			}
			types := rest["resource"].([]any)
			if len(types) < tc.minTypes {
				t.Errorf("%d resource types listed, want every type of the version (≥ %d)", len(types), tc.minTypes)
			}
			found := false
			for _, rt := range types {
				r := rt.(map[string]any)
				if r["type"] == tc.onlyHere {
					found = true
				}
				codes := map[string]bool{}
				for _, i := range r["interaction"].([]any) {
					codes[i.(map[string]any)["code"].(string)] = true
				}
				for _, want := range []string{"read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create", "search-type"} {
					if !codes[want] {
						t.Errorf("%v lacks interaction %s", r["type"], want)
					}
				}
				if sp, _ := r["searchParam"].([]any); len(sp) == 0 {
					t.Errorf("%v lists no search parameters", r["type"])
				}
			}
			if !found {
				t.Errorf("%s is not listed", tc.onlyHere)
			}
		})
	}
}

func TestContractBatchAndTransaction(t *testing.T) {
	for _, version := range []string{"R4", "STU3"} {
		t.Run(version, func(t *testing.T) {
			cs := startContract(t, version)
			t.Run("transaction rewrites urn:uuid", func(t *testing.T) {
				tx := `{"resourceType":"Bundle","type":"transaction","entry":[
				{"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"tx-1"}]}},
				{"request":{"method":"POST","url":"Observation"},"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"}}}]}`
				r := cs.call(t, "POST", "", tx, nil)
				b := jsonOf(t, r)
				if r.Status != 200 || b["type"] != "transaction-response" {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				entries := b["entry"].([]any)
				loc := entries[0].(map[string]any)["response"].(map[string]any)["location"].(string)
				pid := regexp.MustCompile(`Patient/([^/]+)/_history/1$`).FindStringSubmatch(loc)
				if pid == nil {
					t.Fatalf("entry 0 location %q", loc)
				}
				obs := entries[1].(map[string]any)["resource"].(map[string]any)
				if ref := obs["subject"].(map[string]any)["reference"]; ref != "Patient/"+pid[1] {
					t.Fatalf("urn:uuid reference rewritten to %v, want Patient/%s", ref, pid[1])
				}
			})
			t.Run("transaction is atomic", func(t *testing.T) {
				tx := `{"resourceType":"Bundle","type":"transaction","entry":[
				{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"atomic"}]}},
				{"request":{"method":"PUT","url":"Patient/bad"},"resource":{"resourceType":"Patient","id":"bad","birthDate":"not-a-date"}}]}`
				r := cs.call(t, "POST", "", tx, nil)
				wantOutcome(t, r, 400, "")
				b := jsonOf(t, cs.call(t, "GET", "/Patient?identifier=urn:t|atomic", "", nil))
				if ids := bundleIDs(t, b, ""); len(ids) != 0 {
					t.Fatalf("a failed transaction left %v behind", ids)
				}
			})
			t.Run("batch entries independent", func(t *testing.T) {
				batch := `{"resourceType":"Bundle","type":"batch","entry":[
				{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient"}},
				{"request":{"method":"GET","url":"Patient/missing"}},
				{"request":{"method":"PUT","url":"Patient/one"},"resource":{"resourceType":"Patient","id":"another"}}]}`
				r := cs.call(t, "POST", "", batch, nil)
				b := jsonOf(t, r)
				if r.Status != 200 || b["type"] != "batch-response" {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				want := []string{"201", "404", "400"}
				for i, e := range b["entry"].([]any) {
					resp := e.(map[string]any)["response"].(map[string]any)
					if st := resp["status"].(string); !strings.HasPrefix(st, want[i]) {
						t.Errorf("entry %d status %q, want %s", i, st, want[i])
					}
					if i > 0 && resp["outcome"].(map[string]any)["resourceType"] != "OperationOutcome" {
						t.Errorf("entry %d failed without an OperationOutcome", i)
					}
				}
			})
			t.Run("conditional create update delete", func(t *testing.T) {
				body := `{"resourceType":"Patient","identifier":[{"system":"urn:c","value":"1"}]}`
				cond := map[string]string{"If-None-Exist": "identifier=urn:c|1"}
				if r := cs.call(t, "POST", "/Patient", body, cond); r.Status != 201 {
					t.Fatalf("first conditional create: %d", r.Status)
				}
				if r := cs.call(t, "POST", "/Patient", body, cond); r.Status != 200 {
					t.Fatalf("second conditional create: %d, want 200", r.Status)
				}
				cs.call(t, "POST", "/Patient", body, nil) // now two match
				wantOutcome(t, cs.call(t, "POST", "/Patient", body, cond), 412, "")
				wantOutcome(t, cs.call(t, "PUT", "/Patient?identifier=urn:c|1", body, nil), 412, "")
				if r := cs.call(t, "PUT", "/Patient?identifier=urn:c|2", `{"resourceType":"Patient","identifier":[{"system":"urn:c","value":"2"}]}`, nil); r.Status != 201 {
					t.Errorf("conditional update without a match: %d, want 201", r.Status)
				}
				if r := cs.call(t, "PUT", "/Patient?identifier=urn:c|2", `{"resourceType":"Patient","identifier":[{"system":"urn:c","value":"2"}],"gender":"male"}`, nil); r.Status != 200 || r.Header.Get("ETag") != `W/"2"` {
					t.Errorf("conditional update with one match: %d %q, want 200 W/\"2\"", r.Status, r.Header.Get("ETag"))
				}
				if r := cs.call(t, "DELETE", "/Patient?identifier=urn:c|", "", nil); r.Status != 200 && r.Status != 204 {
					t.Errorf("conditional delete: %d", r.Status)
				}
				if ids := bundleIDs(t, jsonOf(t, cs.call(t, "GET", "/Patient?identifier=urn:c|", "", nil)), ""); len(ids) != 0 {
					t.Errorf("conditional delete left %v", ids)
				}
			})
		})
	}
}
