package follow

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
)

// fakeSource is a source server on a loopback port that serves what the
// follower calls — the token endpoint, /metadata, $changes and
// $aggregation-outcome — and can misbehave on request: fail with a status,
// hang, rotate its secret, re-create its store.
type fakeSource struct {
	t      *testing.T
	origin string
	name   string

	mu          sync.Mutex
	version     string // fhirVersion of /metadata
	id          string // the aggregator client
	secret      string
	tokens      map[string]bool
	epoch       int // in every cursor; a re-created store rejects older ones
	changes     []fakeChange
	changed     chan struct{} // closed when changes grow
	fail        []fakeFailure // the next $changes answers
	hang        bool          // $changes never answers
	endless     bool          // every page is full: a backlog that never drains
	polls       int
	stop        chan struct{} // closed when the server shuts down
	reported    []Outcome     // every outcome the source took
	posts       int           // reports the source took
	refuse      string        // an outcome of this Type/id is refused (400)
	failReports []fakeFailure // the next $aggregation-outcome answers
}

type fakeChange struct {
	typ, id  string
	version  int64
	deleted  bool
	at       time.Time
	resource string
}

type fakeFailure struct {
	status     int
	retryAfter string
}

func newFakeSource(t *testing.T, name, version string) *fakeSource {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeSource{t: t, name: name, origin: "http://" + l.Addr().String(), version: version,
		id: "agg-" + name, secret: "secret-" + name, tokens: map[string]bool{}, changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", s.token)
	mux.HandleFunc("GET /fhir/metadata", s.metadata)
	mux.HandleFunc("GET /fhir/$changes", s.feed)
	mux.HandleFunc("POST /fhir/$aggregation-outcome", s.outcomes)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	stop := make(chan struct{})
	srv.RegisterOnShutdown(func() { close(stop) })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx) // hung handlers end with the stop channel
		_ = srv.Close()
	})
	s.stop = stop
	return s
}

// spec is the Spec the follower gets for this source.
func (s *fakeSource) spec() source.Spec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return source.Static{Name: s.name, Customer: "c-" + s.name, Origin: s.origin}.Spec(s.id, s.secret)
}

// add commits changes: "Type/id" creates or updates, "-Type/id" deletes.
func (s *fakeSource) add(refs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ref := range refs {
		deleted := strings.HasPrefix(ref, "-")
		typ, id, _ := strings.Cut(strings.TrimPrefix(ref, "-"), "/")
		var v int64 = 1
		for _, c := range s.changes {
			if c.typ == typ && c.id == id {
				v = c.version + 1
			}
		}
		res := ""
		if !deleted {
			res = fmt.Sprintf(`{"resourceType":%q,"id":%q}`, typ, id)
		}
		s.changes = append(s.changes, fakeChange{typ: typ, id: id, version: v, deleted: deleted, at: time.Now(), resource: res})
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// recreate wipes the store: older cursors are rejected, the feed is new.
func (s *fakeSource) recreate(refs ...string) {
	s.mu.Lock()
	s.epoch++
	s.changes = nil
	s.mu.Unlock()
	s.add(refs...)
}

func (s *fakeSource) set(fn func(s *fakeSource)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

func (s *fakeSource) pollCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

func (s *fakeSource) reportCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}

func (s *fakeSource) reports() []Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Outcome(nil), s.reported...)
}

func (s *fakeSource) token(w http.ResponseWriter, r *http.Request) {
	id, secret, _ := r.BasicAuth()
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.id || secret != s.secret {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"unknown client or wrong secret"}`))
		return
	}
	tok := fmt.Sprintf("tok-%s-%d", s.secret, len(s.tokens))
	s.tokens[tok] = true
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 600})
}

func (s *fakeSource) authorized(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
}

func (s *fakeSource) metadata(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(w, `{"resourceType":"CapabilityStatement","fhirVersion":%q}`, s.version)
}

func writeOutcome(w http.ResponseWriter, status int, expression string) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	expr := ""
	if expression != "" {
		expr = fmt.Sprintf(`,"expression":[%q]`, expression)
	}
	fmt.Fprintf(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"status %d"%s}]}`, status, expr)
}

