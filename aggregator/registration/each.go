package registration

import (
	"context"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// each runs fn for every index of n on as many goroutines as there are
// CPUs: a query of thousands of identifiers is thousands of independent
// index lookups, and the View they share is safe for concurrent use. fn
// writes its answer to its own index, so the output keeps the input's
// order. The first error stops the rest.
func each(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	workers := min(runtime.GOMAXPROCS(0), n)
	for w := range workers {
		g.Go(func() error {
			for i := w; i < n; i += workers {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := fn(ctx, i); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}
