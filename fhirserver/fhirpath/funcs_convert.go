package fhirpath

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Conversion functions (spec §5.5): each toX has a convertsToX twin that
// reports whether the conversion would succeed.

// converter converts one System value; ok is false when it cannot.
type converter func(v any) (any, bool)

func convertFn(conv converter, test bool) func(k *call) ([]Item, error) {
	return func(k *call) ([]Item, error) {
		it, ok, err := k.single()
		if err != nil || !ok {
			return nil, err
		}
		v, ok := it.Value()
		var r any
		if ok {
			r, ok = conv(v)
		}
		if test {
			return boolItems(ok), nil
		}
		if !ok {
			return nil, nil
		}
		return []Item{{sys: r}}, nil
	}
}

func toBoolean(v any) (any, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true", "t", "yes", "y", "1", "1.0":
			return true, true
		case "false", "f", "no", "n", "0", "0.0":
			return false, true
		}
	case int64:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case Decimal:
		if x.Cmp(DecimalFromInt(0)) == 0 || x.Cmp(DecimalFromInt(1)) == 0 {
			return x.Cmp(DecimalFromInt(1)) == 0, true
		}
	}
	return nil, false
}

// The conversion regexps are compiled on first use: compiled at init they
// would be heap every idle server keeps for functions search parameters
// never call.
var integerRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[+-]?\d+$`) })

func toInteger(v any) (any, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case bool:
		if x {
			return int64(1), true
		}
		return int64(0), true
	case string:
		if integerRE().MatchString(x) {
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, true
			}
		}
	}
	return nil, false
}

var decimalRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[+-]?\d+(\.\d+)?$`) })

func toDecimalValue(v any) (any, bool) {
	switch x := v.(type) {
	case Decimal:
		return x, true
	case int64:
		return DecimalFromInt(x), true
	case bool:
		d, _ := ParseDecimal("0.0")
		if x {
			d, _ = ParseDecimal("1.0")
		}
		return d, true
	case string:
		if decimalRE().MatchString(x) {
			if d, err := ParseDecimal(x); err == nil {
				return d, true
			}
		}
	}
	return nil, false
}

func toStringValue(v any) (any, bool) {
	switch v.(type) {
	case string, bool, int64, Decimal, Temporal, Quantity:
		return valueString(v), true
	}
	return nil, false
}

func temporalConv(kind TemporalKind) converter {
	return func(v any) (any, bool) {
		switch x := v.(type) {
		case Temporal:
			switch {
			case x.Kind == kind:
				return x, true
			case kind == KindDate && x.Kind == KindDateTime:
				r := Temporal{Kind: KindDate, Prec: min(x.Prec, PrecDay), Year: x.Year, Month: x.Month, Day: x.Day}
				return r, true
			case kind == KindDateTime && x.Kind == KindDate:
				x.Kind, x.Text = KindDateTime, ""
				return x, true
			}
		case string:
			t, err := ParseTemporal(kind, strings.TrimPrefix(x, "T"))
			if err == nil {
				if kind == KindTime {
					t.Text = strings.TrimPrefix(t.Text, "T")
				}
				return t, true
			}
		}
		return nil, false
	}
}

var quantityRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([+-]?\d+(?:\.\d+)?)\s*(?:'([^']*)'|([a-zA-Z]+))?$`)
})

func fnToQuantity(test bool) func(k *call) ([]Item, error) {
	return func(k *call) ([]Item, error) {
		it, ok, err := k.single()
		if err != nil || !ok {
			return nil, err
		}
		v, ok := it.Value()
		var q Quantity
		if ok {
			q, ok = toQuantity(v)
		}
		if ok && len(k.n.args) == 1 {
			unit, has, err := k.argString(0)
			if err != nil {
				return nil, err
			}
			if has && normUnit(unit) != normUnit(q.Unit) {
				a, b, comm := commensurable(q, Quantity{Value: DecimalFromInt(1), Unit: unit})
				if !comm {
					ok = false
				} else {
					factor, _ := a.div(b)
					q = Quantity{Value: factor, Unit: unit}
				}
			}
		}
		if test {
			return boolItems(ok), nil
		}
		if !ok {
			return nil, nil
		}
		return []Item{{sys: q}}, nil
	}
}

func toQuantity(v any) (Quantity, bool) {
	switch x := v.(type) {
	case Quantity:
		return x, true
	case int64:
		return Quantity{Value: DecimalFromInt(x), Unit: "1"}, true
	case Decimal:
		return Quantity{Value: x, Unit: "1"}, true
	case bool:
		d := "0.0"
		if x {
			d = "1.0"
		}
		n, _ := ParseDecimal(d)
		return Quantity{Value: n, Unit: "1"}, true
	case string:
		m := quantityRE().FindStringSubmatch(strings.TrimSpace(x))
		if m == nil {
			return Quantity{}, false
		}
		d, err := ParseDecimal(m[1])
		if err != nil {
			return Quantity{}, false
		}
		unit := "1"
		if m[2] != "" || strings.Contains(x, "'") {
			unit = m[2]
		} else if m[3] != "" {
			c, ok := calendarUnits[m[3]]
			if !ok {
				return Quantity{}, false
			}
			unit = c
		}
		return Quantity{Value: d, Unit: unit}, true
	}
	return Quantity{}, false
}
