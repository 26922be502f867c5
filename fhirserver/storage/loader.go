package storage

import (
	"bytes"
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Getter reads the current version of typ/id, as Reader.Get does.
type Getter interface {
	Get(ctx context.Context, typ, id string) (*Record, error)
}

// Loader reads current versions one after another through one Pebble
// iterator, for a caller that reads many at once (the matches of a search
// page). Each Store.Get builds an iterator over every level of the tree and
// drops it, taking and giving back the table handles and block references
// each time; on a page of 20 that setup, and the cache-line traffic of its
// reference counts between cores, was most of a search's CPU. The iterator
// reads the store as it was when the Loader was made; a resource it does
// not find is read again with Store.Get, so one written since is found (a
// View's Loader reads the View's state only).
// Not safe for concurrent use; Close it.
type Loader struct {
	s  *Store
	it *pebble.Iterator
	// miss reads what the iterator does not hold: Store.Get for a Loader of
	// the store, View.Get for one of a View.
	miss func(ctx context.Context, typ, id string) (*Record, error)
	// release gives back what the Loader holds besides its iterator.
	release func()
}

// NewLoader returns a Loader over the store's state now. It holds the store
// open (Close waits for it) until its Close.
func (s *Store) NewLoader() (*Loader, error) {
	if !s.acquire() {
		return nil, ErrClosed
	}
	l, err := newLoader(s, s.db, s.Get, s.release)
	if err != nil {
		s.release()
	}
	return l, err
}

// NewLoader returns a Loader over the View: what it reads is the View's
// state, a resource it does not find is not in the View either.
func (v *View) NewLoader() (*Loader, error) {
	return newLoader(v.s, v.snap, v.Get, func() {})
}

func newLoader(s *Store, r pebble.Reader, miss func(ctx context.Context, typ, id string) (*Record, error), release func()) (*Loader, error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixCurrent}, UpperBound: []byte{prefixCurrent + 1}})
	if err != nil {
		return nil, fmt.Errorf("storage loader: %w", err)
	}
	return &Loader{s: s, it: it, miss: miss, release: release}, nil
}

// Get returns the current version of typ/id as Store.Get does (a tombstone
// has Deleted set; ErrNotFound when it never existed), once it is durable.
func (l *Loader) Get(ctx context.Context, typ, id string) (*Record, error) {
	if err := checkTypeID(typ, id); err != nil {
		return nil, err
	}
	k := keyCurrent(typ, id)
	// SeekPrefixGE consults the Bloom filters of the tables, as a Get does.
	if !l.it.SeekPrefixGE(k) || !bytes.Equal(l.it.Key(), k) {
		if err := l.it.Error(); err != nil {
			return nil, fmt.Errorf("storage get: %w", err)
		}
		return l.miss(ctx, typ, id)
	}
	v, err := l.it.ValueAndErr()
	if err != nil {
		return nil, fmt.Errorf("storage get: %w", err)
	}
	rec, err := decodeRecord(v)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", typ, id, err)
	}
	if err := l.s.waitDurable(ctx, rec.Seq); err != nil {
		return nil, err
	}
	return rec, nil
}

// Unused is Store.Unused through the Loader's iterator: whether no version
// of typ/id had been written when the Loader was made. A write's creates
// check their server-assigned ids with one Loader (Repository.Transaction),
// one seek each instead of a Get that builds an iterator over every level.
// Valid for ids no other writer can be writing, as Store.Unused is: ids
// drawn at random.
func (l *Loader) Unused(typ, id string) (bool, error) {
	if err := checkTypeID(typ, id); err != nil {
		return false, err
	}
	k := keyCurrent(typ, id)
	if l.it.SeekPrefixGE(k) && bytes.Equal(l.it.Key(), k) {
		return false, nil
	}
	if err := l.it.Error(); err != nil {
		return false, fmt.Errorf("storage: check %s/%s unused: %w", typ, id, err)
	}
	return true, nil
}

// Close releases the iterator, and the store for a Loader of the store (a
// View's holds the store until the View's Close).
func (l *Loader) Close() error {
	err := l.it.Close()
	l.release()
	return err
}

// NewGetter returns a Loader when rd is the store itself or a View of it,
// and rd otherwise (a write's Tx, a filtered reader), with the function
// that closes it.
func NewGetter(rd Reader) (Getter, func()) {
	if s, ok := rd.(interface{ NewLoader() (*Loader, error) }); ok {
		if l, err := s.NewLoader(); err == nil {
			return l, func() { _ = l.Close() }
		}
	}
	return rd, func() {}
}
