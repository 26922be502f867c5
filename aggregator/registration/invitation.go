package registration

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// invitation is the stored record of one invitation token. The token is
// not in it: the record's key is its hash.
type invitation struct {
	Code       string     `json:"code"`
	Identifier identifier `json:"identifier"` // as the customer named the patient
	NHSNumber  string     `json:"nhsNumber"`  // the patient's, "" when none
	Patient    string     `json:"patient"`    // the merged Patient when invited
	Customer   string     `json:"customer"`
	Expires    time.Time  `json:"expires"`
	UsedAt     *time.Time `json:"usedAt,omitempty"`
}

// codeAlphabet leaves out the letters and digits read alike (0/O, 1/I/L)
// so a code typed from a letter is typed right.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newToken is a fresh invitation token (256 random bits, base64url) and
// its short code (8 characters of codeAlphabet).
func newToken() (token, code string, err error) {
	b := make([]byte, 32+8)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("random invitation token: %w", err)
	}
	c := make([]byte, 8)
	for i, x := range b[32:] {
		c[i] = codeAlphabet[int(x)%len(codeAlphabet)]
	}
	return base64.RawURLEncoding.EncodeToString(b[:32]), string(c), nil
}

// tokenKey is the key an invitation is stored under: the token's hash.
func tokenKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func decodeInvitation(data []byte) (*invitation, error) {
	var inv invitation
	if err := json.Unmarshal(data, &inv); err != nil {
		return nil, fmt.Errorf("invitation record: %w", err)
	}
	return &inv, nil
}

// codeMatches compares the code in constant time.
func (inv *invitation) codeMatches(code string) bool {
	return subtle.ConstantTimeCompare([]byte(inv.Code), []byte(code)) == 1
}
