package registration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// mailMessage is one invitation mail waiting in the outbox.
type mailMessage struct {
	To       string `json:"to"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	Attempts int    `json:"attempts"`
}

// Retry bounds of the mailer: a failed send is tried again after
// mailRetryMin, doubling up to mailRetryMax.
const (
	mailRetryMin = time.Second
	mailRetryMax = 5 * time.Minute
)

// inviteByMail gives the patient an invitation and queues its mail, both
// in one batch, when the patient may be invited; it says what happened.
func (s *Service) inviteByMail(ctx context.Context, customerName, nhs, email string) (string, error) {
	if s.cfg.SMTPURL == "" {
		return "not sent: this aggregator has no --smtp-url", nil
	}
	now := s.now().UTC()
	p, no, err := s.eligible(ctx, s.policy.View(subjectOf(customerName)), identifier{System: rules.NHSNumberSystem, Value: nhs}, now)
	if err != nil {
		return "", err
	}
	if no != nil {
		return "not sent: " + no.reason + ": " + no.text, nil
	}
	token, code, err := newToken()
	if err != nil {
		return "", err
	}
	expires := now.Add(s.cfg.InvitationTTL).Truncate(time.Second)
	inv, err := json.Marshal(invitation{Code: code, Identifier: identifier{System: rules.NHSNumberSystem, Value: nhs},
		NHSNumber: p.NHSNumber, Patient: p.ID, Customer: customerName, Expires: expires})
	if err != nil {
		return "", err
	}
	link := s.cfg.JoinBaseURL + "?" + url.Values{"t1": {code}, "t2": {token}, "e": {email}}.Encode()
	msg, err := json.Marshal(mailMessage{To: email, Subject: "Your invitation to see your health record",
		Body: "You have been invited to see your health record.\r\n\r\nOpen " + link +
			"\r\nand sign in with your NHS login. Your code is " + code + "; the invitation expires on " +
			expires.Format("2 January 2006") + ".\r\n"})
	if err != nil {
		return "", err
	}
	_, err = s.cfg.Store.Write(ctx, func(tx *storage.Tx) error {
		if err := s.invites.Put(tx, tokenKey(token), inv, expires); err != nil {
			return err
		}
		return s.outbox.Put(tx, outboxKey(now), msg, time.Time{})
	})
	if err != nil {
		return "", fmt.Errorf("queue the invitation mail: %w", err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return "queued", nil
}

// outboxKey orders the outbox by time; the random tail keeps two keys of
// one instant apart.
func outboxKey(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%020d-%s", now.UnixNano(), hex.EncodeToString(b))
}

// RunMailer sends the outbox's mails through --smtp-url until ctx ends:
// a mail leaves the outbox only once the SMTP server accepted it, so a
// failure or a crash sends it again later (at least once). Without
// --smtp-url it returns at once.
func (s *Service) RunMailer(ctx context.Context) {
	if s.cfg.SMTPURL == "" {
		return
	}
	backoff := time.Duration(0)
	for {
		failed := s.sendOutbox(ctx)
		wait := 30 * time.Second // a mail queued by another path is picked up
		if failed {
			backoff = min(max(2*backoff, mailRetryMin), mailRetryMax)
			wait = backoff
		} else {
			backoff = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			if failed {
				<-t.C // a new mail does not cut a failing server's backoff short
			}
		case <-t.C:
		}
		t.Stop()
	}
}

// sendOutbox sends what the outbox holds, oldest first, and reports
// whether a send failed (the rest wait for the retry).
func (s *Service) sendOutbox(ctx context.Context) bool {
	for ctx.Err() == nil {
		recs, err := s.outbox.Scan("", "", 50, s.now())
		if err != nil {
			s.cfg.Logger.Error(err, "cannot read the mail outbox")
			return true
		}
		if len(recs) == 0 {
			return false
		}
		for _, r := range recs {
			var m mailMessage
			if err := json.Unmarshal(r.Data, &m); err != nil {
				s.cfg.Logger.Error(err, "dropping an unreadable outbox record", "key", r.Key)
				s.dropMail(ctx, r.Key)
				continue
			}
			if err := s.send(m); err != nil {
				s.cfg.Logger.Error(err, "cannot send an invitation mail; will retry", "to", m.To)
				return true
			}
			s.dropMail(ctx, r.Key)
		}
	}
	return false
}

func (s *Service) dropMail(ctx context.Context, key string) {
	if _, err := s.cfg.Store.Write(ctx, func(tx *storage.Tx) error { return s.outbox.Delete(tx, key) }); err != nil {
		s.cfg.Logger.Error(err, "cannot remove a sent mail from the outbox; it will be sent again", "key", key)
	}
}

// send hands one mail to the SMTP server of --smtp-url (smtp://host:port).
func (s *Service) send(m mailMessage) error {
	u, err := url.Parse(s.cfg.SMTPURL)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		return fmt.Errorf("--smtp-url %q: want smtp://host:port", s.cfg.SMTPURL)
	}
	from := s.mailFrom()
	msg := "From: " + from + "\r\nTo: " + m.To + "\r\nSubject: " + m.Subject + "\r\nDate: " +
		s.now().UTC().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + m.Body
	return smtp.SendMail(u.Host, nil, from, []string{m.To}, []byte(msg))
}

// mailFrom is the sender: the --smtp-url's user@host when it names one
// (smtp://invitations%40example.org@host:25), else invitations@ the base
// URL's host.
func (s *Service) mailFrom() string {
	if u, err := url.Parse(s.cfg.SMTPURL); err == nil && u.User != nil && strings.Contains(u.User.Username(), "@") {
		return u.User.Username()
	}
	host := "localhost"
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "invitations@" + host
}
