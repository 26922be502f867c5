// Package search implements FHIR search for one server: it turns each
// resource into index entries by evaluating the SearchParameter expressions
// of the version's definitions, parses the query language (modifiers,
// prefixes, chains, _has, includes, sorting, paging) and answers searches by
// range scans over the storage package's index, never by loading every
// resource.
//
// Every index entry is an opaque byte value per (resource type, parameter
// code) that sorts the way the parameter compares. Its first byte is a tag
// saying which kind of entry it is; the layouts are:
//
//	param type  tag  payload                                  used for
//	string      'n'  str(normalised) str(exact)               default (starts-with), :contains, :exact
//	token       'k'  str(code)                                code (any system)
//	token       'c'  str(system) str(code)                    system|code, |code, system| (not systemless.go's parameters)
//	token       't'  str(normalised text from a word on)      :text
//	token       'o'  str(type system) str(type code) str(v)   :of-type (Identifier)
//	reference   'r'  str(Type/id or absolute URL)             Type/id, url, :Type, chains, _revinclude
//	reference   'd'  str(id) str(Type)                        bare id (parameters of several target types)
//	reference   'i'  str(value) str(system)                   :identifier
//	reference   'f'  str(own id) str(Type/id)                 _has (what a resource points at; forwardKeys)
//	date        'l'  i64(low) i64(high)                       eq lt le sa ap
//	date        'h'  i64(high) i64(low)                       gt ge eb
//	number      'v'  dec(value)                               every prefix
//	quantity    'q'  dec(value)                               value without unit
//	quantity    'u'  str(system) str(code) dec(value)         value|system|code
//	quantity    'U'  str(code) dec(value)                     value||code
//	uri         'u'  str(uri)                                 exact, :below, :above
//	composite   'x'  str(component value's keys)...           a$b tuples
//	near        'g'  dec(lat) str(lat) str(long)              Location near
//	any         '~'  sortkey, or a merged n/k/v/q payload     one key for both directions, :missing, all ids (of _id)
//	any         '}'  sortkey(min), a merged 'l' payload, or a folded n/k/v/q payload   _sort ascending, :missing (values that sort apart)
//	any         0x7f sortkey(max), a merged 'h' payload, or a folded n/k/v/q payload   _sort descending (values that sort apart)
//
// str(s) escapes 0x00 as 0x00 0xff and ends with 0x00 0x01, so a string
// sorts before every longer string it prefixes; i64 is big-endian with the
// sign bit flipped (milliseconds since the epoch for dates); dec is the
// order-preserving decimal encoding of decimal.go, exact for any literal.
// Every parameter with a value gets one '~' entry when all its values have
// the same sort key, else one '}' (least) and one 0x7f (greatest) entry;
// none for composite and near, which cannot be sorted on. The tags are
// adjacent, so '}'..'~' holds each resource's ascending key once and
// '~'..0x7f its descending key once: sorting merges two runs of entries
// (sortEntries) and :missing reads one range, each reading one entry per
// resource. A resource with one value of a string, token, number,
// quantity or date parameter writes its 'n', 'k', 'v' or 'q' entry as its
// '~' entry, its 'l' and 'h' entries as
// its '}' and 0x7f entries (merged: the payload starts with the sort key,
// so it sorts as the sort entry would); one with several values of the
// first four writes its least value's entry as its '}' entry and its
// greatest's as its 0x7f entry (folded, likewise), the others under their
// value tag; one with several dates writes its value entries and '}' and
// 0x7f sort entries; none of them '~'. A query of these types reads its
// range and the same range under each sort tag that holds values
// (withTwin), and a resource's entry of one value is in one of them; which
// one changes when an update changes its values, so a search reads one
// state of the store (storage.View, Engine.Search). A composite's piece for a component is the
// keys of one of its values, each a str(), so a part matches when one of
// them does. A parameter with the same type and expression as another of
// its resource type (Patient's phonetic and name) has no entries of its
// own: it reads those of the least such code (param.key, registry_shared.go); one
// whose expression is a union of others' (Observation's combo-code is
// code | component-code) has only its sort entries and reads its values
// from theirs (param.parts).
// The format version is indexFormat in
// registry.go: change it with any layout, and servers rebuild on start.
// Writes keep no list of a version's entries: the store derives them again
// from the version's JSON when a write supersedes it (Reindexer, rebuild.go),
// so everything an entry depends on is in Engine.Fingerprint.
package search
