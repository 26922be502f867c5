package fhirpath

import (
	"fmt"
	"math/big"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Decimal is a FHIRPath Decimal: an exact rational with the number of
// decimal places it was written or computed with, so 1.50 prints as 1.50 and
// 0.1 + 0.2 = 0.3 holds (a float64 would make that false).
type Decimal struct {
	r     *big.Rat
	scale int
}

// maxDivScale bounds the decimal places a division result keeps; the spec
// requires at least 8.
const maxDivScale = 8

// ParseDecimal reads a decimal literal such as "1.50", "-3" or "1e3". The
// literal grammar and the supported range are fhirjson.ParseDecimal's, the
// one rule validation and search apply too, so a zero with any exponent is
// zero here as well and no literal can make big.Rat build a huge power.
func ParseDecimal(s string) (Decimal, error) {
	p, err := fhirjson.ParseDecimal(s)
	if err != nil {
		return Decimal{}, fmt.Errorf("fhirpath: %w", err)
	}
	n, ok := new(big.Int).SetString(p.Digits, 10)
	if !ok {
		return Decimal{}, fmt.Errorf("fhirpath: %q is not a decimal", s)
	}
	if p.Neg {
		n.Neg(n)
	}
	r := new(big.Rat).SetInt(n)
	if p.Scale != 0 {
		pow := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(p.Scale))), nil))
		if p.Scale > 0 {
			r.Quo(r, pow)
		} else {
			r.Mul(r, pow)
		}
	}
	return Decimal{r: r, scale: max(p.Scale, 0)}, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// DecimalFromInt returns the decimal for an integer.
func DecimalFromInt(i int64) Decimal { return Decimal{r: new(big.Rat).SetInt64(i)} }

// Rat returns the exact value (a copy, so callers cannot change d).
func (d Decimal) Rat() *big.Rat {
	if d.r == nil {
		return new(big.Rat)
	}
	return new(big.Rat).Set(d.r)
}

// Scale is the number of decimal places d carries.
func (d Decimal) Scale() int { return d.scale }

func (d Decimal) rat() *big.Rat {
	if d.r == nil {
		return new(big.Rat)
	}
	return d.r
}

// String prints d with its scale, e.g. "1.50".
func (d Decimal) String() string { return d.rat().FloatString(d.scale) }

// Cmp compares two decimals exactly.
func (d Decimal) Cmp(o Decimal) int { return d.rat().Cmp(o.rat()) }

func (d Decimal) add(o Decimal) Decimal {
	return Decimal{r: new(big.Rat).Add(d.rat(), o.rat()), scale: max(d.scale, o.scale)}
}

func (d Decimal) sub(o Decimal) Decimal {
	return Decimal{r: new(big.Rat).Sub(d.rat(), o.rat()), scale: max(d.scale, o.scale)}
}

func (d Decimal) mul(o Decimal) Decimal {
	return Decimal{r: new(big.Rat).Mul(d.rat(), o.rat()), scale: d.scale + o.scale}
}

// div divides; ok is false for division by zero (the result is then empty).
func (d Decimal) div(o Decimal) (Decimal, bool) {
	if o.rat().Sign() == 0 {
		return Decimal{}, false
	}
	q := new(big.Rat).Quo(d.rat(), o.rat())
	return Decimal{r: q, scale: exactScale(q, maxDivScale)}, true
}

func (d Decimal) neg() Decimal { return Decimal{r: new(big.Rat).Neg(d.rat()), scale: d.scale} }

// exactScale is the fewest decimal places (up to limit) that print q exactly.
func exactScale(q *big.Rat, limit int) int {
	x := new(big.Rat).Set(q)
	ten := big.NewRat(10, 1)
	for s := 0; s < limit; s++ {
		if x.IsInt() {
			return s
		}
		x.Mul(x, ten)
	}
	return limit
}

// isInteger reports whether d has no fractional part.
func (d Decimal) isInteger() bool { return d.rat().IsInt() }

// roundTo rounds half away from zero to p decimal places.
func (d Decimal) roundTo(p int) Decimal {
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil))
	x := new(big.Rat).Mul(d.rat(), scale)
	half := big.NewRat(1, 2)
	if x.Sign() < 0 {
		x.Sub(x, half)
	} else {
		x.Add(x, half)
	}
	n := new(big.Int).Quo(x.Num(), x.Denom()) // truncates toward zero
	return Decimal{r: new(big.Rat).Quo(new(big.Rat).SetInt(n), scale), scale: p}
}

// truncInt returns the integer part, truncated toward zero.
func (d Decimal) truncInt() *big.Int {
	return new(big.Int).Quo(d.rat().Num(), d.rat().Denom())
}

// floorInt returns the greatest integer not above d.
func (d Decimal) floorInt() *big.Int {
	q, m := new(big.Int).DivMod(d.rat().Num(), d.rat().Denom(), new(big.Int))
	_ = m // Euclidean division with a positive denominator is floor division
	return q
}

// float returns an approximation for the transcendental math functions only
// (exp, ln, log, power, sqrt), whose results are inexact anyway.
func (d Decimal) float() float64 {
	f, _ := d.rat().Float64()
	return f
}
