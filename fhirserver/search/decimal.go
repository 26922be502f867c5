package search

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// decimal is an exact decimal: unscaled × 10^-scale. FHIR numbers keep their
// literal text, and search equality depends on the literal's precision (100
// means [99.5, 100.5), 100.00 means [99.995, 100.005)), so no float64 is ever
// involved.
type decimal struct {
	unscaled *big.Int
	scale    int
}

// parseDecimal reads a JSON/FHIR decimal literal (optionally with exponent).
// The range it accepts is fhirjson's, the one validation applies to
// resources, so every decimal a resource may hold is indexed exactly (the
// encoding below needs |exponent| < 2^15) and every query value is one the
// index can be compared with.
func parseDecimal(s string) (decimal, error) {
	p, err := fhirjson.ParseDecimal(s)
	if err != nil {
		return decimal{}, err
	}
	u, ok := new(big.Int).SetString(p.Digits, 10)
	if !ok {
		return decimal{}, fmt.Errorf("invalid decimal %q", s)
	}
	if p.Neg {
		u.Neg(u)
	}
	return decimal{unscaled: u, scale: p.Scale}, nil
}

// bounds returns the implicit range of the literal's precision: value ± half a
// unit of its last digit.
func (d decimal) bounds() (lo, hi decimal) {
	u := new(big.Int).Mul(d.unscaled, big.NewInt(10))
	five := big.NewInt(5)
	return decimal{new(big.Int).Sub(u, five), d.scale + 1}, decimal{new(big.Int).Add(u, five), d.scale + 1}
}

// shift divides d by 10^k exactly (used for the 10% of ap).
func (d decimal) shift(k int) decimal { return decimal{d.unscaled, d.scale + k} }

func (d decimal) add(o decimal) decimal {
	a, b := d, o
	for a.scale < b.scale {
		a = decimal{new(big.Int).Mul(a.unscaled, big.NewInt(10)), a.scale + 1}
	}
	for b.scale < a.scale {
		b = decimal{new(big.Int).Mul(b.unscaled, big.NewInt(10)), b.scale + 1}
	}
	return decimal{new(big.Int).Add(a.unscaled, b.unscaled), a.scale}
}

func (d decimal) neg() decimal { return decimal{new(big.Int).Neg(d.unscaled), d.scale} }

func (d decimal) abs() decimal { return decimal{new(big.Int).Abs(d.unscaled), d.scale} }

// appendDecimal appends the order-preserving encoding: a sign byte (0x01
// negative, 0x02 zero, 0x03 positive), then for non-zero values the base-10
// exponent of 0.ddd×10^e as offset uint16 and the significant digits ended by
// a terminator; negatives invert exponent and digits so larger magnitudes
// sort first.
func appendDecimal(b []byte, d decimal) []byte {
	sign := d.unscaled.Sign()
	if sign == 0 {
		return append(b, 0x02)
	}
	digits := new(big.Int).Abs(d.unscaled).String()
	exp := len(digits) - d.scale
	digits = strings.TrimRight(digits, "0")
	e := uint16(clampExp(exp) + 1<<15)
	if sign > 0 {
		b = append(b, 0x03, byte(e>>8), byte(e))
		b = append(b, digits...)
		return append(b, 0x00)
	}
	e = ^e
	b = append(b, 0x01, byte(e>>8), byte(e))
	for i := 0; i < len(digits); i++ {
		b = append(b, 0xff-digits[i])
	}
	return append(b, 0xff)
}

func clampExp(e int) int {
	const limit = 1<<15 - 1
	if e > limit {
		return limit
	}
	if e < -limit {
		return -limit
	}
	return e
}

// readDecimalKey skips one encoded decimal and returns the rest.
func readDecimalKey(b []byte) ([]byte, []byte, error) {
	if len(b) == 0 {
		return nil, nil, errBadKey
	}
	switch b[0] {
	case 0x02:
		return b[:1], b[1:], nil
	case 0x01, 0x03:
		term := byte(0x00)
		if b[0] == 0x01 {
			term = 0xff
		}
		for i := 3; i < len(b); i++ {
			if b[i] == term {
				return b[:i+1], b[i+1:], nil
			}
		}
	}
	return nil, nil, errBadKey
}

func (d decimal) String() string {
	if d.scale <= 0 {
		return new(big.Int).Mul(d.unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d.scale)), nil)).String()
	}
	s := new(big.Int).Abs(d.unscaled).String()
	for len(s) <= d.scale {
		s = "0" + s
	}
	out := s[:len(s)-d.scale] + "." + s[len(s)-d.scale:]
	if d.unscaled.Sign() < 0 {
		out = "-" + out
	}
	return out
}
