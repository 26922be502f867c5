package fhirpath

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// String functions (spec §5.6). Positions and lengths count characters,
// not bytes, so non-ASCII text indexes as a FHIRPath user expects.

// inString returns the single input as a string; ok is false for empty input.
func (k *call) inString() (string, bool, error) {
	it, ok, err := k.single()
	if err != nil || !ok {
		return "", false, err
	}
	v, ok := it.Value()
	s, isStr := v.(string)
	if !ok || !isStr {
		return "", false, k.errf("%s() needs a string input, got %s", k.n.name, it.TypeName())
	}
	return s, true, nil
}

func strPredicate(f func(s, arg string) bool) func(k *call) ([]Item, error) {
	return func(k *call) ([]Item, error) {
		s, ok, err := k.inString()
		if err != nil || !ok {
			return nil, err
		}
		a, ok, err := k.argString(0)
		if err != nil || !ok {
			return nil, err
		}
		return boolItems(f(s, a)), nil
	}
}

func containsStr(s, a string) bool { return strings.Contains(s, a) }

func strMap(f func(string) string) func(k *call) ([]Item, error) {
	return func(k *call) ([]Item, error) {
		s, ok, err := k.inString()
		if err != nil || !ok {
			return nil, err
		}
		return []Item{{sys: f(s)}}, nil
	}
}

func upper(s string) string { return strings.ToUpper(s) }
func lower(s string) string { return strings.ToLower(s) }
func trim(s string) string  { return strings.TrimSpace(s) }

func fnIndexOf(k *call) ([]Item, error) {
	s, ok, err := k.inString()
	if err != nil || !ok {
		return nil, err
	}
	a, ok, err := k.argString(0)
	if err != nil || !ok {
		return nil, err
	}
	i := strings.Index(s, a)
	if i > 0 {
		i = utf8.RuneCountInString(s[:i])
	}
	return []Item{{sys: int64(i)}}, nil
}

func fnSubstring(k *call) ([]Item, error) {
	s, ok, err := k.inString()
	if err != nil || !ok {
		return nil, err
	}
	start, ok, err := k.argInt(0)
	if err != nil || !ok {
		return nil, err
	}
	r := []rune(s)
	if start < 0 || start >= int64(len(r)) {
		return nil, nil
	}
	end := int64(len(r))
	if len(k.n.args) > 1 {
		n, ok, err := k.argInt(1)
		if err != nil {
			return nil, err
		}
		if ok {
			end = min(end, start+max(n, 0))
		}
	}
	return []Item{{sys: string(r[start:end])}}, nil
}

func fnReplace(k *call) ([]Item, error) {
	s, ok, err := k.inString()
	if err != nil || !ok {
		return nil, err
	}
	pat, ok1, err := k.argString(0)
	if err != nil {
		return nil, err
	}
	rep, ok2, err := k.argString(1)
	if err != nil || !ok1 || !ok2 {
		return nil, err
	}
	return []Item{{sys: strings.ReplaceAll(s, pat, rep)}}, nil
}

// regex compiles a pattern argument; Go's RE2 syntax covers the patterns
// FHIR uses (no back-references or look-around).
func (k *call) regex(i int, anchored bool) (*regexp.Regexp, bool, error) {
	pat, ok, err := k.argString(i)
	if err != nil || !ok {
		return nil, false, err
	}
	if anchored {
		pat = "^(?:" + pat + ")$"
	}
	re, err := regexp.Compile("(?s)" + pat)
	if err != nil {
		return nil, false, k.errf("invalid regular expression %q: %v", pat, err)
	}
	return re, true, nil
}

func fnMatches(k *call) ([]Item, error) {
	s, ok, err := k.inString()
	if err != nil || !ok {
		return nil, err
	}
	re, ok, err := k.regex(0, false)
	if err != nil || !ok {
		return nil, err
	}
	return boolItems(re.MatchString(s)), nil
}

func fnReplaceMatches(k *call) ([]Item, error) {
	s, ok, err := k.inString()
	if err != nil || !ok {
		return nil, err
	}
	re, ok, err := k.regex(0, false)
	if err != nil || !ok {
		return nil, err
	}
	rep, ok, err := k.argString(1)
	if err != nil || !ok {
		return nil, err
	}
	return []Item{{sys: re.ReplaceAllString(s, rep)}}, nil
}

func fnLength(k *call) ([]Item, error) {
	s, ok, err := k.inString()
	if err != nil || !ok {
		return nil, err
	}
	return []Item{{sys: int64(utf8.RuneCountInString(s))}}, nil
}

func fnToChars(k *call) ([]Item, error) {
	s, ok, err := k.inString()
	if err != nil || !ok {
		return nil, err
	}
	var out []Item
	for _, r := range s {
		out = append(out, Item{sys: string(r)})
	}
	return out, nil
}

func fnSplit(k *call) ([]Item, error) {
	s, ok, err := k.inString()
	if err != nil || !ok {
		return nil, err
	}
	sep, ok, err := k.argString(0)
	if err != nil || !ok {
		return nil, err
	}
	var out []Item
	for _, p := range strings.Split(s, sep) {
		out = append(out, Item{sys: p})
	}
	return out, nil
}

func fnJoin(k *call) ([]Item, error) {
	sep := ""
	if len(k.n.args) > 0 {
		s, ok, err := k.argString(0)
		if err != nil {
			return nil, err
		}
		if ok {
			sep = s
		}
	}
	parts := make([]string, 0, len(k.in))
	for _, it := range k.in {
		v, _ := it.Value()
		s, ok := v.(string)
		if !ok {
			return nil, k.errf("join() needs strings, got %s", it.TypeName())
		}
		parts = append(parts, s)
	}
	return []Item{{sys: strings.Join(parts, sep)}}, nil
}
