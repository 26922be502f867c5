package fhirpath

import "math/big"

// Quantity is a FHIRPath Quantity: a decimal and a unit, either a UCUM code
// ('mg') or a calendar duration keyword (year, month, week, day, hour,
// minute, second, millisecond; singular form).
type Quantity struct {
	Value Decimal
	Unit  string
}

// String prints the quantity as a FHIRPath literal, e.g. 5.0 'mg' or 3 days.
func (q Quantity) String() string {
	if _, ok := calendarUnits[q.Unit]; ok {
		return q.Value.String() + " " + q.Unit
	}
	return q.Value.String() + " '" + q.Unit + "'"
}

// calendarUnits maps the calendar keywords (singular and plural) to the
// singular form.
var calendarUnits = map[string]string{
	"year": "year", "years": "year", "month": "month", "months": "month",
	"week": "week", "weeks": "week", "day": "day", "days": "day",
	"hour": "hour", "hours": "hour", "minute": "minute", "minutes": "minute",
	"second": "second", "seconds": "second", "millisecond": "millisecond", "milliseconds": "millisecond",
}

// ucumDefinite maps the UCUM codes of definite time durations to the
// calendar keyword they equal; year and month are absent because 1 'a' is
// not 1 year (the spec's calendar year is not UCUM's mean Julian year).
var ucumDefinite = map[string]string{
	"wk": "week", "d": "day", "h": "hour", "min": "minute", "s": "second", "ms": "millisecond",
}

// ucumScale gives simple UCUM units a factor to a base unit, so 1 'g' =
// 1000 'mg' compares as the spec asks; units not listed compare only when
// written identically.
var ucumScale = map[string]struct {
	base   string
	factor *big.Rat
}{
	"kg": {"g", big.NewRat(1000, 1)}, "g": {"g", big.NewRat(1, 1)}, "mg": {"g", big.NewRat(1, 1000)},
	"ug": {"g", big.NewRat(1, 1000000)}, "ng": {"g", big.NewRat(1, 1000000000)},
	"km": {"m", big.NewRat(1000, 1)}, "m": {"m", big.NewRat(1, 1)}, "cm": {"m", big.NewRat(1, 100)},
	"mm": {"m", big.NewRat(1, 1000)}, "[in_i]": {"m", big.NewRat(254, 10000)},
	"L": {"L", big.NewRat(1, 1)}, "dL": {"L", big.NewRat(1, 10)}, "mL": {"L", big.NewRat(1, 1000)},
	"wk": {"s", big.NewRat(604800, 1)}, "d": {"s", big.NewRat(86400, 1)}, "h": {"s", big.NewRat(3600, 1)},
	"min": {"s", big.NewRat(60, 1)}, "s": {"s", big.NewRat(1, 1)}, "ms": {"s", big.NewRat(1, 1000)},
}

// normUnit returns a unit's comparable form: calendar keywords for the
// definite durations become their UCUM code, "1" and "" are the same.
func normUnit(u string) string {
	if c, ok := calendarUnits[u]; ok {
		u = c
		for code, kw := range ucumDefinite {
			if kw == u {
				return code
			}
		}
		return u
	}
	if u == "" {
		return "1"
	}
	return u
}

// commensurable converts a and b to one unit; ok is false when they cannot
// be compared (the comparison is then empty).
func commensurable(a, b Quantity) (Decimal, Decimal, bool) {
	ua, ub := normUnit(a.Unit), normUnit(b.Unit)
	if ua == ub {
		return a.Value, b.Value, true
	}
	sa, oka := ucumScale[ua]
	sb, okb := ucumScale[ub]
	if !oka || !okb || sa.base != sb.base {
		return Decimal{}, Decimal{}, false
	}
	va := Decimal{r: new(big.Rat).Mul(a.Value.rat(), sa.factor), scale: a.Value.scale + 9}
	vb := Decimal{r: new(big.Rat).Mul(b.Value.rat(), sb.factor), scale: b.Value.scale + 9}
	return va, vb, true
}
