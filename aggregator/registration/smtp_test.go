package registration

import (
	"io"
	"net"
	"sync"
	"testing"

	smtp "github.com/emersion/go-smtp"
)

// mailServer is a real SMTP server on loopback (emersion/go-smtp) that
// keeps what it is sent; while failing is set it refuses every message.
type mailServer struct {
	URL string
	mu  sync.Mutex
	got []sentMail
	// failing makes DATA answer a temporary failure.
	failing bool
	refused int
}

type sentMail struct{ From, To, Data string }

func newMailServer(t *testing.T) *mailServer {
	t.Helper()
	ms := &mailServer{}
	srv := smtp.NewServer(ms)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	ms.URL = "smtp://" + l.Addr().String()
	return ms
}

func (ms *mailServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{ms: ms}, nil }

func (ms *mailServer) setFailing(f bool) {
	ms.mu.Lock()
	ms.failing = f
	ms.mu.Unlock()
}

func (ms *mailServer) refusals() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.refused
}

func (ms *mailServer) mails() []sentMail {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]sentMail(nil), ms.got...)
}

type mailSession struct {
	ms       *mailServer
	from, to string
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	if s.ms.failing {
		s.ms.refused++
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	s.ms.got = append(s.ms.got, sentMail{s.from, s.to, string(b)})
	return nil
}
