package fhirjson

import "unsafe"

// Arena is reusable memory for parsed trees. Parse normally allocates its
// Values, member and item slices and a copy of the document for every call;
// a server parsing thousands of bodies a second then spends a third of its
// CPU in the allocator and the garbage collector, which re-marks the
// definitions' large live heap once per few hundred bodies. Parsing with
// InArena carves all of that out of memory the caller keeps and reuses
// instead.
//
// The contract: every tree parsed into an Arena, and every string read from
// such a tree, is valid only until the Arena's Reset. Copy what must
// outlive it (Marshal the tree, strings.Clone a string) before calling
// Reset. An Arena is not safe for concurrent use; hold one per goroutine
// (a sync.Pool of them suits a request handler). The zero value is ready.
type Arena struct {
	text    []byte
	vals    []Value
	items   []*Value
	members []Member

	itemStack   []*Value
	memberStack []Member

	// What the parses since the last Reset had to allocate outside the
	// arena; Reset grows the slabs by it so the next parse of a similar
	// body fits.
	shortVals, shortItems, shortMembers int
}

// InArena makes Parse take its memory from a, so that parsing a body of a
// size seen before allocates nothing. See Arena for how long the tree lives.
func InArena(a *Arena) Option { return Option{arena: a} }

// Reset ends the life of every tree parsed into a and makes its memory
// reusable. It drops the pointers the slabs hold, so a reused Arena keeps
// nothing of the previous document alive.
func (a *Arena) Reset() {
	clear(a.vals)
	clear(a.items)
	clear(a.members)
	a.vals, a.items, a.members = a.vals[:0], a.items[:0], a.members[:0]
	a.text = a.text[:0]
	if a.shortVals > 0 {
		a.vals = make([]Value, 0, cap(a.vals)+a.shortVals)
	}
	if a.shortItems > 0 {
		a.items = make([]*Value, 0, cap(a.items)+a.shortItems)
	}
	if a.shortMembers > 0 {
		a.members = make([]Member, 0, cap(a.members)+a.shortMembers)
	}
	a.shortVals, a.shortItems, a.shortMembers = 0, 0, 0
}

// copyText appends data to the arena's text and returns it as a string.
// A grown buffer leaves earlier strings in the old one, which stays alive
// through them, so trees parsed before the growth are unaffected.
func (a *Arena) copyText(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	start := len(a.text)
	a.text = append(a.text, data...)
	return unsafe.String(&a.text[start], len(data))
}

// takeText reserves n bytes of text for a decoded string and returns them
// as an empty slice of capacity n. A grown buffer leaves the strings already
// handed out in the old one, as in copyText.
func (a *Arena) takeText(n int) []byte {
	l := len(a.text)
	if cap(a.text)-l < n {
		a.text = append(make([]byte, 0, 2*cap(a.text)+n), a.text...)
	}
	a.text = a.text[:l+n]
	return a.text[l : l : l+n]
}

// Each take hands out an empty slice of capacity n from the arena, or a
// fresh one (remembered for Reset) when the arena has too little left.

func (a *Arena) takeVals(n int) []Value {
	if l := len(a.vals); cap(a.vals)-l >= n {
		a.vals = a.vals[:l+n]
		return a.vals[l : l : l+n]
	}
	a.shortVals += n
	return make([]Value, 0, n)
}

func (a *Arena) takeItems(n int) []*Value {
	if l := len(a.items); cap(a.items)-l >= n {
		a.items = a.items[:l+n]
		return a.items[l : l : l+n]
	}
	a.shortItems += n
	return make([]*Value, 0, n)
}

func (a *Arena) takeMembers(n int) []Member {
	if l := len(a.members); cap(a.members)-l >= n {
		a.members = a.members[:l+n]
		return a.members[l : l : l+n]
	}
	a.shortMembers += n
	return make([]Member, 0, n)
}
