package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// This file is the only code that knows the key layout; docs/storage.md has
// the table. Every key starts with a one-byte prefix naming its area. Type
// names, ids and search parameter names never contain NUL (checked by
// validName), so a single 0x00 terminates them and keeps "Patient"/"PatientX"
// and "a"/"ab" apart in sort order; an index key's (type, parameter) code
// (index_codes.go) is two bytes of any value, fixed in length. Index values
// are arbitrary bytes, so they are escaped (see appendEscaped) to keep both
// the order and an unambiguous end.
const (
	prefixMeta    = 'm' // m <name>                              → meta value
	prefixCurrent = 'r' // r <type> 00 <id>                      → record of the current version
	prefixVersion = 'v' // v <type> 00 <id> 00 <versionId:8>      → record of a superseded version
	prefixTypeLog = 't' // t <type> 00 <seq:8>                    → id, versionId
	prefixChange  = 'c' // c <seq:8>                              → change (also the time index: history_time.go)
	prefixIndex   = 'i' // i <code:2> <esc(value)> <id>            → empty (index_codes.go)
	prefixIdxList = 'x' // x <type> 00 <id>                       → index entries of current version
	prefixCount   = 'n' // n <type>                               → live resources (uint64)
	prefixAppMeta = 'a' // a <namespace> 00 <key>                → expires:8, data (appmeta.go)
)

// Meta names under prefixMeta.
const (
	metaFormat      = "format"         // store format version (uvarint)
	metaStoreID     = "store-id"       // random id of this store, part of change cursors
	metaFingerprint = "fingerprint"    // index-definition fingerprint of the current index entries
	metaFHIRVersion = "fhir-version"   // FHIR version the store holds (R4, STU3), set on first claim
	metaMigrating   = "migrating"      // the format a migration started from (uvarint), while it runs
	metaRebuilt     = "rebuilt-to"     // an index rebuild's progress: its fingerprint, NUL, the last current key it indexed
	metaIndexCode   = "index-code\x00" // + <type> 00 <param> → the (type, parameter)'s index code (2 bytes)
	metaIDKey       = "id-key"         // AES-128 key of the server-assigned ids' permutation (ids.go)
	metaIDReserved  = "id-reserved"    // the server-assigned ids' count reserved so far (uvarint)
	metaIDsChecked  = "ids-checked"    // present once new ids must be looked up (ids.go)
)

const (
	maxNameLen = 64   // FHIR ids are at most 64 characters; type names and codes are shorter
	maxParam   = 256  // parameter codes (composite codes can be longish)
	maxValue   = 4096 // index value bytes; longer values are truncated by the search engine
)

// validName reports whether s can be a type, id or parameter code in a key.
func validName(s string, max int) bool {
	return s != "" && len(s) <= max && !bytes.Contains([]byte(s), []byte{0})
}

func checkTypeID(typ, id string) error {
	if !validName(typ, maxNameLen) || !validName(id, maxNameLen) {
		return fmt.Errorf("%w: %q/%q", ErrInvalidKey, typ, id)
	}
	return nil
}

func keyMeta(name string) []byte { return append([]byte{prefixMeta}, name...) }

func keyCurrent(typ, id string) []byte {
	k := make([]byte, 0, 2+len(typ)+len(id))
	k = append(k, prefixCurrent)
	k = append(k, typ...)
	k = append(k, 0)
	return append(k, id...)
}

// keyCurrentTypePrefix bounds every current key of typ.
func keyCurrentTypePrefix(typ string) []byte {
	return append(append([]byte{prefixCurrent}, typ...), 0)
}

// idFromCurrentKey returns the id part of a current key of typ.
func idFromCurrentKey(typ string, k []byte) string { return string(k[2+len(typ):]) }

// splitCurrentKey returns the type and id of a current key.
func splitCurrentKey(k []byte) (typ, id string, err error) {
	i := bytes.IndexByte(k, 0)
	if len(k) < 2 || k[0] != prefixCurrent || i < 0 {
		return "", "", fmt.Errorf("storage: bad current key %q", k)
	}
	return string(k[1:i]), string(k[i+1:]), nil
}

func keyVersionPrefix(typ, id string) []byte {
	k := make([]byte, 0, 3+len(typ)+len(id)+8)
	k = append(k, prefixVersion)
	k = append(k, typ...)
	k = append(k, 0)
	k = append(k, id...)
	return append(k, 0)
}

func keyVersion(typ, id string, versionID int64) []byte {
	return binary.BigEndian.AppendUint64(keyVersionPrefix(typ, id), uint64(versionID))
}

func keyTypeLogPrefix(typ string) []byte {
	return append(append([]byte{prefixTypeLog}, typ...), 0)
}

func keyTypeLog(typ string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(keyTypeLogPrefix(typ), seq)
}

func seqFromTypeLogKey(k []byte) uint64 { return binary.BigEndian.Uint64(k[len(k)-8:]) }

