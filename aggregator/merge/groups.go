package merge

import (
	"slices"
)

// Groups keeps the contributors of the merged types in groups: two
// contributors of one type that share a key (Keys) are in one group, and so,
// transitively, is everything that shares a key with either. It changes
// incrementally — a contributor is put (added or updated) or removed — and
// each change says which groups must be rebuilt downstream and which
// downstream ids disappear, since a new contributor can join two groups
// into one and removing (or updating) one can split a group.
//
// A union-find cannot split, so Groups keeps an index from key to
// contributors instead and recomputes, on each change, only the components
// of the groups the change touches (a breadth-first walk over shared
// keys). Groups is not safe for concurrent use.
type Groups struct {
	entries map[Member]*entry
	byKey   map[string]map[Member]struct{} // type NUL key → contributors
	groups  map[string][]Member            // id → members, sorted
}

type entry struct {
	c     Contributor
	keys  []string // Keys(c.Resource)
	group string
}

// Change is what a Put or Remove did to the groups, by downstream id.
type Change struct {
	// Changed are the groups whose contents changed (new ones included):
	// merge them again and write them downstream. Sorted.
	Changed []string
	// Gone are the ids that no longer name a group (joined into another,
	// or emptied): delete them downstream. Sorted.
	Gone []string
}

// NewGroups returns an empty Groups.
func NewGroups() *Groups {
	return &Groups{
		entries: map[Member]*entry{},
		byKey:   map[string]map[Member]struct{}{},
		groups:  map[string][]Member{},
	}
}

// Put adds the contributor, or replaces the one with the same Member (a
// new version upstream).
func (g *Groups) Put(c Contributor) Change {
	m := c.Member()
	affected := map[Member]bool{m: true}
	old := map[string]bool{}
	if e := g.entries[m]; e != nil {
		g.touch(e.group, affected, old)
		g.unindex(m, e)
	}
	e := &entry{c: c, keys: Keys(c.Resource)}
	g.entries[m] = e
	for _, k := range e.keys {
		ik := c.Type + "\x00" + k
		for o := range g.byKey[ik] {
			g.touch(g.entries[o].group, affected, old)
		}
		if g.byKey[ik] == nil {
			g.byKey[ik] = map[Member]struct{}{}
		}
		g.byKey[ik][m] = struct{}{}
	}
	return g.regroup(affected, old)
}

// Remove removes a contributor (deleted upstream, or now excluded). An
// unknown one changes nothing.
func (g *Groups) Remove(m Member) Change {
	e := g.entries[m]
	if e == nil {
		return Change{}
	}
	affected := map[Member]bool{}
	old := map[string]bool{}
	g.touch(e.group, affected, old)
	delete(affected, m)
	g.unindex(m, e)
	delete(g.entries, m)
	return g.regroup(affected, old)
}

// Contributors returns the contributors of the group id, sorted by Member;
// nil for an unknown id.
func (g *Groups) Contributors(id string) []Contributor {
	ms := g.groups[id]
	if ms == nil {
		return nil
	}
	out := make([]Contributor, len(ms))
	for i, m := range ms {
		out[i] = g.entries[m].c
	}
	return out
}

// GroupOf returns the id of the group the contributor is in.
func (g *Groups) GroupOf(m Member) (string, bool) {
	e := g.entries[m]
	if e == nil {
		return "", false
	}
	return e.group, true
}

// IDs returns the ids of every group, sorted.
func (g *Groups) IDs() []string {
	ids := make([]string, 0, len(g.groups))
	for id := range g.groups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// touch marks a group's members as affected and the group as old.
func (g *Groups) touch(id string, affected map[Member]bool, old map[string]bool) {
	if old[id] {
		return
	}
	old[id] = true
	for _, m := range g.groups[id] {
		affected[m] = true
	}
}

func (g *Groups) unindex(m Member, e *entry) {
	for _, k := range e.keys {
		ik := m.Type + "\x00" + k
		delete(g.byKey[ik], m)
		if len(g.byKey[ik]) == 0 {
			delete(g.byKey, ik)
		}
	}
}

// regroup replaces the old groups by the components of the affected
// contributors. The affected set is closed: it holds whole groups, and
// every group that shares a key with one of them, so no walk leaves it.
func (g *Groups) regroup(affected map[Member]bool, old map[string]bool) Change {
	for id := range old {
		delete(g.groups, id)
	}
	start := make([]Member, 0, len(affected))
	for m := range affected {
		start = append(start, m)
	}
	slices.SortFunc(start, compareMembers)
	seen := map[Member]bool{}
	var ch Change
	for _, s := range start {
		if seen[s] {
			continue
		}
		seen[s] = true
		comp := []Member{s}
		least := ""
		for i := 0; i < len(comp); i++ {
			e := g.entries[comp[i]]
			for _, k := range e.keys {
				if least == "" || k < least {
					least = k
				}
				for o := range g.byKey[comp[i].Type+"\x00"+k] {
					if !seen[o] {
						seen[o] = true
						comp = append(comp, o)
					}
				}
			}
		}
		slices.SortFunc(comp, compareMembers)
		id := groupID(s.Type, least, comp[0])
		g.groups[id] = comp
		for _, m := range comp {
			g.entries[m].group = id
		}
		ch.Changed = append(ch.Changed, id)
	}
	for id := range old {
		if _, ok := g.groups[id]; !ok {
			ch.Gone = append(ch.Gone, id)
		}
	}
	slices.Sort(ch.Changed)
	slices.Sort(ch.Gone)
	return ch
}

func compareMembers(a, b Member) int {
	switch {
	case a.less(b):
		return -1
	case b.less(a):
		return 1
	}
	return 0
}
