package pipeline

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestMemberKey(t *testing.T) {
	m := merge.Member{Source: "ns/acme", Type: "Patient", ID: "p-1.x"}
	got, err := parseMemberKey(memberKey(m))
	if err != nil || got != m {
		t.Fatalf("round trip %+v, %v", got, err)
	}
	sv, _ := storage.SourceVersionKey(m.Source, m.Type, m.ID)
	if sv != memberKey(m) {
		t.Fatalf("member key %q differs from the source version key %q", memberKey(m), sv)
	}
	for _, bad := range []string{"", "a\x00b", "a\x00b\x00c\x00d"} {
		if _, err := parseMemberKey(bad); err == nil {
			t.Errorf("parseMemberKey(%q) succeeded", bad)
		}
	}
	target := merge.Member{Source: "s", Type: "Patient", ID: "p1"}
	long := merge.Member{Source: "s", Type: "Patient", ID: "p10"}
	if k := referrerKey(long, m); len(k) >= len(referrerPrefix(target)) && k[:len(referrerPrefix(target))] == referrerPrefix(target) {
		t.Fatal("a referrer of Patient/p10 is listed under Patient/p1")
	}
}

// TestView: a view reads committed records with its own staged puts and
// deletes on top, lists keys of both, and writes what it staged.
func TestView(t *testing.T) {
	e := newEnv(t)
	ns, err := e.st.AppMeta("view-test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Write(context.Background(), func(tx *storage.Tx) error {
		for _, k := range []string{"a\x001", "a\x002", "b\x001"} {
			if err := ns.Put(tx, k, []byte("old "+k), time.Time{}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	v := newView(ns)
	v.put("a\x003", []byte("new"))
	v.del("a\x001")
	v.put("a\x002", []byte("changed"))
	if _, ok, _ := v.get("a\x001"); ok {
		t.Error("a deleted key is found")
	}
	if d, ok, _ := v.get("a\x002"); !ok || string(d) != "changed" {
		t.Errorf("get a2 = %q %v", d, ok)
	}
	if d, ok, _ := v.get("b\x001"); !ok || string(d) != "old b\x001" {
		t.Errorf("get b1 = %q %v", d, ok)
	}
	keys, err := v.keys("a\x00")
	if err != nil || fmt.Sprint(keys) != fmt.Sprint([]string{"a\x002", "a\x003"}) {
		t.Errorf("keys = %q, %v", keys, err)
	}
	if _, err := e.st.Write(context.Background(), func(tx *storage.Tx) error { return v.stage(tx) }); err != nil {
		t.Fatal(err)
	}
	after, _ := newView(ns).keys("")
	if fmt.Sprint(after) != fmt.Sprint([]string{"a\x002", "a\x003", "b\x001"}) {
		t.Errorf("after staging: %q", after)
	}
}
