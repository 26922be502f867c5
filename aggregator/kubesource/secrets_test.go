package kubesource

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestSecretReaderSweep: a Secret read directly is forgotten once no
// endpoint names it.
func TestSecretReaderSweep(t *testing.T) {
	ns := newNamespace(t)
	e := createEndpoint(t, ns, "labs", "acme", nil)
	createSecret(t, e, "agg", "s", false)
	r := newSecretReader(emptyReader{}, adminClient, time.Hour)
	key := types.NamespacedName{Namespace: ns, Name: e.CredentialsSecretName()}
	data, err := r.get(context.Background(), key)
	if err != nil || string(data[keyClientSecret]) != "s" {
		t.Fatalf("get = %v, %v", data, err)
	}
	if _, ok := data["token_signing_key"]; ok {
		t.Error("kept the signing key")
	}
	r.sweep()
	if len(r.memo) != 1 {
		t.Fatalf("swept a Secret in use: %v", r.memo)
	}
	r.sweep()
	if len(r.memo) != 0 {
		t.Fatalf("kept a Secret no endpoint names: %v", r.memo)
	}
	missing, err := r.get(context.Background(), types.NamespacedName{Namespace: ns, Name: "none"})
	if err != nil || missing != nil {
		t.Fatalf("a missing Secret: %v, %v", missing, err)
	}
}

// emptyReader is a cache holding nothing.
type emptyReader struct{}

func (emptyReader) Get(_ context.Context, key client.ObjectKey, _ client.Object, _ ...client.GetOption) error {
	return apierrors.NewNotFound(corev1.Resource("secrets"), key.Name)
}

func (emptyReader) List(context.Context, client.ObjectList, ...client.ListOption) error { return nil }

// TestSecretReaderResync: a Secret read directly is read again once half
// the resync period has passed, and not before.
func TestSecretReaderResync(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	e := createEndpoint(t, ns, "labs", "acme", nil)
	s := createSecret(t, e, "agg", "old", false)
	clock := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	r := newSecretReader(emptyReader{}, adminClient, time.Minute)
	r.now = func() time.Time { return clock }
	key := types.NamespacedName{Namespace: ns, Name: s.Name}
	read := func() string {
		t.Helper()
		data, err := r.get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return string(data[keyClientSecret])
	}
	if got := read(); got != "old" {
		t.Fatalf("first read %q", got)
	}
	setSecret(t, s, "new")
	clock = clock.Add(29 * time.Second)
	if got := read(); got != "old" {
		t.Errorf("read again before its time: %q", got)
	}
	clock = clock.Add(time.Second)
	if got := read(); got != "new" {
		t.Errorf("not read again at the resync: %q", got)
	}
}
