package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv, time.Now))
}

const usage = `usage:
  devissuer keys  [--dir DIR]              create the issuer's key once; print its JWK Set's path
  devissuer token --nhs-number N [flags]   print an ID token for the patient with NHS number N
DIR defaults to $DEV_STATE_DIR/issuer, else .dev/issuer.`

// run is the command; exit 2 for bad usage, 1 for a failure.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) int {
	if len(args) == 0 || (args[0] != "keys" && args[0] != "token") {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmd := args[0]
	fs := flag.NewFlagSet("devissuer "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	state := getenv("DEV_STATE_DIR")
	if state == "" {
		state = ".dev"
	}
	dir := fs.String("dir", filepath.Join(state, "issuer"), "folder of the issuer's key.pem and jwks.json")
	t := idToken{Issuer: devIssuer, Audience: devAudience}
	if cmd == "token" {
		fs.StringVar(&t.NHSNumber, "nhs-number", "", "the patient's NHS number, ten digits (required)")
		fs.StringVar(&t.ProofingLevel, "proofing-level", "P9", "identity_proofing_level, P0 … P9")
		fs.StringVar(&t.Subject, "subject", "", "sub (default dev-patient-<nhs-number>)")
		fs.DurationVar(&t.TTL, "ttl", time.Hour, "how long the token is valid")
		fs.StringVar(&t.Issuer, "issuer", devIssuer, "iss: the FhirAggregator's patientAccess.issuer")
		fs.StringVar(&t.Audience, "audience", devAudience, "aud: the FhirAggregator's patientAccess.audience")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "devissuer %s: no arguments are taken (got %q)\n", cmd, fs.Args())
		return 2
	}
	if cmd == "keys" {
		if _, err := ensureKeys(*dir); err != nil {
			fmt.Fprintf(stderr, "devissuer keys: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, filepath.Join(*dir, jwksFile))
		return 0
	}
	if t.NHSNumber == "" {
		fmt.Fprintln(stderr, "devissuer token: --nhs-number is required")
		return 2
	}
	if err := t.check(); err != nil {
		fmt.Fprintf(stderr, "devissuer token: %v\n", err)
		return 2
	}
	k, err := loadKey(*dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "devissuer token: no issuer key in %s: make dev creates it (or run devissuer keys --dir %s)\n", *dir, *dir)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "devissuer token: %v\n", err)
		return 1
	}
	raw, err := mint(k, t, now())
	if err != nil {
		fmt.Fprintf(stderr, "devissuer token: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, raw)
	return 0
}
