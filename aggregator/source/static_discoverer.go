package source

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The files of a credentials folder the aggregator reads (fhirserver's
// auth.FileAggregatorClientID and auth.FileAggregatorClientSecret; named
// here again so discovery does not depend on the server's auth package).
const (
	fileClientID     = "aggregator_client_id"
	fileClientSecret = "aggregator_client_secret"
)

// DefaultRereadInterval is how often StaticDiscoverer reads the credentials
// folders again.
const DefaultRereadInterval = 2 * time.Second

// StaticDiscoverer is the Discoverer of the --source flags: the set of
// sources is fixed, but each one's aggregator client is read from its
// credentials folder and read again every few seconds, so a rotated secret
// reaches the follower (as a changed Spec) without a restart.
//
// The files are read, not just stat'ed: two tiny files per source every
// few seconds cost nothing, and a modification time can miss a rewrite of
// the same size within its granularity. A source whose files cannot be
// read yet (not written, no aggregator client) is left out of the set,
// and logged, until they can; one whose files become unreadable later
// keeps the client last read, since a source leaving the set is a source
// deleted (with --forget-deleted its data would go).
type StaticDiscoverer struct {
	sources  []Static
	interval time.Duration
	log      *slog.Logger
}

// NewStaticDiscoverer follows sources; interval 0 is
// DefaultRereadInterval, log nil discards.
func NewStaticDiscoverer(sources []Static, interval time.Duration, log *slog.Logger) *StaticDiscoverer {
	if interval <= 0 {
		interval = DefaultRereadInterval
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &StaticDiscoverer{sources: slices.Clone(sources), interval: interval, log: log}
}

// Run implements Discoverer: update gets the set at once and again
// whenever a source's credentials changed (or became readable or
// unreadable). It returns nil when ctx ends.
func (d *StaticDiscoverer) Run(ctx context.Context, update func([]Spec)) error {
	t := time.NewTicker(d.interval)
	defer t.Stop()
	var last []Spec
	lastErr := map[string]string{} // per source, so a lasting error is logged once
	good := map[string]Spec{}      // per source, the last Spec read
	for first := true; ; first = false {
		specs := d.read(lastErr, good)
		if first || !slices.Equal(specs, last) {
			update(specs)
			last = specs
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// read is one reading of every source's credentials.
func (d *StaticDiscoverer) read(lastErr map[string]string, good map[string]Spec) []Spec {
	specs := make([]Spec, 0, len(d.sources))
	for _, s := range d.sources {
		id, secret, err := readClient(s.CredentialsDir)
		if err != nil {
			prev, known := good[s.Name]
			if lastErr[s.Name] != err.Error() {
				msg := "cannot read the source's aggregator client; not following it until it can be read"
				if known {
					msg = "cannot read the source's aggregator client; following it with the one last read"
				}
				d.log.Error(msg, "source", s.Name, "err", err)
				lastErr[s.Name] = err.Error()
			}
			if known {
				specs = append(specs, prev)
			}
			continue
		}
		if lastErr[s.Name] != "" {
			d.log.Info("the source's aggregator client can be read again", "source", s.Name)
			delete(lastErr, s.Name)
		}
		good[s.Name] = s.Spec(id, secret)
		specs = append(specs, good[s.Name])
	}
	return specs
}

// readClient reads the aggregator client of a credentials folder.
func readClient(dir string) (id, secret string, err error) {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", err
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			return "", fmt.Errorf("%s is empty", filepath.Join(dir, name))
		}
		return string(b), nil
	}
	if id, err = read(fileClientID); err != nil {
		return "", "", err
	}
	if secret, err = read(fileClientSecret); err != nil {
		return "", "", err
	}
	return id, secret, nil
}
