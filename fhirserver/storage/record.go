package storage

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Op is what a change did to a resource.
type Op uint8

const (
	// OpCreate: the resource had no live version before (new, or re-created
	// after a delete).
	OpCreate Op = 1
	// OpUpdate: a new version replaced a live one.
	OpUpdate Op = 2
	// OpDelete: a tombstone version replaced a live one.
	OpDelete Op = 3
)

func (o Op) String() string {
	switch o {
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Record is one stored version of a resource.
type Record struct {
	Type string
	ID   string
	// VersionID is server-assigned: 1, 2, 3, … per resource (tombstones count).
	VersionID int64
	// LastUpdated is UTC with microsecond precision and strictly increasing
	// from commit to commit of one store (all versions of one commit share it).
	LastUpdated time.Time
	// Op tells whether this version created, updated or deleted the resource.
	Op Op
	// Deleted marks a tombstone (Op == OpDelete); JSON is nil then.
	Deleted bool
	// Seq is the change sequence number of this version (see Changes).
	Seq uint64
	// JSON is the resource exactly as returned by Put.Stamp (id and meta
	// already stamped). Callers must not modify it.
	JSON []byte
}

// Version is what the store assigns to a version being written; Put.Stamp
// receives it to stamp id, meta.versionId and meta.lastUpdated.
type Version struct {
	Type        string
	ID          string
	VersionID   int64
	LastUpdated time.Time
	Op          Op
}

const recordFormat = 1 // first byte of every encoded value below

// header starts every record (and every change): enough to check
// preconditions without decoding the body.
type header struct {
	versionID   int64
	seq         uint64
	lastUpdated int64 // µs since the Unix epoch
	op          Op
}

func (h header) deleted() bool { return h.op == OpDelete }

func appendHeader(b []byte, h header) []byte {
	b = append(b, recordFormat, byte(h.op))
	b = binary.AppendUvarint(b, uint64(h.versionID))
	b = binary.AppendUvarint(b, h.seq)
	return binary.AppendVarint(b, h.lastUpdated)
}

func decodeHeader(b []byte) (header, []byte, error) {
	if len(b) < 2 || b[0] != recordFormat {
		return header{}, nil, fmt.Errorf("storage: bad record header")
	}
	h := header{op: Op(b[1])}
	b = b[2:]
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return header{}, nil, fmt.Errorf("storage: bad versionId in record")
	}
	h.versionID = int64(v)
	b = b[n:]
	if h.seq, n = binary.Uvarint(b); n <= 0 {
		return header{}, nil, fmt.Errorf("storage: bad seq in record")
	}
	b = b[n:]
	if h.lastUpdated, n = binary.Varint(b); n <= 0 {
		return header{}, nil, fmt.Errorf("storage: bad lastUpdated in record")
	}
	return h, b[n:], nil
}

// appendString and readString encode a length-prefixed string.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func readString(b []byte) (string, []byte, error) {
	l, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < l {
		return "", nil, fmt.Errorf("storage: bad string in value")
	}
	return string(b[n : n+int(l)]), b[n+int(l):], nil
}

// encodeRecord is the value of a current key (the current version) and of a
// version key (a superseded one). Type and id are repeated in the value so a
// record decodes without its key, and always follow the header, which tells
// a record from the bare header that format 1 kept under current keys
// (migrate.go).
func encodeRecord(r *Record) []byte {
	b := make([]byte, 0, 32+len(r.Type)+len(r.ID)+len(r.JSON))
	b = appendHeader(b, r.header())
	b = appendString(b, r.Type)
	b = appendString(b, r.ID)
	return append(b, r.JSON...)
}

func decodeRecord(b []byte) (*Record, error) {
	h, rest, err := decodeHeader(b)
	if err != nil {
		return nil, err
	}
	r := &Record{VersionID: h.versionID, Seq: h.seq, LastUpdated: fromMicros(h.lastUpdated), Op: h.op, Deleted: h.deleted()}
	if r.Type, rest, err = readString(rest); err != nil {
		return nil, err
	}
	if r.ID, rest, err = readString(rest); err != nil {
		return nil, err
	}
	if !r.Deleted {
		r.JSON = append([]byte(nil), rest...)
	}
	return r, nil
}

func (r *Record) header() header {
	return header{versionID: r.VersionID, seq: r.Seq, lastUpdated: r.LastUpdated.UnixMicro(), op: r.Op}
}

// encodeChange is the value of a change key: the header of the version plus
// its type and id.
func encodeChange(r *Record) []byte {
	b := make([]byte, 0, 24+len(r.Type)+len(r.ID))
	b = appendHeader(b, r.header())
	b = appendString(b, r.Type)
	return appendString(b, r.ID)
}

func decodeChange(b []byte) (Change, error) {
	h, rest, err := decodeHeader(b)
	if err != nil {
		return Change{}, err
	}
	c := Change{Seq: h.seq, Op: h.op, VersionID: h.versionID, LastUpdated: fromMicros(h.lastUpdated)}
	if c.Type, rest, err = readString(rest); err != nil {
		return Change{}, err
	}
	if c.ID, _, err = readString(rest); err != nil {
		return Change{}, err
	}
	return c, nil
}

// encodeTypeLog is the value of a type-history key.
func encodeTypeLog(id string, versionID int64) []byte {
	b := appendString(nil, id)
	return binary.AppendUvarint(b, uint64(versionID))
}

func decodeTypeLog(b []byte) (string, int64, error) {
	id, rest, err := readString(b)
	if err != nil {
		return "", 0, err
	}
	v, n := binary.Uvarint(rest)
	if n <= 0 {
		return "", 0, fmt.Errorf("storage: bad versionId in type history")
	}
	return id, int64(v), nil
}

// appendIdxList appends the value of an index-list key to dst: the entries
// written for the current version, so the next write can delete exactly
// those (a write without Put.Reindex). Writes reuse one buffer for it (a
// Pebble batch copies values) rather than allocate inside the serial section.
func appendIdxList(dst []byte, entries []IndexEntry) []byte {
	for _, e := range entries {
		dst = appendString(dst, e.Param)
		dst = binary.AppendUvarint(dst, uint64(len(e.Value)))
		dst = append(dst, e.Value...)
	}
	return dst
}

func decodeIdxList(b []byte) ([]IndexEntry, error) {
	var out []IndexEntry
	for len(b) > 0 {
		var p, v string
		var err error
		if p, b, err = readString(b); err != nil {
			return nil, err
		}
		if v, b, err = readString(b); err != nil {
			return nil, err
		}
		out = append(out, IndexEntry{Param: p, Value: []byte(v)})
	}
	return out, nil
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
