package registration

import (
	"context"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TestOutboxSurvivesRestart: a mail queued while the SMTP server refuses
// is in the store, so a new process over it sends it.
func TestOutboxSurvivesRestart(t *testing.T) {
	ms := newMailServer(t)
	dir := t.TempDir()
	open := func() (*storage.Store, *Service) {
		st, err := storage.Open(dir, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := New(Config{Store: st, BaseURL: "http://127.0.0.1:1", SMTPURL: ms.URL})
		if err != nil {
			t.Fatal(err)
		}
		return st, svc
	}
	st, svc := open()
	msg := []byte(`{"to":"jane@example.org","subject":"Your invitation","body":"Open http://x/join?t1=A&t2=B\r\n"}`)
	if _, err := st.Write(context.Background(), func(tx *storage.Tx) error {
		return svc.outbox.Put(tx, outboxKey(time.Now()), msg, time.Time{})
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, svc = open()
	t.Cleanup(func() { _ = st.Close() })
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.RunMailer(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	waitFor(t, func() bool { return len(ms.mails()) == 1 })
	if m := ms.mails()[0]; m.To != "jane@example.org" || m.From != "invitations@127.0.0.1" {
		t.Errorf("mail %+v", m)
	}
}

// TestMailFrom: the sender is the --smtp-url's user when it is an
// address, else invitations@ the base URL's host.
func TestMailFrom(t *testing.T) {
	for _, tc := range []struct{ smtpURL, base, want string }{
		{"smtp://127.0.0.1:25", "https://agg.example.org", "invitations@agg.example.org"},
		{"smtp://noreply%40nhs.example@127.0.0.1:25", "https://agg.example.org", "noreply@nhs.example"},
		{"smtp://user@127.0.0.1:25", "https://agg.example.org:8443", "invitations@agg.example.org"},
	} {
		s := &Service{cfg: Config{SMTPURL: tc.smtpURL, BaseURL: tc.base}}
		if got := s.mailFrom(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.smtpURL, got, tc.want)
		}
	}
}
