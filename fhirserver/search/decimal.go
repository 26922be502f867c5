package search

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// decimal is an exact decimal: unscaled × 10^-scale. FHIR numbers keep their
// literal text, and search equality depends on the literal's precision (100
// means [99.5, 100.5), 100.00 means [99.995, 100.005)), so no float64 is ever
// involved.
type decimal struct {
	unscaled *big.Int
	scale    int
}

// maxDecimalExp bounds exponents so a hostile literal like 1e999999999 cannot
// make us allocate a huge number.
const maxDecimalExp = 4000

// parseDecimal reads a JSON/FHIR decimal literal (optionally with exponent).
func parseDecimal(s string) (decimal, error) {
	orig := s
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > maxDecimalExp || e < -maxDecimalExp {
			return decimal{}, fmt.Errorf("invalid decimal %q", orig)
		}
		exp, s = e, s[:i]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") || !allDigits(intPart) || !allDigits(frac) {
		return decimal{}, fmt.Errorf("invalid decimal %q", orig)
	}
	digits := intPart + frac
	if len(digits) > maxDecimalExp {
		return decimal{}, fmt.Errorf("decimal %q has too many digits", orig)
	}
	u, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return decimal{}, fmt.Errorf("invalid decimal %q", orig)
	}
	if neg {
		u.Neg(u)
	}
	return decimal{unscaled: u, scale: len(frac) - exp}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
