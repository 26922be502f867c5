package changefeed

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client reads one server's change feed. It is safe for concurrent use,
// though a follower normally polls one request at a time.
type Client struct {
	base   string // FHIR base, no trailing slash
	tokens TokenSource
	http   *http.Client
	now    func() time.Time
}

// New returns a client of the FHIR base URL base (such as
// https://acme.example/fhir) authenticating with tokens. httpClient may be
// nil (http.DefaultClient); its Timeout, if any, must exceed the longest
// Wait a caller asks for.
func New(base string, tokens TokenSource, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("changefeed: base URL %q is not an absolute http(s) URL", base)
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(base, "/"), tokens: tokens, http: httpClient, now: time.Now}, nil
}

// TokenURL is fhirserver's token endpoint for the FHIR base URL base: the
// origin's /oauth2/token.
func TokenURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("changefeed: base URL %q has no origin", base)
	}
	return u.Scheme + "://" + u.Host + "/oauth2/token", nil
}

// Poll asks for the changes after cursor ("" is the start of the feed):
// at most count of them (0: the server's default of 50; at most 1,000),
// waiting up to wait (whole seconds, at most 60) for a first one when
// there is none yet. An empty page is not an error: its Next is the same
// cursor. A token the feed refuses is renewed once before Poll gives up
// with ErrUnauthorized. When ctx ends, Poll returns its error at once.
func (c *Client) Poll(ctx context.Context, cursor string, count int, wait time.Duration) (*Page, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("_cursor", cursor)
	}
	if count > 0 {
		q.Set("_count", strconv.Itoa(count))
	}
	if wait > 0 {
		q.Set("_wait", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	}
	u := c.base + "/$changes"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return nil, err
		}
		status, hdr, body, err := c.get(ctx, u, tok, wait+pollGrace)
		if err != nil {
			return nil, err
		}
		if status == http.StatusUnauthorized && attempt == 0 {
			// Expired early or signed by a key the server no longer has
			// (a restart): one fresh token decides.
			c.tokens.Reject(tok)
			continue
		}
		return c.answer(status, hdr, body, cursor)
	}
}

// pollGrace is how much longer than its wait a poll may take before the
// client stops waiting for a server that hangs (and reports ErrUnavailable).
const pollGrace = 30 * time.Second

// get runs one request, for at most timeout; a network failure or a
// timeout is ErrUnavailable unless ctx ended.
func (c *Client) get(ctx context.Context, u, token string, timeout time.Duration) (int, http.Header, []byte, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("changefeed: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, nil, ctx.Err()
		}
		return 0, nil, nil, &Error{Kind: ErrUnavailable, Detail: "GET $changes", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, nil, ctx.Err()
		}
		return 0, nil, nil, &Error{Kind: ErrUnavailable, Status: resp.StatusCode, Detail: "reading $changes", Err: err}
	}
	return resp.StatusCode, resp.Header, body, nil
}

// answer turns one response into a page or the error a follower branches on.
func (c *Client) answer(status int, hdr http.Header, body []byte, cursor string) (*Page, error) {
	switch {
	case status == http.StatusOK:
		p, err := parsePage(body)
		if err != nil {
			return nil, &Error{Kind: ErrProtocol, Status: status, Detail: err.Error()}
		}
		return p, nil
	case status == http.StatusBadRequest && cursor != "" && rejectsCursor(body):
		return nil, &Error{Kind: ErrCursorRejected, Status: status, Detail: diagnostics(body)}
	}
	return nil, StatusError(status, hdr, body, c.now())
}

// outcome is the part of an OperationOutcome the client reads.
type outcome struct {
	Issue []struct {
		Diagnostics string   `json:"diagnostics"`
		Expression  []string `json:"expression"`
	} `json:"issue"`
}

// rejectsCursor reports whether a 400's OperationOutcome is about the
// cursor: an issue at expression _cursor (what fhirserver answers), or,
// from an older server, one whose diagnostics name the cursor. The client sends valid _count and _wait,
// so a 400 on a request with a cursor is about little else.
func rejectsCursor(body []byte) bool {
	var oo outcome
	if json.Unmarshal(body, &oo) != nil {
		return false
	}
	for _, is := range oo.Issue {
		for _, e := range is.Expression {
			if e == "_cursor" {
				return true
			}
		}
		if strings.Contains(is.Diagnostics, "cursor") {
			return true
		}
	}
	return false
}

// diagnostics is the first issue's text of an OperationOutcome, for the
// error's Detail.
func diagnostics(body []byte) string {
	var oo outcome
	if json.Unmarshal(body, &oo) != nil || len(oo.Issue) == 0 {
		return ""
	}
	return oo.Issue[0].Diagnostics
}
