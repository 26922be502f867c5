package registration

import (
	"testing"
	"time"
)

// TestNew: Store is required, a negative lifetime is refused, the
// defaults are the join path under the base URL and 30 days.
func TestNew(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no store accepted")
	}
	w := newWorld(t)
	if _, err := New(Config{Store: w.svc.cfg.Store, InvitationTTL: -time.Hour}); err == nil {
		t.Error("a negative invitation lifetime accepted")
	}
	if w.svc.cfg.JoinBaseURL != "http://127.0.0.1:1/join" || w.svc.cfg.InvitationTTL != DefaultInvitationTTL {
		t.Errorf("defaults: %q %s", w.svc.cfg.JoinBaseURL, w.svc.cfg.InvitationTTL)
	}
}
