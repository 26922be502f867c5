package merge

import (
	"slices"
	"testing"
)

// memberSets returns the groups as sorted lists of "source/id".
func memberSets(g *Groups) [][]string {
	var out [][]string
	for _, id := range g.IDs() {
		var ms []string
		for _, c := range g.Contributors(id) {
			ms = append(ms, c.Source+"/"+c.ID)
		}
		out = append(out, ms)
	}
	slices.SortFunc(out, slices.Compare)
	return out
}

func TestGroups(t *testing.T) {
	a := contributor(t, "gp", "a", 0, patient("urn:x|1"))
	b := contributor(t, "lab", "b", 0, patient("urn:y|2"))
	bridge := contributor(t, "hosp", "c", 0, patient("urn:x|1", "urn:y|2"))
	unbridged := contributor(t, "hosp", "c", 1, patient("urn:z|3"))
	prac := contributor(t, "gp", "d", 0, `{"resourceType":"Practitioner","identifier":[{"system":"urn:x","value":"1"}]}`)
	idA, idB := GroupID([]Contributor{a}), GroupID([]Contributor{b})
	idBridge := GroupID([]Contributor{a, b, bridge})
	idZ := GroupID([]Contributor{unbridged})

	type step struct {
		put    *Contributor
		remove *Member
		groups [][]string
		ch     Change
	}
	put := func(c Contributor) *Contributor { return &c }
	rm := func(c Contributor) *Member { m := c.Member(); return &m }
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"a bridge joins two groups, removing it splits them", []step{
			{put: put(a), groups: [][]string{{"gp/a"}}, ch: Change{Changed: []string{idA}}},
			{put: put(b), groups: [][]string{{"gp/a"}, {"lab/b"}}, ch: Change{Changed: []string{idB}}},
			{put: put(bridge), groups: [][]string{{"gp/a", "hosp/c", "lab/b"}},
				ch: Change{Changed: []string{idBridge}, Gone: without([]string{idA, idB}, idBridge)}},
			{remove: rm(bridge), groups: [][]string{{"gp/a"}, {"lab/b"}},
				ch: Change{Changed: sorted(idA, idB), Gone: without([]string{idBridge}, idA, idB)}},
		}},
		{"an update that drops the shared keys splits", []step{
			{put: put(a)}, {put: put(b)}, {put: put(bridge)},
			{put: put(unbridged), groups: [][]string{{"gp/a"}, {"hosp/c"}, {"lab/b"}},
				ch: Change{Changed: sorted(idA, idB, idZ), Gone: without([]string{idBridge}, idA, idB)}},
		}},
		{"types never group together", []step{
			{put: put(a)},
			{put: put(prac), groups: [][]string{{"gp/a"}, {"gp/d"}}, ch: Change{Changed: []string{GroupID([]Contributor{prac})}}},
		}},
		{"a new version in place changes its group only", []step{
			{put: put(a)}, {put: put(b)},
			{put: put(contributor(t, "gp", "a", 9, patient("urn:x|1", "urn:w|0"))), groups: [][]string{{"gp/a"}, {"lab/b"}},
				ch: Change{Changed: []string{GroupID([]Contributor{contributor(t, "gp", "a", 9, patient("urn:w|0"))})}, Gone: []string{idA}}},
		}},
		{"removing the last contributor, or an unknown one", []step{
			{put: put(a)},
			{remove: rm(b), groups: [][]string{{"gp/a"}}},
			{remove: rm(a), groups: nil, ch: Change{Gone: []string{idA}}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGroups()
			for i, s := range tc.steps {
				var ch Change
				if s.put != nil {
					ch = g.Put(*s.put)
				} else {
					ch = g.Remove(*s.remove)
				}
				if s.groups == nil && s.ch.Changed == nil && s.ch.Gone == nil && i < len(tc.steps)-1 {
					continue // setup step
				}
				if got := memberSets(g); !slices.EqualFunc(got, s.groups, slices.Equal) {
					t.Errorf("step %d: groups = %q, want %q", i, got, s.groups)
				}
				if !slices.Equal(ch.Changed, s.ch.Changed) || !slices.Equal(ch.Gone, s.ch.Gone) {
					t.Errorf("step %d: change = %+v, want %+v", i, ch, s.ch)
				}
				for _, id := range g.IDs() {
					if got := GroupID(g.Contributors(id)); got != id {
						t.Errorf("step %d: group %s holds contributors whose GroupID is %s", i, id, got)
					}
				}
			}
		})
	}
}

// TestGroupsOrder: any order of puts gives the same groups and ids, as a
// rebuild must.
func TestGroupsOrder(t *testing.T) {
	cs := []Contributor{
		contributor(t, "gp", "a", 0, patient("urn:x|1")),
		contributor(t, "lab", "b", 0, patient("urn:y|2")),
		contributor(t, "hosp", "c", 0, patient("urn:x|1", "urn:y|2")),
		contributor(t, "hosp", "d", 0, patient("urn:q|5")),
		contributor(t, "gp", "e", 0, patient("urn:q|5", "urn:r|6")),
	}
	var want []string
	for i, perm := range permutations(len(cs)) {
		g := NewGroups()
		for _, j := range perm {
			g.Put(cs[j])
		}
		got := g.IDs()
		if i == 0 {
			want = got
			if len(want) != 2 {
				t.Fatalf("%d groups, want 2", len(want))
			}
			continue
		}
		if !slices.Equal(got, want) {
			t.Fatalf("order %v: ids %q, want %q", perm, got, want)
		}
	}
	g := NewGroups()
	g.Put(cs[0])
	if id, ok := g.GroupOf(cs[0].Member()); !ok || id != GroupID(cs[:1]) {
		t.Errorf("GroupOf = %q, %v", id, ok)
	}
	if _, ok := g.GroupOf(cs[1].Member()); ok {
		t.Error("GroupOf an unknown contributor is ok")
	}
	if g.Contributors("nope") != nil {
		t.Error("Contributors of an unknown id is not nil")
	}
}

func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func sorted(ids ...string) []string { slices.Sort(ids); return ids }

func without(ids []string, drop ...string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(drop, id) {
			out = append(out, id)
		}
	}
	return sorted(out...)
}
