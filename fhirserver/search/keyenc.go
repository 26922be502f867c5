package search

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
)

// The helpers below build the order-preserving pieces index entries are made
// of (see the table in doc.go). Every piece is self-delimiting, so a prefix of
// pieces is also a prefix of the bytes, which is what range scans need.

const (
	escByte  = 0x00
	escEsc   = 0xff // 0x00 inside a string is written 0x00 0xff
	escTerm  = 0x01 // a string ends with 0x00 0x01
	i64Bytes = 8
)

// appendStr appends s escaped and terminated. Index values are built from
// one-byte tags up, so the room is made at once rather than byte by byte,
// and a string without a NUL (nearly all) is copied whole.
func appendStr(b []byte, s string) []byte {
	if strings.IndexByte(s, escByte) < 0 {
		b = slices.Grow(b, len(s)+2)
		b = append(b, s...)
		return append(b, escByte, escTerm)
	}
	b = slices.Grow(b, len(s)+4)
	for i := 0; i < len(s); i++ {
		if s[i] == escByte {
			b = append(b, escByte, escEsc)
			continue
		}
		b = append(b, s[i])
	}
	return append(b, escByte, escTerm)
}

// appendStrPrefix appends s escaped but not terminated: the bytes of every
// string that starts with s begin with it.
func appendStrPrefix(b []byte, s string) []byte {
	t := appendStr(b, s)
	return t[:len(t)-2]
}

var errBadKey = errors.New("malformed index value")

// readStr reads one string written by appendStr and returns it and the rest.
func readStr(b []byte) (string, []byte, error) {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] != escByte {
			sb.WriteByte(b[i])
			continue
		}
		if i+1 >= len(b) {
			return "", nil, errBadKey
		}
		switch b[i+1] {
		case escTerm:
			return sb.String(), b[i+2:], nil
		case escEsc:
			sb.WriteByte(0)
			i++
		default:
			return "", nil, errBadKey
		}
	}
	return "", nil, errBadKey
}

// appendI64 appends v big-endian with the sign bit flipped, so negative
// values sort before positive ones.
func appendI64(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(v)^(1<<63))
}

func readI64(b []byte) (int64, []byte, error) {
	if len(b) < i64Bytes {
		return 0, nil, errBadKey
	}
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)), b[i64Bytes:], nil
}

// prefixEnd returns the smallest byte string greater than every string that
// starts with p (nil when there is none, meaning "to the end").
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
