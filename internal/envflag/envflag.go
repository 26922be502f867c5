package envflag

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// Name is the environment variable standing in for the flag name under
// prefix: Name("FHIRSERVER_", "data-dir") is FHIRSERVER_DATA_DIR.
func Name(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Apply sets every flag of fs that the command line did not set (call it
// after fs.Parse) from its environment variable under prefix, when that is
// not empty. The command line wins over the environment because it is the
// more specific of the two. Every bad value is reported, each naming its
// variable, so one start shows all that is wrong.
func Apply(fs *flag.FlagSet, prefix string, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		env := Name(prefix, f.Name)
		if v := getenv(env); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", env, err))
			}
		}
	})
	return errors.Join(errs...)
}
