package fhirpath

import (
	"math"
	"math/big"
	"time"
)

// arith implements + - * / div mod on single items.
func (n *binaryNode) arith(c *evalCtx, ls, rs []Item) ([]Item, error) {
	if len(ls) == 0 || len(rs) == 0 {
		return nil, nil
	}
	if len(ls) > 1 || len(rs) > 1 {
		return nil, c.errf(n.pos, "'%s' needs single items", n.op)
	}
	a, _ := ls[0].Value()
	b, _ := rs[0].Value()
	bad := func() ([]Item, error) {
		return nil, c.errf(n.pos, "'%s' cannot apply to %s and %s", n.op, ls[0].TypeName(), rs[0].TypeName())
	}
	// Strings concatenate with +.
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok && n.op == "+" {
			return []Item{{sys: x + y}}, nil
		}
		return bad()
	}
	if t, ok := a.(Temporal); ok {
		q, ok := b.(Quantity)
		if !ok || (n.op != "+" && n.op != "-") {
			return bad()
		}
		if n.op == "-" {
			q.Value = q.Value.neg()
		}
		r, ok := addDuration(t, q)
		if !ok {
			return nil, c.errf(n.pos, "cannot add %s to a %s", q, t.Kind)
		}
		return []Item{{sys: r}}, nil
	}
	if qa, ok := a.(Quantity); ok {
		return quantityArith(c, n, qa, b, bad)
	}
	if _, ok := b.(Quantity); ok && n.op == "*" {
		return quantityArith(c, n, b.(Quantity), a, bad)
	}
	ia, aInt := a.(int64)
	ib, bInt := b.(int64)
	if aInt && bInt {
		// Overflow gives empty rather than a wrapped wrong number.
		switch n.op {
		case "+":
			r := ia + ib
			if (r > ia) != (ib > 0) {
				return nil, nil
			}
			return []Item{{sys: r}}, nil
		case "-":
			r := ia - ib
			if (r < ia) != (ib > 0) {
				return nil, nil
			}
			return []Item{{sys: r}}, nil
		case "*":
			r := ia * ib
			if ia != 0 && (r/ia != ib || (ia == -1 && ib == math.MinInt64)) {
				return nil, nil
			}
			return []Item{{sys: r}}, nil
		case "div":
			if ib == 0 {
				return nil, nil
			}
			return []Item{{sys: ia / ib}}, nil
		case "mod":
			if ib == 0 {
				return nil, nil
			}
			return []Item{{sys: ia % ib}}, nil
		}
	}
	da, ok1 := toDecimal(a)
	db, ok2 := toDecimal(b)
	if !ok1 || !ok2 {
		return bad()
	}
	switch n.op {
	case "+":
		return []Item{{sys: da.add(db)}}, nil
	case "-":
		return []Item{{sys: da.sub(db)}}, nil
	case "*":
		return []Item{{sys: da.mul(db)}}, nil
	case "/":
		q, ok := da.div(db)
		if !ok {
			return nil, nil
		}
		return []Item{{sys: q}}, nil
	case "div":
		q, ok := da.div(db)
		if !ok {
			return nil, nil
		}
		return []Item{{sys: q.truncInt().Int64()}}, nil
	case "mod":
		if db.rat().Sign() == 0 {
			return nil, nil
		}
		q, _ := da.div(db)
		t := Decimal{r: new(big.Rat).SetInt(q.truncInt())}
		return []Item{{sys: da.sub(db.mul(t))}}, nil
	}
	return bad()
}

func quantityArith(c *evalCtx, n *binaryNode, q Quantity, b any, bad func() ([]Item, error)) ([]Item, error) {
	switch y := b.(type) {
	case Quantity:
		if n.op != "+" && n.op != "-" {
			return bad()
		}
		va, vb, ok := commensurable(q, y)
		if !ok {
			return nil, nil
		}
		if normUnit(q.Unit) == normUnit(y.Unit) {
			if n.op == "+" {
				return []Item{{sys: Quantity{Value: va.add(vb), Unit: q.Unit}}}, nil
			}
			return []Item{{sys: Quantity{Value: va.sub(vb), Unit: q.Unit}}}, nil
		}
		return nil, nil
	case int64, Decimal:
		d, _ := toDecimal(y)
		switch n.op {
		case "*":
			return []Item{{sys: Quantity{Value: q.Value.mul(d), Unit: q.Unit}}}, nil
		case "/":
			r, ok := q.Value.div(d)
			if !ok {
				return nil, nil
			}
			return []Item{{sys: Quantity{Value: r, Unit: q.Unit}}}, nil
		}
	}
	return bad()
}

// addDuration adds a calendar duration to a date/time, keeping its
// precision; fractional amounts are truncated as the spec says.
func addDuration(t Temporal, q Quantity) (Temporal, bool) {
	unit, ok := calendarUnits[q.Unit]
	if !ok {
		for code, kw := range ucumDefinite {
			if code == q.Unit {
				unit, ok = kw, true
			}
		}
		if q.Unit == "a" {
			unit, ok = "year", true
		}
		if q.Unit == "mo" {
			unit, ok = "month", true
		}
	}
	if !ok {
		return Temporal{}, false
	}
	n := int(q.Value.truncInt().Int64())
	loc := time.UTC
	if t.HasZone {
		loc = time.FixedZone("", t.ZoneMin*60)
	}
	y, mo, d := t.Year, max(t.Month, 1), max(t.Day, 1)
	if t.Kind == KindTime {
		y, mo, d = 2000, 1, 1
	}
	tm := time.Date(y, time.Month(mo), d, t.Hour, t.Minute, t.Second, t.Nanos, loc)
	switch unit {
	case "year":
		tm = addMonths(tm, 12*n)
	case "month":
		tm = addMonths(tm, n)
	case "week":
		tm = tm.AddDate(0, 0, 7*n)
	case "day":
		tm = tm.AddDate(0, 0, n)
	case "hour":
		tm = tm.Add(time.Duration(n) * time.Hour)
	case "minute":
		tm = tm.Add(time.Duration(n) * time.Minute)
	case "second":
		tm = tm.Add(time.Duration(n) * time.Second)
	case "millisecond":
		tm = tm.Add(time.Duration(n) * time.Millisecond)
	}
	r := t
	r.Text = ""
	r.Year, r.Month, r.Day = tm.Year(), int(tm.Month()), tm.Day()
	r.Hour, r.Minute, r.Second, r.Nanos = tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond()
	if t.Prec < PrecMonth {
		r.Month = 0
	}
	if t.Prec < PrecDay {
		r.Day = 0
	}
	return r, true
}

// addMonths adds calendar months, keeping the day within the target month
// (2012-01-31 + 1 month is 2012-02-29, not March 2 as time.AddDate gives).
func addMonths(tm time.Time, n int) time.Time {
	y, m, d := tm.Date()
	first := time.Date(y, m+time.Month(n), 1, tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond(), tm.Location())
	last := daysIn(first.Year(), int(first.Month()))
	return first.AddDate(0, 0, min(d, last)-1)
}