func (s *fakeSource) feed(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.polls++
	hang := s.hang
	var fail *fakeFailure
	if len(s.fail) > 0 {
		fail, s.fail = &s.fail[0], s.fail[1:]
	}
	s.mu.Unlock()
	if hang {
		select { // a server that accepted the request and never answers
		case <-r.Context().Done():
		case <-s.stop:
		}
		return
	}
	if fail != nil {
		if fail.retryAfter != "" {
			w.Header().Set("Retry-After", fail.retryAfter)
		}
		writeOutcome(w, fail.status, "")
		return
	}
	if !s.authorized(r) {
		writeOutcome(w, http.StatusUnauthorized, "")
		return
	}
	q := r.URL.Query()
	count, _ := strconv.Atoi(q.Get("_count"))
	if count <= 0 {
		count = 50
	}
	wait, _ := strconv.Atoi(q.Get("_wait"))
	s.mu.Lock()
	epoch := s.epoch
	s.mu.Unlock()
	pos := 0
	if c := q.Get("_cursor"); c != "" {
		e, n, ok := strings.Cut(c, "-")
		p, err := strconv.Atoi(n)
		if !ok || e != strconv.Itoa(epoch) || err != nil {
			writeOutcome(w, http.StatusBadRequest, "_cursor")
			return
		}
		pos = p
	}
	deadline := time.After(time.Duration(wait) * time.Second)
wait:
	for {
		s.mu.Lock()
		endless, n, changed := s.endless, len(s.changes), s.changed
		s.mu.Unlock()
		if endless || n > pos || wait == 0 {
			break
		}
		select {
		case <-changed:
		case <-deadline:
			break wait
		case <-r.Context().Done():
			return
		}
	}
	s.mu.Lock()
	var page []fakeChange
	if s.endless {
		for i := range count {
			page = append(page, fakeChange{typ: "Observation", id: fmt.Sprintf("e%d", pos+i), version: 1, at: time.Now(),
				resource: fmt.Sprintf(`{"resourceType":"Observation","id":"e%d"}`, pos+i)})
		}
	} else if pos < len(s.changes) {
		page = s.changes[pos:min(pos+count, len(s.changes))]
	}
	s.mu.Unlock()
	type entry struct {
		FullURL  string            `json:"fullUrl"`
		Resource json.RawMessage   `json:"resource,omitempty"`
		Response map[string]string `json:"response"`
	}
	entries := []entry{}
	for _, c := range page {
		status := "200 OK"
		if c.version == 1 {
			status = "201 Created"
		}
		if c.deleted {
			status = "410 Gone"
		}
		e := entry{FullURL: s.origin + "/fhir/" + c.typ + "/" + c.id, Response: map[string]string{
			"status": status, "etag": fmt.Sprintf(`W/"%d"`, c.version), "lastModified": c.at.UTC().Format(time.RFC3339Nano)}}
		if !c.deleted {
			e.Resource = json.RawMessage(c.resource)
		}
		entries = append(entries, e)
	}
	next := fmt.Sprintf("%s/fhir/$changes?_cursor=%d-%d", s.origin, epoch, pos+len(page))
	_ = json.NewEncoder(w).Encode(map[string]any{"resourceType": "Bundle", "type": "history",
		"link": []map[string]string{{"relation": "next", "url": next}}, "entry": entries})
}

// outcomes takes a report the way fhirserver does: all of it, or none
// (400) when one outcome is bad.
func (s *fakeSource) outcomes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var fail *fakeFailure
	if len(s.failReports) > 0 {
		fail, s.failReports = &s.failReports[0], s.failReports[1:]
	}
	s.mu.Unlock()
	if fail != nil {
		writeOutcome(w, fail.status, "")
		return
	}
	if !s.authorized(r) {
		writeOutcome(w, http.StatusUnauthorized, "")
		return
	}
	var p struct {
		Parameter []struct {
			Name string `json:"name"`
			Part []struct {
				Name           string            `json:"name"`
				ValueString    string            `json:"valueString"`
				ValueCode      string            `json:"valueCode"`
				ValueID        string            `json:"valueId"`
				ValueReference map[string]string `json:"valueReference"`
			} `json:"part"`
		} `json:"parameter"`
	}
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		writeOutcome(w, http.StatusBadRequest, "Parameters")
		return
	}
	var got []Outcome
	for i, prm := range p.Parameter {
		var o Outcome
		for _, part := range prm.Part {
			switch part.Name {
			case "reference":
				o.Type, o.ID, _ = strings.Cut(part.ValueReference["reference"], "/")
			case "versionId":
				o.VersionID, _ = strconv.ParseInt(part.ValueID, 10, 64)
			case "status":
				o.Status = part.ValueCode
			case "downstream":
				o.Downstream = part.ValueString
			case "rule":
				o.Rule = part.ValueString
			case "expression":
				o.Expression = part.ValueString
			case "message":
				o.Message = part.ValueString
			case "waitingFor":
				o.WaitingFor = part.ValueString
			}
		}
		s.mu.Lock()
		refused := s.refuse != "" && s.refuse == o.Type+"/"+o.ID
		s.mu.Unlock()
		if prm.Name != "outcome" || o.Type == "" || o.VersionID < 1 || o.Status == "" || refused {
			writeOutcome(w, http.StatusBadRequest, fmt.Sprintf("Parameters.parameter[%d]", i))
			return
		}
		o.Source = s.name
		got = append(got, o)
	}
	s.mu.Lock()
	s.reported = append(s.reported, got...)
	s.posts++
	s.mu.Unlock()
	_, _ = w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}`))
}
