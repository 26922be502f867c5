package pipeline

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// The pipeline's application-metadata namespaces (docs/storage.md lists
// them with the shape of their keys). Every one is written only by the
// pipeline's batches, inside the store's serial write section, so a batch
// reading them there (outside its transaction) sees every earlier batch,
// and its views add what it staged itself.
const (
	// nsState: key memberKey, data stateRecord (JSON): the latest upstream
	// version of one resource, what the rules said, its references and its
	// current outcome.
	nsState = "agg-state"
	// nsResource: key memberKey, data the checked R4 resource (JSON, its
	// references still upstream Type/id), for resources that passed the
	// rules: what a copy is made from and a merge is recomputed from.
	nsResource = "agg-resource"
	// nsReferrers: key referrerKey(target, referrer), no data: the reverse
	// reference index, so a change to a target finds who points at it.
	nsReferrers = "agg-referrer"
	// nsOutbox: key memberKey, data Outcome (JSON): the latest outcome
	// not yet acknowledged by the source.
	nsOutbox = "agg-outbox"
	// nsCounts: key <source> 00 <status>, data the count (decimal).
	nsCounts = "agg-count"
	// nsReset: key <source>, data "1": a Reset happened and the replay
	// has not caught up yet.
	nsReset = "agg-reset"
	// nsSeen: key memberKey, no data: resources the replay after a Reset
	// brought again (CaughtUp removes the others).
	nsSeen = "agg-seen"
	// nsEpoch: key "commits", data the number of batches the pipeline
	// committed (decimal), so a batch that never reached the store is
	// noticed (write.go).
	nsEpoch = "agg-epoch"
)

// memberKey is the key of one upstream resource: <source> 00 <type> 00 <id>,
// the same shape as storage.SourceVersionKey, so one source's records are
// one key range.
func memberKey(m merge.Member) string { return m.Source + "\x00" + m.Type + "\x00" + m.ID }

func parseMemberKey(k string) (merge.Member, error) {
	parts := strings.Split(k, "\x00")
	if len(parts) != 3 {
		return merge.Member{}, fmt.Errorf("pipeline: bad member key %q", k)
	}
	return merge.Member{Source: parts[0], Type: parts[1], ID: parts[2]}, nil
}

// referrerPrefix is the key prefix of every referrer of target (same
// source: references never cross sources).
func referrerPrefix(target merge.Member) string { return memberKey(target) + "\x00" }

func referrerKey(target, referrer merge.Member) string {
	return referrerPrefix(target) + referrer.Type + "\x00" + referrer.ID
}

func sourcePrefix(source string) string { return source + "\x00" }

// view is one namespace as the Apply under way sees it: the committed
// records plus what the Apply staged, which stage then writes into the
// storage transaction in key order.
type view struct {
	meta   *storage.AppMeta
	staged map[string]*[]byte // nil pointer: deleted
}

func newView(m *storage.AppMeta) *view { return &view{meta: m, staged: map[string]*[]byte{}} }

func (v *view) get(key string) ([]byte, bool, error) {
	if d, ok := v.staged[key]; ok {
		if d == nil {
			return nil, false, nil
		}
		return *d, true, nil
	}
	return v.meta.Get(key, time.Time{})
}

func (v *view) put(key string, data []byte) { v.staged[key] = &data }

func (v *view) del(key string) { v.staged[key] = nil }

// keys returns the keys under prefix, committed and staged.
func (v *view) keys(prefix string) ([]string, error) {
	set := map[string]bool{}
	after := ""
	for {
		recs, err := v.meta.Scan(prefix, after, 1000, time.Time{})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			set[r.Key] = true
		}
		if len(recs) < 1000 {
			break
		}
		after = recs[len(recs)-1].Key
	}
	for k, d := range v.staged {
		if strings.HasPrefix(k, prefix) {
			set[k] = d != nil
		}
	}
	out := make([]string, 0, len(set))
	for k, ok := range set {
		if ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// stage writes what the view staged into tx's batch.
func (v *view) stage(tx *storage.Tx) error {
	keys := make([]string, 0, len(v.staged))
	for k := range v.staged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var err error
		if d := v.staged[k]; d == nil {
			err = v.meta.Delete(tx, k)
		} else {
			err = v.meta.Put(tx, k, *d, time.Time{})
		}
		if err != nil {
			return fmt.Errorf("stage %q: %w", k, err)
		}
	}
	return nil
}
