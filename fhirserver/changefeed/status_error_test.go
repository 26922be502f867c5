package changefeed

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestStatusError(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	oo := []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"x","diagnostics":"why"}]}`)
	for _, tt := range []struct {
		status     int
		hdr        http.Header
		kind       error
		retryAfter time.Duration
	}{
		{401, nil, ErrUnauthorized, 0},
		{403, nil, ErrForbidden, 0},
		{429, http.Header{"Retry-After": {"7"}}, ErrUnavailable, 7 * time.Second},
		{503, http.Header{"Retry-After": {now.Add(time.Minute).Format(http.TimeFormat)}}, ErrUnavailable, time.Minute},
		{500, nil, ErrUnavailable, 0},
		{404, nil, ErrProtocol, 0},
		{400, nil, ErrProtocol, 0},
	} {
		err := StatusError(tt.status, tt.hdr, oo, now)
		if !errors.Is(err, tt.kind) || err.Status != tt.status || err.RetryAfter != tt.retryAfter || err.Detail != "why" {
			t.Errorf("%d: %+v", tt.status, err)
		}
	}
}
