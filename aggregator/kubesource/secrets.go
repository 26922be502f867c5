package kubesource

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// secretReader reads credentials Secrets: from the cache, which holds the
// labelled ones and sees their changes at once, else straight from the API
// server. A Secret read that way (a user's own, unlabelled) is remembered
// for resync, so recomputing the set on every event does not read it again,
// and a rotation of it is still seen within resync.
type secretReader struct {
	cached client.Reader
	direct client.Reader
	resync time.Duration
	now    func() time.Time

	mu   sync.Mutex
	memo map[types.NamespacedName]directRead
	used map[types.NamespacedName]bool
}

// directRead is one Secret read from the API server; data is nil when it
// did not exist.
type directRead struct {
	data map[string][]byte
	at   time.Time
}

func newSecretReader(cached, direct client.Reader, resync time.Duration) *secretReader {
	return &secretReader{cached: cached, direct: direct, resync: resync, now: time.Now,
		memo: map[types.NamespacedName]directRead{}, used: map[types.NamespacedName]bool{}}
}

// get is the aggregator client of the Secret key, nil when there is no such
// Secret.
func (r *secretReader) get(ctx context.Context, key types.NamespacedName) (map[string][]byte, error) {
	s := &corev1.Secret{}
	err := r.cached.Get(ctx, key, s)
	if err == nil {
		return aggregatorClient(s.Data), nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("read Secret %s from the cache: %w", key, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.used[key] = true
	// Half the period: the resync tick that comes about one period after
	// the last read must find it stale, whatever the timers' jitter.
	if m, ok := r.memo[key]; ok && r.now().Sub(m.at) < r.resync/2 {
		return m.data, nil
	}
	read := directRead{at: r.now()}
	switch err := r.direct.Get(ctx, key, s); {
	case apierrors.IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("read Secret %s: %w", key, err)
	default:
		read.data = aggregatorClient(s.Data)
	}
	r.memo[key] = read
	return read.data, nil
}

// sweep forgets the Secrets read directly that no get asked for since the
// last sweep (their endpoint is gone or now names a labelled one).
func (r *secretReader) sweep() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for key := range r.memo {
		if !r.used[key] {
			delete(r.memo, key)
		}
	}
	clear(r.used)
}
