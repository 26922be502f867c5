package fhirpath

import (
	"math"
	"math/big"
	"strconv"
)

// Math functions (FHIRPath 2.0 §5.7). Exact ones (abs, ceiling, floor,
// truncate, round) stay exact; exp, ln, log, power and sqrt go through
// float64 because their results are irrational anyway.

// inNumber returns the single numeric input (int64, Decimal or Quantity).
func (k *call) inNumber() (any, bool, error) {
	it, ok, err := k.single()
	if err != nil || !ok {
		return nil, false, err
	}
	v, _ := it.Value()
	switch v.(type) {
	case int64, Decimal, Quantity:
		return v, true, nil
	}
	return nil, false, k.errf("%s() needs a number, got %s", k.n.name, it.TypeName())
}

func mathFn(name string) func(k *call) ([]Item, error) {
	return func(k *call) ([]Item, error) {
		v, ok, err := k.inNumber()
		if err != nil || !ok {
			return nil, err
		}
		if q, isQ := v.(Quantity); isQ {
			if name != "abs" {
				return nil, k.errf("%s() cannot apply to a Quantity", name)
			}
			if q.Value.rat().Sign() < 0 {
				q.Value = q.Value.neg()
			}
			return []Item{{sys: q}}, nil
		}
		if i, isInt := v.(int64); isInt {
			switch name {
			case "abs":
				if i < 0 {
					i = -i
				}
				return []Item{{sys: i}}, nil
			case "ceiling", "floor", "truncate":
				return []Item{{sys: i}}, nil
			}
		}
		d, _ := toDecimal(v)
		switch name {
		case "abs":
			if d.rat().Sign() < 0 {
				d = d.neg()
			}
			return []Item{{sys: d}}, nil
		case "floor":
			return []Item{{sys: d.floorInt().Int64()}}, nil
		case "ceiling":
			f := d.floorInt()
			if !d.isInteger() {
				f.Add(f, big.NewInt(1))
			}
			return []Item{{sys: f.Int64()}}, nil
		case "truncate":
			return []Item{{sys: d.truncInt().Int64()}}, nil
		case "exp":
			return floatItem(math.Exp(d.float()))
		case "ln":
			return floatItem(math.Log(d.float()))
		case "sqrt":
			return floatItem(math.Sqrt(d.float()))
		}
		return nil, k.errf("unknown math function %s", name)
	}
}

// floatItem turns a float result into a Decimal; NaN and infinities (ln of
// a negative, sqrt(-1)) are empty, as the spec says.
func floatItem(f float64) ([]Item, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, nil
	}
	d, err := ParseDecimal(strconv.FormatFloat(f, 'f', -1, 64))
	if err != nil {
		// A finite float always formats as a decimal; should one not, the
		// result is empty like NaN's rather than an evaluation error.
		return nil, nil //nolint:nilerr // empty is FHIRPath's answer for a non-number
	}
	if d.scale > maxDivScale {
		d = d.roundTo(maxDivScale)
	}
	return []Item{{sys: d}}, nil
}

func fnLog(k *call) ([]Item, error) {
	v, ok, err := k.inNumber()
	if err != nil || !ok {
		return nil, err
	}
	base, err := k.arg(0)
	if err != nil || len(base) != 1 {
		return nil, err
	}
	bv, _ := base[0].Value()
	d, _ := toDecimal(v)
	b, ok := toDecimal(bv)
	if !ok {
		return nil, k.errf("log() needs a numeric base")
	}
	return floatItem(math.Log(d.float()) / math.Log(b.float()))
}

func fnPower(k *call) ([]Item, error) {
	v, ok, err := k.inNumber()
	if err != nil || !ok {
		return nil, err
	}
	ex, err := k.arg(0)
	if err != nil || len(ex) != 1 {
		return nil, err
	}
	ev, _ := ex[0].Value()
	bi, bInt := v.(int64)
	ei, eInt := ev.(int64)
	if bInt && eInt && ei >= 0 && ei <= 64 { // bounded: a client must not make us build a huge number
		r := new(big.Int).Exp(big.NewInt(bi), big.NewInt(ei), nil)
		if r.IsInt64() {
			return []Item{{sys: r.Int64()}}, nil
		}
	}
	d, _ := toDecimal(v)
	e, ok := toDecimal(ev)
	if !ok {
		return nil, k.errf("power() needs a numeric exponent")
	}
	return floatItem(math.Pow(d.float(), e.float()))
}

// maxRoundPrecision bounds round(): the precision comes from the
// expression, and 10^precision is computed exactly.
const maxRoundPrecision = 100

func fnRound(k *call) ([]Item, error) {
	v, ok, err := k.inNumber()
	if err != nil || !ok {
		return nil, err
	}
	p := int64(0)
	if len(k.n.args) > 0 {
		n, has, err := k.argInt(0)
		if err != nil {
			return nil, err
		}
		if has {
			if n < 0 || n > maxRoundPrecision {
				return nil, k.errf("round() precision must be between 0 and %d", maxRoundPrecision)
			}
			p = n
		}
	}
	d, ok := toDecimal(v)
	if !ok {
		return nil, k.errf("round() needs a number")
	}
	return []Item{{sys: d.roundTo(int(p))}}, nil
}
