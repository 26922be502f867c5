package merge

import (
	"crypto/sha256"
	"encoding/base32"
)

// Downstream ids are hashes, so they are stable across runs and rebuilds
// (they depend on upstream data only), carry no upstream id or identifier
// into the aggregate (an NHS number must not show in a URL), and fit FHIR's
// id rule [A-Za-z0-9\-\.]{1,64}: 20 bytes of SHA-256 in unpadded base32
// are 32 characters of [A-Z2-7]. 160 bits make a collision between the
// few million resources of a fleet negligible.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		// The separator cannot appear in a source name, type, id or key
		// that matters: ids and types have no NUL, and a NUL in a system
		// or value would only make a different key.
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return idEncoding.EncodeToString(h.Sum(nil)[:20])
}

// CopyID is the downstream id of a copied resource: a hash of its source,
// type and upstream id. A new version upstream keeps the id.
func CopyID(source, typ, id string) string { return hashID("copy", source, typ, id) }

// GroupID is the downstream id of a merged group: a hash of the type and
// the smallest key of all its contributors. It depends only on the group's
// contents, so a rebuild gives the same ids in any order, and it stays the
// same while a group grows unless the new contributor brings a key that
// sorts before all others. When two groups join, the joined resource keeps
// the id of the group with the smaller key and the other id disappears
// downstream (deleted); when a group splits, the part that keeps the
// smallest key keeps the id. A contributor without keys (a Medication with
// no coding) is a group of its own and has its copy id.
func GroupID(contributors []Contributor) string {
	least, typ := "", ""
	var first Member
	for i, c := range contributors {
		if m := c.Member(); i == 0 || m.less(first) {
			first = m
		}
		typ = c.Type
		for _, k := range Keys(c.Resource) {
			if least == "" || k < least {
				least = k
			}
		}
	}
	return groupID(typ, least, first)
}

// groupID is GroupID from the group's smallest key ("" when it has none)
// and its smallest member.
func groupID(typ, least string, first Member) string {
	if least == "" {
		return CopyID(first.Source, first.Type, first.ID)
	}
	return hashID("merge", typ, least)
}
