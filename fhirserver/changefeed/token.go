package changefeed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TokenSource gives the bearer token of each request.
type TokenSource interface {
	// Token returns a token valid for a while yet.
	Token(ctx context.Context) (string, error)
	// Reject tells the source the server refused token (401), so the next
	// Token obtains a new one instead of returning it again.
	Reject(token string)
}

// ClientCredentials obtains tokens with the OAuth 2.0 client-credentials
// grant (client_secret_basic) and renews each before it expires: a token is
// replaced once less than a fifth of its lifetime (at most a minute) is
// left, so a long poll never starts with a token that runs out under it;
// while the token endpoint is unreachable the current token is used until
// it actually expires.
//
// It is not golang.org/x/oauth2/clientcredentials, although that module is
// in go.mod: its ReuseTokenSource fetches without the caller's context (a
// cancelled follower would still wait for the token endpoint), cannot be
// told that a token was refused, and hides the Retry-After of a throttled
// token endpoint. The grant itself is one form POST.
type ClientCredentials struct {
	// TokenURL is the token endpoint, <origin>/oauth2/token for fhirserver.
	TokenURL     string
	ClientID     string
	ClientSecret string
	// Scope is asked for when not empty; fhirserver grants a client its
	// role's scopes when it is.
	Scope string
	// HTTPClient defaults to http.DefaultClient.
	HTTPClient *http.Client

	now func() time.Time // tests move the clock

	mu      sync.Mutex // held while a token is fetched: one fetch at a time
	token   string
	renewAt time.Time
	expiry  time.Time
}

// maxRenewAhead caps how early a token is renewed.
const maxRenewAhead = time.Minute

// Token returns the cached token or obtains a new one.
func (c *ClientCredentials) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock()
	if c.token != "" && now.Before(c.renewAt) {
		return c.token, nil
	}
	tok, lifetime, err := c.fetch(ctx)
	if errors.Is(err, ErrUnavailable) && c.token != "" && now.Before(c.expiry) {
		// Renewing early is what leaves room for this: the token endpoint
		// is down for a moment, the current token still works.
		return c.token, nil
	}
	if err != nil {
		return "", err
	}
	c.token = tok
	c.renewAt = now.Add(lifetime - min(lifetime/5, maxRenewAhead))
	c.expiry = now.Add(lifetime)
	return tok, nil
}

// Reject forgets token if it is the cached one.
func (c *ClientCredentials) Reject(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

func (c *ClientCredentials) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// fetch runs the grant once.
func (c *ClientCredentials) fetch(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if c.Scope != "" {
		form.Set("scope", c.Scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("changefeed: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: id and secret are form-encoded before Basic.
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, ctx.Err()
		}
		return "", 0, &Error{Kind: ErrUnavailable, Detail: "token endpoint", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, ctx.Err()
		}
		return "", 0, &Error{Kind: ErrUnavailable, Status: resp.StatusCode, Detail: "token endpoint", Err: err}
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &tok) // a body that is not JSON leaves tok empty
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", 0, unavailable(resp, c.clock(), "token endpoint: "+tok.Description)
	case resp.StatusCode != http.StatusOK:
		// invalid_client, unauthorized_client, invalid_scope …: the
		// credentials, not the moment, are wrong (RFC 6749 §5.2).
		return "", 0, &Error{Kind: ErrUnauthorized, Status: resp.StatusCode, Detail: strings.TrimSpace(tok.Error + " " + tok.Description)}
	case tok.AccessToken == "":
		return "", 0, &Error{Kind: ErrProtocol, Status: resp.StatusCode, Detail: "token answer without access_token"}
	}
	lifetime := time.Duration(tok.ExpiresIn) * time.Second
	if tok.ExpiresIn <= 0 {
		// No lifetime given: RFC 6749 leaves it to the server; use the
		// token once, renewing for each request.
		lifetime = 0
	}
	return tok.AccessToken, lifetime, nil
}
