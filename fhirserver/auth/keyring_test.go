package auth

import (
	"testing"
	"time"
)

func mustCreds(t *testing.T, c credSet) *credentials {
	t.Helper()
	got, err := parseCredentials(filesOf(c))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestNextKeyringCarriesGrace(t *testing.T) {
	now := newFakeClock().Now()
	grace, keep := time.Hour, 11*time.Minute
	v1 := newCredSet(t, "acme")
	r1, err := nextKeyring(nil, mustCreds(t, v1), now, time.Time{}, grace, keep)
	if err != nil {
		t.Fatal(err)
	}
	v2 := v1
	v2.clientSecret = "second-secret-0123456789"
	v2.keyPEM = p256PEM(t)
	r2, _ := nextKeyring(r1, mustCreds(t, v2), now, now, grace, keep)
	v3 := v2
	v3.clientSecret = "third-secret-0123456789"
	later := now.Add(30 * time.Minute)
	r3, _ := nextKeyring(r2, mustCreds(t, v3), later, now, grace, keep)

	cases := []struct {
		name   string
		ring   *keyring
		secret string
		at     time.Time
		want   bool
	}{
		{"v1 current", r1, v1.clientSecret, now, true},
		{"v1 in grace", r2, v1.clientSecret, now.Add(grace - time.Second), true},
		{"v1 after grace", r2, v1.clientSecret, now.Add(grace), false},
		{"v2 current", r2, v2.clientSecret, now.Add(100 * grace), true},
		// Two rotations in a row: each replaced secret keeps its own grace.
		{"v1 still in its grace after v3", r3, v1.clientSecret, now.Add(grace - time.Second), true},
		{"v2 grace starts at its replacement", r3, v2.clientSecret, later.Add(grace - time.Second), true},
		{"v2 after its grace", r3, v2.clientSecret, later.Add(grace), false},
		{"v3 current", r3, v3.clientSecret, later, true},
		{"wrong secret", r3, "nope-nope-nope-nope", later, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := tc.ring.authenticate(v1.clientID, tc.secret, tc.at); ok != tc.want {
				t.Fatalf("authenticate = %v", ok)
			}
		})
	}

	k1, k2 := mustKey(t, v1.keyPEM), mustKey(t, v2.keyPEM)
	if _, err := r2.keyFor(k1.kid, string(k1.alg), now.Add(keep-time.Second)); err != nil {
		t.Fatalf("old key dropped before its tokens expired: %v", err)
	}
	if _, err := r2.keyFor(k1.kid, string(k1.alg), now.Add(keep)); err == nil {
		t.Fatal("old key kept after its tokens expired")
	}
	if _, err := r3.keyFor(k2.kid, string(k2.alg), later.Add(100*keep)); err != nil {
		t.Fatal("current key not found")
	}
	if _, err := r3.keyFor(k2.kid, "RS256", later); err == nil {
		t.Fatal("key found under the wrong algorithm")
	}
}

func TestKeyringRoles(t *testing.T) {
	c := newCredSet(t, "acme")
	r, _ := nextKeyring(nil, mustCreds(t, c), time.Now(), time.Time{}, time.Hour, time.Hour)
	if role, ok := r.authenticate(c.clientID, c.clientSecret, time.Now()); !ok || role != roleCustomer {
		t.Fatalf("customer: %v %v", role, ok)
	}
	if role, ok := r.authenticate(c.aggID, c.aggSecret, time.Now()); !ok || role != roleAggregator {
		t.Fatalf("aggregator: %v %v", role, ok)
	}
	if _, ok := r.authenticate(c.clientID, c.aggSecret, time.Now()); ok {
		t.Fatal("customer id with the aggregator's secret")
	}
}
