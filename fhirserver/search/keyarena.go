package search

// keyArena hands out the index keys of one resource, and the lists that
// hold them, from a few shared blocks: indexing a Patient made a hundred
// small allocations for its ~35 keys, a tenth of a create's CPU going to
// the allocator (BENCHMARKS.md). A nil arena allocates each on its own, as
// the query and composite paths do.
//
// A key or list handed out has exactly the capacity asked for, so
// appending past it moves it to its own allocation instead of over its
// neighbour.
type keyArena struct {
	bytes []byte
	lists [][]byte
}

const (
	arenaBytes = 2 << 10 // one block of key bytes: a Patient's keys take about two
	arenaLists = 32      // one block of list slots
)

// key returns an empty key with room for n bytes.
func (a *keyArena) key(n int) []byte {
	if a == nil || n > arenaBytes/4 {
		return make([]byte, 0, n)
	}
	if cap(a.bytes)-len(a.bytes) < n {
		a.bytes = make([]byte, 0, arenaBytes)
	}
	l := len(a.bytes)
	a.bytes = a.bytes[:l+n]
	return a.bytes[l : l : l+n]
}

// list returns an empty list with room for n keys.
func (a *keyArena) list(n int) [][]byte {
	if a == nil || n > arenaLists/4 {
		return make([][]byte, 0, n)
	}
	if cap(a.lists)-len(a.lists) < n {
		a.lists = make([][]byte, 0, arenaLists)
	}
	l := len(a.lists)
	a.lists = a.lists[:l+n]
	return a.lists[l : l : l+n]
}
