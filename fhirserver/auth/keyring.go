package auth

import (
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// role is what a client is to the endpoint; it bounds the scopes it may get.
type role uint8

const (
	roleCustomer role = iota + 1
	roleAggregator
)

func (r role) String() string {
	if r == roleAggregator {
		return "aggregator"
	}
	return "customer"
}

// clientEntry is one client id/secret pair that may authenticate. Entries of
// replaced credentials stay, with an end, for the grace period.
type clientEntry struct {
	role role
	id   string
	// secret is the SHA-256 of the secret: comparing fixed-length digests
	// keeps even the secret's length out of the timing.
	secret [sha256.Size]byte
	until  time.Time // zero for the current credentials
}

// verifyKey is a public key tokens are checked with. A replaced signing key
// stays until every token it signed has expired.
type verifyKey struct {
	kid   string
	alg   jose.SignatureAlgorithm
	pub   crypto.PublicKey
	until time.Time // zero for the current key
}

// keyring is one immutable view of who may get tokens and which keys sign and
// verify them. A reload builds a new keyring and swaps it in atomically, so a
// request sees either the old or the new view, never half of each.
type keyring struct {
	creds   *credentials
	signKey *signingKey
	signer  jose.Signer
	clients []clientEntry
	verify  []verifyKey
}

// nextKeyring builds the keyring for freshly read credentials c, carrying over
// from prev (nil on first load) the secrets still in their grace period and
// the keys whose tokens may still be live. prevReadAt is when prev's
// credentials were last read and found current (zero if unknown).
func nextKeyring(prev *keyring, c *credentials, now, prevReadAt time.Time, grace, keyKeep time.Duration) (*keyring, error) {
	// A replaced secret's grace period runs from when its file changed, if
	// that is known and earlier: a server that noticed late (idle, unable
	// to watch the folder) must not keep an old secret working for longer.
	// But not from before the old secret was last read as current: a file
	// copied in with its old times (cp -p, rsync -a) would otherwise end
	// the grace period before it began. A replaced signing key stays for
	// keyKeep from now: this server signed with it until now.
	replacedAt := now
	if !c.changedAt.IsZero() && c.changedAt.Before(now) {
		replacedAt = c.changedAt
	}
	if prevReadAt.After(replacedAt) && !prevReadAt.After(now) {
		replacedAt = prevReadAt
	}
	signer, err := c.key.signer()
	if err != nil {
		return nil, err
	}
	k := &keyring{creds: c, signKey: c.key, signer: signer}
	if c.customer.id != "" {
		k.clients = append(k.clients, clientEntry{role: roleCustomer, id: c.customer.id, secret: sha256.Sum256([]byte(c.customer.secret))})
	}
	for _, l := range c.listed {
		k.clients = append(k.clients, clientEntry{role: roleCustomer, id: l.id, secret: sha256.Sum256([]byte(l.secret))})
	}
	if c.aggregator.id != "" {
		k.clients = append(k.clients, clientEntry{role: roleAggregator, id: c.aggregator.id, secret: sha256.Sum256([]byte(c.aggregator.secret))})
	}
	k.verify = append(k.verify, verifyKey{kid: c.key.kid, alg: c.key.alg, pub: c.key.public})
	if prev == nil {
		return k, nil
	}
	for _, e := range prev.clients {
		if e.until.IsZero() {
			e.until = replacedAt.Add(grace)
		}
		if !e.until.After(now) || k.hasClient(e) {
			continue
		}
		k.clients = append(k.clients, e)
	}
	for _, v := range prev.verify {
		if v.kid == c.key.kid {
			continue
		}
		if v.until.IsZero() {
			v.until = now.Add(keyKeep)
		}
		if v.until.After(now) {
			k.verify = append(k.verify, v)
		}
	}
	return k, nil
}

func (k *keyring) hasClient(e clientEntry) bool {
	for _, c := range k.clients {
		if c.role == e.role && c.id == e.id && c.secret == e.secret {
			return true
		}
	}
	return false
}

// authenticate checks a client id and secret. Every live entry's secret is
// compared in constant time, whether or not its id matched, so the time taken
// tells nothing about which ids exist or how much of a secret was right.
func (k *keyring) authenticate(id, secret string, now time.Time) (role, bool) {
	var found role
	h := sha256.Sum256([]byte(secret))
	for _, e := range k.clients {
		live := e.until.IsZero() || now.Before(e.until)
		match := subtle.ConstantTimeCompare(e.secret[:], h[:]) == 1
		if live && match && e.id == id && found == 0 {
			found = e.role
		}
	}
	return found, found != 0
}

// knows reports whether id is a client of this endpoint (current or in grace),
// and its role.
func (k *keyring) knows(id string, now time.Time) (role, bool) {
	for _, e := range k.clients {
		if e.id == id && (e.until.IsZero() || now.Before(e.until)) {
			return e.role, true
		}
	}
	return 0, false
}

// keyFor returns the key that should have signed a token with this header.
func (k *keyring) keyFor(kid string, alg string, now time.Time) (verifyKey, error) {
	for _, v := range k.verify {
		if v.kid == kid && string(v.alg) == alg && (v.until.IsZero() || now.Before(v.until)) {
			return v, nil
		}
	}
	return verifyKey{}, fmt.Errorf("no signing key %q for alg %s at this endpoint", kid, alg)
}

// verifyAlgs are the only algorithms the resource server parses: the ones its
// own key types produce. HMAC and "none" are never among them.
func verifyAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA, jose.RS256}
}
