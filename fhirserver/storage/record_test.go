package storage

import (
	"bytes"
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	ts := time.Date(2026, 11, 21, 10, 0, 0, 123456000, time.UTC)
	tests := []struct {
		name string
		rec  Record
	}{
		{"create", Record{Type: "Patient", ID: "p1", VersionID: 1, LastUpdated: ts, Op: OpCreate, Seq: 1, JSON: []byte(`{"resourceType":"Patient"}`)}},
		{"update big numbers", Record{Type: "Observation", ID: "o", VersionID: 1 << 40, LastUpdated: ts, Op: OpUpdate, Seq: 1 << 50, JSON: []byte(`{}`)}},
		{"tombstone", Record{Type: "Patient", ID: "p1", VersionID: 3, LastUpdated: ts, Op: OpDelete, Deleted: true, Seq: 9}},
		{"before epoch", Record{Type: "A", ID: "b", VersionID: 2, LastUpdated: time.UnixMicro(-5).UTC(), Op: OpUpdate, Seq: 2, JSON: []byte(`{"x":1}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRecord(encodeRecord(&tt.rec))
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != tt.rec.Type || got.ID != tt.rec.ID || got.VersionID != tt.rec.VersionID ||
				!got.LastUpdated.Equal(tt.rec.LastUpdated) || got.Op != tt.rec.Op || got.Deleted != tt.rec.Deleted ||
				got.Seq != tt.rec.Seq || !bytes.Equal(got.JSON, tt.rec.JSON) {
				t.Fatalf("got %+v, want %+v", got, tt.rec)
			}
			c, err := decodeChange(encodeChange(&tt.rec))
			if err != nil {
				t.Fatal(err)
			}
			if c.Seq != tt.rec.Seq || c.Type != tt.rec.Type || c.ID != tt.rec.ID || c.Op != tt.rec.Op || c.VersionID != tt.rec.VersionID {
				t.Fatalf("change %+v does not match %+v", c, tt.rec)
			}
		})
	}
}

func TestIdxListRoundTrip(t *testing.T) {
	in := []IndexEntry{{Param: "name", Value: []byte("smith")}, {Param: "birthdate", Value: []byte{0, 1, 2}}, {Param: "x", Value: nil}}
	out, err := decodeIdxList(appendIdxList(nil, in))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d entries", len(out))
	}
	for i := range in {
		if out[i].Param != in[i].Param || !bytes.Equal(out[i].Value, in[i].Value) {
			t.Errorf("entry %d: got %+v want %+v", i, out[i], in[i])
		}
	}
}

func TestOpString(t *testing.T) {
	for op, want := range map[Op]string{OpCreate: "create", OpUpdate: "update", OpDelete: "delete", Op(9): "Op(9)"} {
		if op.String() != want {
			t.Errorf("%d: %q", op, op.String())
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(&Record{Type: "Patient", ID: "p", VersionID: 1, Op: OpCreate, Seq: 1, JSON: []byte("{}")}))
	f.Add(encodeChange(&Record{Type: "Patient", ID: "p", VersionID: 2, Op: OpDelete, Deleted: true, Seq: 2}))
	f.Add([]byte{1, 1, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Corrupt values must give errors, never panics.
		_, _ = decodeRecord(b)
		_, _ = decodeChange(b)
		_, _ = decodeIdxList(b)
		_, _, _ = decodeTypeLog(b)
	})
}
