package registration

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/pipeline"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// message is a $process-message body of one Patient.
func message(t *testing.T, patient string) *fhirjson.Value {
	t.Helper()
	v, err := fhirjson.Parse([]byte(`{"resourceType":"Parameters","parameter":[{"name":"resource","resource":` + patient + `}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pipelineWorld is a world whose service feeds a real pipeline over the
// same store and mails through a real SMTP server.
func pipelineWorld(t *testing.T, ms *mailServer) *world {
	return newWorld(t, func(c *Config) {
		p, err := pipeline.Open(context.Background(), c.Store, pipeline.Config{})
		if err != nil {
			t.Fatal(err)
		}
		c.Pipeline = p
		if ms != nil {
			c.SMTPURL = ms.URL
		}
	})
}

// TestProcessMessage: a Patient creates the caller's record through the
// pipeline, merged with another customer's Patient of the same NHS number;
// a second message updates its demographics; a Patient the rules exclude
// is a 422 naming the rule; malformed messages are 400.
func TestProcessMessage(t *testing.T) {
	w := pipelineWorld(t, nil)
	ctx := as("acme")
	out, err := w.svc.processMessage(ctx, message(t, `{"resourceType":"Patient","identifier":[{"system":"`+nhsSystem+`","value":"9000000009"}],"name":[{"family":"Old"}],"birthDate":"1980-01-01"}`))
	if err != nil {
		t.Fatal(err)
	}
	ref := out.Get("parameter").Items[1].Get("valueReference").Str("reference")
	if !strings.HasPrefix(ref, "Patient/") {
		t.Fatalf("answer: %s", fhirjson.Marshal(out))
	}
	if _, err := w.svc.processMessage(ctx, message(t, `{"resourceType":"Patient","identifier":[{"system":"`+nhsSystem+`","value":"9000000009"}],"name":[{"family":"New"}],"birthDate":"1980-01-01"}`)); err != nil {
		t.Fatal(err)
	}
	res, err := w.svc.engine.Search(context.Background(), searchReq("Patient", "identifier", nhsSystem+"|9000000009"))
	if err != nil || len(res.Entries) != 1 || !strings.Contains(string(res.Entries[0].Record.JSON), `"New"`) ||
		!strings.Contains(string(res.Entries[0].Record.JSON), PlatformSourcePrefix+"acme") {
		t.Fatalf("the merged Patient after the update: %v %d", err, len(res.Entries))
	}
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"invalid NHS number", `{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient","identifier":[{"system":"` + nhsSystem + `","value":"9000000001"}]}}]}`, 400},
		{"no Patient", `{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Observation"}}]}`, 400},
		{"a bad email", `{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient","identifier":[{"system":"` + nhsSystem + `","value":"9000000009"}],"telecom":[{"system":"email","value":"x@y.org\r\nBcc: all@y.org"}]}}]}`, 400},
		{"two parameters", `{"resourceType":"Parameters","parameter":[{"name":"resource","valueString":"x"},{"name":"resource","valueString":"y"}]}`, 400},
	} {
		in, err := fhirjson.Parse([]byte(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.processMessage(ctx, in); statusOf(err) != tc.status {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.status)
		}
	}
	if _, err := w.svc.processMessage(as("patient:p1"), message(t, `{"resourceType":"Patient"}`)); statusOf(err) != 403 {
		t.Errorf("a patient token: %v, want 403", err)
	}
}

// TestProcessMessageMail: with an email, the invitation mail goes through
// the SMTP server with a join URL that works; while the server refuses,
// the mail stays in the outbox and is sent once it accepts.
func TestProcessMessageMail(t *testing.T) {
	ms := newMailServer(t)
	ms.setFailing(true)
	w := pipelineWorld(t, ms)
	run, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.svc.RunMailer(run); close(done) }()
	defer func() { stop(); <-done }()

	out, err := w.svc.processMessage(as("acme"), message(t, `{"resourceType":"Patient","identifier":[{"system":"`+nhsSystem+`","value":"9000000009"}],
		"birthDate":"1980-01-01","telecom":[{"system":"email","value":"jane@example.org"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if inv := out.Get("parameter").Items[2].Str("valueString"); inv != "queued" {
		t.Fatalf("invitation: %q", inv)
	}
	// Refused: the mail waits in the outbox.
	waitFor(t, func() bool { return ms.refusals() >= 1 })
	waitFor(t, func() bool {
		recs, _ := w.svc.outbox.Scan("", "", 10, w.clock())
		var m mailMessage
		return len(recs) == 1 && jsonUnmarshal(recs[0].Data, &m) && m.To == "jane@example.org"
	})
	ms.setFailing(false)
	waitFor(t, func() bool { return len(ms.mails()) == 1 })
	m := ms.mails()[0]
	if m.To != "jane@example.org" || !strings.Contains(m.Data, "Subject: Your invitation") {
		t.Fatalf("mail: %+v", m)
	}
	waitFor(t, func() bool { recs, _ := w.svc.outbox.Scan("", "", 10, w.clock()); return len(recs) == 0 })
	// The mail's join URL names a live invitation for this patient.
	link := between(m.Data, "Open ", "\r\n")
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("e") != "jane@example.org" {
		t.Fatalf("join URL %q: %v", link, err)
	}
	inv, err := w.svc.invitationFor(u.Query().Get("t1"), u.Query().Get("t2"))
	if err != nil || inv.NHSNumber != "9000000009" || inv.Customer != "acme" {
		t.Errorf("the mail's invitation: %+v %v", inv, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
