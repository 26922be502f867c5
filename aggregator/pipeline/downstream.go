package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// downPut is one downstream resource to write, prepared (built, indexed)
// before the storage write.
type downPut struct {
	typ, id string
	res     *fhirjson.Value
	index   []storage.IndexEntry
}

// downRef names one downstream resource to delete.
type downRef struct{ typ, id string }

// plan builds the downstream writes of the batch: the dirty groups merged
// again (or deleted when empty) and the dirty copies made again (or
// deleted when no longer accepted), each with its references pointing at
// downstream ids.
func (b *batch) plan(groups map[string]string, copies map[merge.Member]bool) error {
	for _, id := range sortedKeys(groups) {
		typ := groups[id]
		cs := b.p.groups.Contributors(id)
		if len(cs) == 0 {
			b.deletes = append(b.deletes, downRef{typ, id})
			continue
		}
		rewritten := make([]merge.Contributor, len(cs))
		for i, c := range cs {
			c.Resource = c.Resource.Clone()
			if err := b.rewrite(c.Member(), c.Resource); err != nil {
				return err
			}
			rewritten[i] = c
		}
		res := merge.Merge(typ, rewritten)
		if res == nil {
			return fmt.Errorf("pipeline: merge of %s/%s gave nothing", typ, id)
		}
		if err := b.put(typ, id, res); err != nil {
			return err
		}
	}
	for _, m := range sortedMembers(copies) {
		r := b.recs[m]
		if r == nil || r.Status != StatusAccepted {
			if was := b.orig[m].Downstream; was != "" {
				typ, id, _ := strings.Cut(was, "/")
				b.deletes = append(b.deletes, downRef{typ, id})
			}
			continue
		}
		c, err := b.contributor(m, r)
		if err != nil {
			return err
		}
		typ, id, _ := strings.Cut(r.Downstream, "/")
		res := merge.Copy(c, id)
		if err := b.rewrite(m, res); err != nil {
			return err
		}
		if err := b.put(typ, id, res); err != nil {
			return err
		}
	}
	return nil
}

// rewrite points the references of a contributor's resource (those of
// member m's source) at their downstream ids. Every target of an accepted
// resource is accepted, so none can be missing.
func (b *batch) rewrite(m merge.Member, res *fhirjson.Value) error {
	var failed error
	missing := merge.RewriteReferences(res, func(typ, id string) (string, bool) {
		r, err := b.rec(merge.Member{Source: m.Source, Type: typ, ID: id})
		if err != nil {
			failed = err
			return "", false
		}
		if r == nil || r.Status != StatusAccepted || r.Downstream == "" {
			return "", false
		}
		_, down, _ := strings.Cut(r.Downstream, "/")
		return down, true
	})
	if failed != nil {
		return failed
	}
	if len(missing) > 0 {
		return fmt.Errorf("pipeline: %s/%s of %s is accepted but %s (%s/%s) has no downstream resource",
			m.Type, m.ID, m.Source, missing[0].Expression, missing[0].Type, missing[0].ID)
	}
	return nil
}

// put indexes a downstream resource for the batch's write.
func (b *batch) put(typ, id string, res *fhirjson.Value) error {
	res.Set("id", fhirjson.NewString(id))
	entries, err := b.p.index.IndexEntries(typ, res)
	if err != nil {
		return fmt.Errorf("pipeline: index %s/%s: %w", typ, id, err)
	}
	b.puts = append(b.puts, downPut{typ: typ, id: id, res: res, index: entries})
	return nil
}

// stamper sets the version's id, versionId and lastUpdated and adds the
// _lastUpdated index entries, which only the store's commit fixes.
func (b *batch) stamper(d *downPut) func(storage.Version) ([]byte, []storage.IndexEntry, error) {
	return func(v storage.Version) ([]byte, []storage.IndexEntry, error) {
		meta := d.res.Get("meta")
		if meta == nil || meta.Kind != fhirjson.Object {
			meta = fhirjson.NewObject()
		}
		meta.Delete("versionId")
		meta.Delete("lastUpdated")
		instant := repository.FormatInstant(v.LastUpdated)
		lu := fhirjson.NewString(instant)
		meta.Members = append([]fhirjson.Member{
			{Name: "versionId", Value: fhirjson.NewString(strconv.FormatInt(v.VersionID, 10))},
			{Name: "lastUpdated", Value: lu},
		}, meta.Members...)
		d.res.Set("meta", meta)
		extra, err := b.lastUpdatedEntries(instant)
		if err != nil {
			return nil, nil, err
		}
		return fhirjson.Marshal(d.res), extra, nil
	}
}

// lastUpdatedEntries are the _lastUpdated index entries of instant. Every
// version a batch writes has the same lastUpdated (the commit's), so they
// are computed once per batch.
func (b *batch) lastUpdatedEntries(instant string) ([]storage.IndexEntry, error) {
	if b.luEntries != nil && b.luFor == instant {
		return b.luEntries, nil
	}
	// _lastUpdated is defined on Resource, so its entries are the same
	// for every type: they are computed once, for any type.
	extra, err := b.p.index.LastUpdatedEntries(stubType, instant)
	if err != nil {
		return nil, fmt.Errorf("index _lastUpdated: %w", err)
	}
	b.luEntries, b.luFor = extra, instant
	return extra, nil
}

// stubType is the type the _lastUpdated entries are computed on (any type
// would do).
const stubType = "Binary"