func keyChange(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixChange}, seq)
}

func seqFromChangeKey(k []byte) uint64 { return binary.BigEndian.Uint64(k[1:]) }

// indexCodeLen is the length of an index key's (type, parameter) code.
const indexCodeLen = 2

// keyIndexParamPrefix bounds every index key of the (type, parameter) whose
// code is code.
func keyIndexParamPrefix(code uint16) []byte {
	return binary.BigEndian.AppendUint16([]byte{prefixIndex}, code)
}

func keyIndex(code uint16, value []byte, id string) []byte {
	return appendKeyIndex(nil, code, value, id)
}

// appendKeyIndex appends the index key to dst. Writes build every index key
// of a version in one reused buffer (a Pebble batch copies what it is
// given), instead of two allocations per key inside the serial section.
func appendKeyIndex(dst []byte, code uint16, value []byte, id string) []byte {
	dst = append(dst, prefixIndex)
	dst = binary.BigEndian.AppendUint16(dst, code)
	dst = appendEscaped(dst, value, true)
	return append(dst, id...)
}

// keyIndexCode is the meta key of the code of (typ, param); the names
// follow keyIndexCodePrefix.
func keyIndexCode(typ, param string) []byte {
	return append(append(append(keyIndexCodePrefix(), typ...), 0), param...)
}

func keyIndexCodePrefix() []byte { return keyMeta(metaIndexCode) }

// parseIndexKey splits the part of an index key after its code into the
// value and the id.
func parseIndexKey(rest []byte) (value []byte, id string, err error) {
	value, n, err := unescape(rest)
	if err != nil {
		return nil, "", err
	}
	return value, string(rest[n:]), nil
}

func keyIdxList(typ, id string) []byte {
	k := make([]byte, 0, 2+len(typ)+len(id))
	k = append(k, prefixIdxList)
	k = append(k, typ...)
	k = append(k, 0)
	return append(k, id...)
}

func keyCount(typ string) []byte { return append([]byte{prefixCount}, typ...) }

// keyAppMetaPrefix bounds every application metadata key of namespace ns.
func keyAppMetaPrefix(ns string) []byte {
	return append(append([]byte{prefixAppMeta}, ns...), 0)
}

// keyAppMeta is the key of one record of namespace ns. The record key is
// last, so it may hold any bytes.
func keyAppMeta(ns string, key []byte) []byte {
	return append(keyAppMetaPrefix(ns), key...)
}

// prefixEnd returns the smallest key greater than every key with prefix p
// (nil when there is none).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// appendEscaped appends v so that the order of escaped values equals the
// order of the raw values and the end is unambiguous: 00 becomes 00 ff and
// the value ends with 00 01 (the encoding CockroachDB uses for bytes). With
// terminate=false it writes no terminator, which gives the key prefix shared
// by every value that starts with v.
func appendEscaped(dst, v []byte, terminate bool) []byte {
	for {
		i := bytes.IndexByte(v, 0)
		if i < 0 {
			dst = append(dst, v...)
			break
		}
		dst = append(dst, v[:i]...)
		dst = append(dst, 0, 0xff)
		v = v[i+1:]
	}
	if terminate {
		dst = append(dst, 0, 1)
	}
	return dst
}

// unescape decodes an escaped value at the start of b and returns it with the
// number of bytes it took (terminator included). Search scans call it for
// every hit, so the common case — no NUL inside the value — is one scan and
// one exact-size copy.
func unescape(b []byte) ([]byte, int, error) {
	i := bytes.IndexByte(b, 0)
	if i >= 0 && i+1 < len(b) && b[i+1] == 1 {
		return append(make([]byte, 0, i), b[:i]...), i + 2, nil
	}
	out := make([]byte, 0, len(b))
	pos := 0 // b[pos:] is still to decode; i is relative to it
	for {
		if i < 0 || pos+i+1 >= len(b) {
			return nil, 0, fmt.Errorf("storage: unterminated index value in key")
		}
		out = append(out, b[pos:pos+i]...)
		switch b[pos+i+1] {
		case 0xff:
			out = append(out, 0)
		case 1:
			return out, pos + i + 2, nil
		default:
			return nil, 0, fmt.Errorf("storage: bad escape byte %#x in index key", b[pos+i+1])
		}
		pos += i + 2
		i = bytes.IndexByte(b[pos:], 0)
	}
}

// SourceVersionKey is the record key of AppMetaSourceVersions for the copy
// of source's type/id: <source> 00 <type> 00 <id>. Source, type and id
// never contain NUL (ErrInvalidKey), so keys of different copies never
// collide and one source's records form one range.
func SourceVersionKey(source, typ, id string) (string, error) {
	if !validName(source, maxAppMetaKey/4) {
		return "", fmt.Errorf("%w: source %q", ErrInvalidKey, source)
	}
	if err := checkTypeID(typ, id); err != nil {
		return "", err
	}
	return source + "\x00" + typ + "\x00" + id, nil
}
