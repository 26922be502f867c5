package follow

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

func TestSourceVersion(t *testing.T) {
	hc := &http.Client{}
	for _, tt := range []struct {
		fhirVersion string
		want        *defs.Version
		wantErr     error
	}{
		{"3.0.2", defs.STU3, nil},
		{"3.0.1", defs.STU3, nil},
		{"4.0.1", defs.R4, nil},
		{"1.0.2", nil, changefeed.ErrProtocol},
	} {
		src := newFakeSource(t, "s", tt.fhirVersion)
		v, err := sourceVersion(context.Background(), hc, src.spec().API(), time.Now)
		if v != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: %v %v", tt.fhirVersion, v, err)
		}
	}
	// Nothing listening: unavailable, retried later.
	if _, err := sourceVersion(context.Background(), hc, "http://127.0.0.1:1/fhir", time.Now); !errors.Is(err, changefeed.ErrUnavailable) {
		t.Errorf("no server: %v", err)
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err          error
		kind, reason string
	}{
		{&changefeed.Error{Kind: changefeed.ErrUnavailable}, "unavailable", "SourceUnreachable"},
		{&changefeed.Error{Kind: changefeed.ErrUnauthorized}, "unauthorized", "CredentialsRefused"},
		{&changefeed.Error{Kind: changefeed.ErrForbidden}, "forbidden", "CredentialsRefused"},
		{&changefeed.Error{Kind: changefeed.ErrCursorRejected}, "cursor_rejected", "CursorReset"},
		{&changefeed.Error{Kind: changefeed.ErrProtocol}, "protocol", "SourceError"},
		{&applyError{errors.New("disk full")}, "apply", "SourceError"},
		{errors.New("something else"), "other", "SourceError"},
	} {
		if kind, reason := classify(tt.err); kind != tt.kind || reason != tt.reason {
			t.Errorf("%v: %s %s, want %s %s", tt.err, kind, reason, tt.kind, tt.reason)
		}
	}
}
