package follow

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/mapping"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// maxMetadata bounds the CapabilityStatement read (fhirserver's is tens of
// kilobytes).
const maxMetadata = 16 << 20

// sourceVersion reads <api>/metadata once to learn whether the source
// speaks STU3 (its resources are mapped) or R4. The CapabilityStatement
// is public (no token), so a source's version is known even while its
// credentials are refused. Errors are *changefeed.Error, classified like
// a poll's.
func sourceVersion(ctx context.Context, hc *http.Client, api string, now func() time.Time) (*defs.Version, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/metadata", nil)
	if err != nil {
		return nil, &changefeed.Error{Kind: changefeed.ErrProtocol, Detail: "metadata request", Err: err}
	}
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &changefeed.Error{Kind: changefeed.ErrUnavailable, Detail: "GET metadata", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadata))
	if err != nil {
		return nil, &changefeed.Error{Kind: changefeed.ErrUnavailable, Status: resp.StatusCode, Detail: "reading metadata", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		e := changefeed.StatusError(resp.StatusCode, resp.Header, body, now())
		e.Detail = "GET metadata: " + e.Detail
		return nil, e
	}
	cs, err := fhirjson.Parse(body)
	if err != nil {
		return nil, &changefeed.Error{Kind: changefeed.ErrProtocol, Status: resp.StatusCode, Detail: "metadata is not JSON", Err: err}
	}
	v, err := mapping.SourceVersion(cs)
	if err != nil {
		return nil, &changefeed.Error{Kind: changefeed.ErrProtocol, Status: resp.StatusCode, Detail: fmt.Sprintf("metadata: %v", err)}
	}
	return v, nil
}
