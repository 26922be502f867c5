package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Issue 15, item 7: every request runs under --request-timeout; past it the
// work stops and the client gets an OperationOutcome with too-costly, while
// a $changes long poll waits longer than the deadline.
func TestContractRequestDeadline(t *testing.T) {
	cs := startContract(t, "R4", "--request-timeout", "10ms")

	// 5,000 searches in one batch cannot finish in 10 ms: the entries run
	// until the deadline, those after it answer 503 too-costly, and the
	// batch-response still reports every entry.
	const n = 5000
	var entries []string
	for i := range n {
		entries = append(entries, fmt.Sprintf(`{"request":{"method":"GET","url":"Patient?_id=p%d&_revinclude=*"}}`, i))
	}
	resp := cs.call(t, "POST", "", `{"resourceType":"Bundle","type":"batch","entry":[`+strings.Join(entries, ",")+`]}`, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("batch: %d %s", resp.Status, resp.Body)
	}
	got, _ := jsonOf(t, resp)["entry"].([]any)
	if len(got) != n {
		t.Fatalf("batch-response with %d entries, want %d", len(got), n)
	}
	last, _ := got[n-1].(map[string]any)["response"].(map[string]any)
	status, _ := last["status"].(string)
	issues, _ := last["outcome"].(map[string]any)["issue"].([]any)
	if !strings.HasPrefix(status, "503") || len(issues) == 0 || issues[0].(map[string]any)["code"] != "too-costly" {
		t.Fatalf("last entry after the deadline: %v, want 503 with a too-costly outcome", last)
	}

	// A long poll of one second is not cut by the 10 ms deadline.
	feed := cs.srv.feed()
	head, err := feed.Poll(t.Context(), "", 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := feed.Poll(t.Context(), head.Next, 0, time.Second); err != nil {
		t.Fatalf("long poll under a 10 ms deadline: %v, want an empty page", err)
	}
}
