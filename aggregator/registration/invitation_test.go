package registration

import (
	"strings"
	"testing"
)

// TestNewToken: tokens are 43 base64url characters, codes 8 of the
// alphabet without look-alikes, both different each time; the key is the
// token's SHA-256 in hex.
func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		tok, code, err := newToken()
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != 43 || strings.ContainsAny(tok, "+/=") || len(code) != 8 || strings.Trim(code, codeAlphabet) != "" {
			t.Fatalf("token %q code %q", tok, code)
		}
		if seen[tok] {
			t.Fatal("a token came twice")
		}
		seen[tok] = true
	}
	if k := tokenKey("abc"); k != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("tokenKey: %s", k)
	}
}
