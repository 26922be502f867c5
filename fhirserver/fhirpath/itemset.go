package fhirpath

import (
	"hash/maphash"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// itemSet holds items for the functions that remove duplicates (union,
// distinct, intersect, exclude, repeat, ...). Items are bucketed by a hash
// that equal items always share, and compared with `=` semantics only
// inside a bucket, so these functions stay linear: a client's FHIRPath
// Patch path such as `descendants() | descendants()` must not cost
// quadratic time.
type itemSet struct {
	seed    maphash.Seed
	buckets map[uint64][]Item
	n       int
}

func newItemSet() *itemSet {
	return &itemSet{seed: maphash.MakeSeed(), buckets: map[uint64][]Item{}}
}

// contains reports whether an item equal to x is in the set.
func (s *itemSet) contains(x Item) bool {
	for _, y := range s.buckets[s.hash(x)] {
		if eq, known := itemsEqual(y, x); known && eq {
			return true
		}
	}
	return false
}

// add puts x in the set unless an equal item is there; it reports whether
// x was added.
func (s *itemSet) add(x Item) bool {
	h := s.hash(x)
	for _, y := range s.buckets[h] {
		if eq, known := itemsEqual(y, x); known && eq {
			return false
		}
	}
	s.buckets[h] = append(s.buckets[h], x)
	s.n++
	return true
}

// hash gives equal items equal hashes: primitives hash as their System
// value (so the node "1.0" and the Integer 1 meet), quantities share one
// bucket (unit conversion makes their equality hard to hash), dates hash
// by UTC fields at their precision, complex nodes by content regardless of
// member order.
func (s *itemSet) hash(it Item) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	if it.isObject() {
		if _, ok := nodeQuantity(it); ok {
			h.WriteString("Q")
			return h.Sum64()
		}
		return s.jsonHash(it.val)
	}
	v, ok := it.Value()
	if !ok {
		h.WriteString("N") // a primitive without a value: only extensions
		return h.Sum64()
	}
	switch x := v.(type) {
	case int64:
		h.WriteString("D" + strconv.FormatInt(x, 10))
	case Decimal:
		h.WriteString("D" + x.rat().RatString())
	case Quantity:
		h.WriteString("Q")
	case Temporal:
		p := x.Prec
		if p == PrecMillisecond {
			p = PrecSecond // seconds and milliseconds are one precision
		}
		f := x.fields()
		h.WriteString("T")
		h.WriteByte(byte(p))
		if x.Kind == KindTime {
			h.WriteByte('t')
		}
		for _, n := range f {
			h.WriteString(strconv.Itoa(n))
			h.WriteByte(',')
		}
	default:
		h.WriteString(systemTypeName(v) + ":" + valueString(v))
	}
	return h.Sum64()
}

// jsonHash hashes a JSON tree so that trees jsonEqual calls equal hash
// alike: member order is ignored (member hashes are summed) and numbers
// hash by exact value.
func (s *itemSet) jsonHash(v *fhirjson.Value) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	if v == nil {
		return h.Sum64()
	}
	h.WriteByte(byte(v.Kind))
	switch v.Kind {
	case fhirjson.Bool:
		if v.Bool {
			h.WriteByte(1)
		}
	case fhirjson.Number:
		if d, err := ParseDecimal(v.Text); err == nil {
			h.WriteString(d.rat().RatString())
		}
	case fhirjson.String:
		h.WriteString(v.Text)
	case fhirjson.Array:
		for _, it := range v.Items {
			writeUint(&h, s.jsonHash(it))
		}
	case fhirjson.Object:
		var sum uint64
		for _, m := range v.Members {
			var mh maphash.Hash
			mh.SetSeed(s.seed)
			mh.WriteString(m.Name)
			writeUint(&mh, s.jsonHash(m.Value))
			sum += mh.Sum64()
		}
		writeUint(&h, sum)
	}
	return h.Sum64()
}

func writeUint(h *maphash.Hash, u uint64) {
	var b [8]byte
	for i := range b {
		b[i] = byte(u >> (8 * i))
	}
	h.Write(b[:])
}
