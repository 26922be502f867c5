package fhirjson

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The supported decimal range. FHIR puts no bound on a decimal, but a server
// that accepts a value must also find it, and the search index (search's
// decimal.go) stores a value exactly only while its digits and exponent are
// bounded. So the range is a rule of its own, written here once and applied
// by validation (refusing a resource) and by search (refusing a query value
// and indexing):
//
//   - at most MaxDecimalDigits digits, before and after the point together;
//   - a non-zero value, written in scientific notation d.ddd×10^x with d ≠ 0,
//     has |x| ≤ MaxDecimalExponent, i.e. 1e-4000 ≤ |value| < 1e4001;
//   - zero is in range with any exponent (0e99999999999999999999 is zero).
const (
	MaxDecimalDigits   = 4000
	MaxDecimalExponent = 4000
)

// ErrDecimalRange marks a well-formed decimal outside the supported range.
var ErrDecimalRange = errors.New("outside the supported decimal range")

// Decimal is a decimal literal taken apart: its value is Digits × 10^-Scale,
// negated when Neg. Digits are the literal's digits without the point
// (leading zeros kept, never empty), so the literal's precision survives:
// 1.50 is {Digits: "150", Scale: 2}, 1e3 is {Digits: "1", Scale: -3}.
type Decimal struct {
	Neg    bool
	Digits string
	Scale  int
}

// IsZero reports whether the value is zero.
func (d Decimal) IsZero() bool { return strings.Trim(d.Digits, "0") == "" }

// ParseDecimal takes apart a decimal literal: an optional sign, digits, an
// optional fraction and an optional exponent ([+-]?d+(.d+)?([eE][+-]?d+)?).
// It is more lenient than FHIR's grammar (a plus sign, leading zeros), which
// validation checks on its own; the range is checked here. A zero's exponent
// only sets its precision, which is clamped to where it cannot change what
// an equality search around it finds (every non-zero value in range lies
// beyond it).
func ParseDecimal(s string) (Decimal, error) {
	orig := s
	var d Decimal
	if s != "" && (s[0] == '-' || s[0] == '+') {
		d.Neg, s = s[0] == '-', s[1:]
	}
	mant, expText, hasExp := strings.Cut(s, "e")
	if !hasExp {
		mant, expText, hasExp = strings.Cut(s, "E")
	}
	intPart, frac, hasDot := strings.Cut(mant, ".")
	if intPart == "" || (hasDot && frac == "") || !allDigits(intPart) || !allDigits(frac) {
		return Decimal{}, fmt.Errorf("invalid decimal %q", orig)
	}
	exp, expOK := 0, true
	if hasExp {
		var err error
		exp, expOK, err = parseExponent(expText)
		if err != nil {
			return Decimal{}, fmt.Errorf("invalid decimal %q", orig)
		}
	}
	d.Digits = intPart + frac
	if len(d.Digits) > MaxDecimalDigits {
		return Decimal{}, fmt.Errorf("decimal %s has more than %d digits: %w", shortLiteral(orig), MaxDecimalDigits, ErrDecimalRange)
	}
	if d.IsZero() {
		// Clamp the precision: at scale -(MaxDecimalExponent+2) the equality
		// range ±5×10^(MaxDecimalExponent+1) already holds every value in
		// range, at MaxDecimalExponent+2 (±5×10^-(MaxDecimalExponent+3))
		// none but zero, so a farther exponent changes nothing.
		d.Scale = min(max(len(frac)-exp, -(MaxDecimalExponent+2)), MaxDecimalExponent+2)
		return d, nil
	}
	lead := len(d.Digits) - len(strings.TrimLeft(d.Digits, "0"))
	if x := len(d.Digits) - lead - 1 - len(frac) + exp; !expOK || x > MaxDecimalExponent || x < -MaxDecimalExponent {
		return Decimal{}, fmt.Errorf("decimal %s is %w (at most %d digits, magnitude from 1e-%d to below 1e%d, or zero)",
			shortLiteral(orig), ErrDecimalRange, MaxDecimalDigits, MaxDecimalExponent, MaxDecimalExponent+1)
	}
	d.Scale = len(frac) - exp
	return d, nil
}

// parseExponent reads [+-]?digits. ok is false when the exponent is so far
// out that no digit string can bring the value back into range (it is then
// only usable for zero); the value is clamped so arithmetic cannot overflow.
func parseExponent(s string) (exp int, ok bool, err error) {
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || body == "" || !allDigits(body) {
		return 0, false, errors.New("bad exponent")
	}
	const far = 2*MaxDecimalDigits + MaxDecimalExponent + 1
	n, perr := strconv.Atoi(body)
	if perr != nil || n > far {
		n = far // overflowing int: certainly far
	}
	if s[0] == '-' {
		n = -n
	}
	return n, n > -far && n < far, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// shortLiteral quotes a literal for a message, cutting a very long one.
func shortLiteral(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:20]+"…"+s[len(s)-12:]) + fmt.Sprintf(" (%d characters)", len(s))
	}
	return strconv.Quote(s)
}
