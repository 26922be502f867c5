package storage

import (
	"encoding/binary"
	"fmt"
	"time"
)

// SourceVersion is what a follower remembers of the version a copy was
// made from (namespace AppMetaSourceVersions). The copy itself is a new
// version of this store, stamped by this store: its meta.lastUpdated is
// this store's commit time, which keeps lastUpdated rising along the change
// log (history by time, _since) and equal to the Last-Modified of a read.
// The source's own stamp is kept here, written in the same batch as the
// copy, for whoever needs it (a Stamp that also writes it into the copy, a
// reconciliation that compares with the source).
type SourceVersion struct {
	// VersionID is the source's versionId of the change applied last.
	VersionID int64
	// LastUpdated is the source's lastUpdated of that version.
	LastUpdated time.Time
	// Deleted: that change was a delete.
	Deleted bool
}

const sourceVersionFormat = 1

// EncodeSourceVersion is the record data of a SourceVersion.
func EncodeSourceVersion(v SourceVersion) []byte {
	b := []byte{sourceVersionFormat, 0}
	if v.Deleted {
		b[1] = 1
	}
	b = binary.AppendUvarint(b, uint64(v.VersionID))
	return binary.AppendVarint(b, v.LastUpdated.UnixMicro())
}

// DecodeSourceVersion reverses EncodeSourceVersion.
func DecodeSourceVersion(b []byte) (SourceVersion, error) {
	orig := b
	if len(b) < 2 || b[0] != sourceVersionFormat || b[1] > 1 {
		return SourceVersion{}, fmt.Errorf("storage: bad source version record")
	}
	v := SourceVersion{Deleted: b[1] == 1}
	b = b[2:]
	id, n := binary.Uvarint(b)
	if n <= 0 {
		return SourceVersion{}, fmt.Errorf("storage: bad versionId in source version record")
	}
	us, m := binary.Varint(b[n:])
	if m <= 0 || n+m != len(b) {
		return SourceVersion{}, fmt.Errorf("storage: bad lastUpdated in source version record")
	}
	v.VersionID, v.LastUpdated = int64(id), fromMicros(us)
	// One encoding per value: overlong varints and ids past int64 are
	// damage, not another spelling.
	if v.VersionID < 1 || string(EncodeSourceVersion(v)) != string(orig) {
		return SourceVersion{}, fmt.Errorf("storage: bad source version record")
	}
	return v, nil
}
