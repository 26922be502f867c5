package source

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Static is one --source flag: a customer feed named on the command line,
// for running the aggregator without Kubernetes.
type Static struct {
	// Name is the source's name for good (Spec.Name).
	Name string
	// Customer is the customer the feed belongs to.
	Customer string
	// Origin is the fhirserver's public origin, such as
	// https://acme-gp.example: the FHIR base is <origin>/fhir, the token
	// endpoint <origin>/oauth2/token.
	Origin string
	// CredentialsDir is a credentials folder as fhirserver writes it, with
	// the files aggregator_client_id and aggregator_client_secret.
	CredentialsDir string
}

// staticKeys are the keys of a --source value, in the order the usage
// names them.
var staticKeys = []string{"name", "customer", "url", "credentials-dir"}

// validSourceName keeps names usable as keys, label values and in logs:
// the same characters as a "<namespace>/<name>" of Kubernetes, which is
// what a source is called in that mode.
var validSourceName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._/-]{0,252})$`)

// ParseStatic reads one --source value:
// name=<n>,customer=<c>,url=<origin>,credentials-dir=<dir>. Every key is
// required once; values cannot hold a comma. Each error names the key at
// fault.
func ParseStatic(v string) (Static, error) {
	var s Static
	seen := map[string]bool{}
	for item := range strings.SplitSeq(v, ",") {
		key, val, ok := strings.Cut(item, "=")
		key = strings.TrimSpace(key)
		if !ok {
			return s, fmt.Errorf("--source %q: %q is not key=value (want %s)", v, item, usage())
		}
		if seen[key] {
			return s, fmt.Errorf("--source %q: key %s given twice", v, key)
		}
		seen[key] = true
		if val == "" {
			return s, fmt.Errorf("--source %q: key %s has an empty value", v, key)
		}
		switch key {
		case "name":
			if !validSourceName.MatchString(val) {
				return s, fmt.Errorf("--source %q: name %q: want letters, digits, '.', '_', '-' or '/', starting with a letter or digit, at most 253", v, val)
			}
			s.Name = val
		case "customer":
			s.Customer = val
		case "url":
			origin, err := parseOrigin(val)
			if err != nil {
				return s, fmt.Errorf("--source %q: url: %w", v, err)
			}
			s.Origin = origin
		case "credentials-dir":
			s.CredentialsDir = val
		default:
			return s, fmt.Errorf("--source %q: unknown key %q (want %s)", v, key, usage())
		}
	}
	for _, k := range staticKeys {
		if !seen[k] {
			return s, fmt.Errorf("--source %q: key %s is missing (want %s)", v, k, usage())
		}
	}
	return s, nil
}

// ParseStatics reads every --source value and refuses two of one name,
// since a name keys the source's cursor and outcomes.
func ParseStatics(values []string) ([]Static, error) {
	var out []Static
	byName := map[string]string{}
	for _, v := range values {
		s, err := ParseStatic(v)
		if err != nil {
			return nil, err
		}
		if prev, dup := byName[s.Name]; dup {
			return nil, fmt.Errorf("--source %q: name %s is already used by --source %q", v, s.Name, prev)
		}
		byName[s.Name] = v
		out = append(out, s)
	}
	return out, nil
}

func usage() string {
	return "name=<n>,customer=<c>,url=<origin>,credentials-dir=<dir>"
}

// parseOrigin accepts an http(s) origin, with or without a trailing slash;
// a path is refused, since /fhir and /oauth2/token are added to it.
func parseOrigin(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) origin such as https://acme-gp.example", v)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q: want the origin alone (scheme://host[:port]); the FHIR base is <url>/fhir", v)
	}
	return u.Scheme + "://" + u.Host, nil
}

// Spec is the source to follow with the given client credentials.
func (s Static) Spec(clientID, clientSecret string) Spec {
	return Spec{
		Name:         s.Name,
		Customer:     s.Customer,
		Base:         s.Origin + "/fhir",
		TokenURL:     s.Origin + "/oauth2/token",
		ClientID:     clientID,
		ClientSecret: clientSecret,
	}
}
