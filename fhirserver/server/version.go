package server

import (
	"fmt"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// claimVersion makes the store hold one FHIR version: the first start
// records it, a later start under another version fails. A store written
// before the version was recorded still names its version inside the
// search index fingerprint ("search-v<N>-<version>-<hash>"), which is
// checked before the claim so such a store is refused too.
func claimVersion(st *storage.Store, name string) error {
	have, err := st.FHIRVersion()
	if err != nil {
		return fmt.Errorf("read the store's FHIR version: %w", err)
	}
	if have == "" {
		if fp := fingerprintVersion(st.IndexFingerprint()); fp != "" && fp != name {
			return fmt.Errorf("%w: the store holds %s data (from its index fingerprint), not %s", storage.ErrWrongFHIRVersion, fp, name)
		}
	}
	if err := st.ClaimFHIRVersion(name); err != nil {
		return fmt.Errorf("--fhir-version %s: %w (use a new --data-dir for another version)", name, err)
	}
	return nil
}

// fingerprintVersion returns the version named in a search index
// fingerprint, or "" when it names none.
func fingerprintVersion(fp string) string {
	parts := strings.SplitN(fp, "-", 4)
	if len(parts) != 4 || parts[0] != "search" {
		return ""
	}
	return parts[2]
}
