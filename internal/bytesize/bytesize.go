package bytesize

import (
	"fmt"
	"strconv"
	"strings"
)

// Value is a flag value of bytes, written plainly ("33554432") or with a
// binary unit as Kubernetes quantities and humans write it ("32MiB", "32Mi",
// "1GiB"). Decimal units (MB) are refused rather than guessed: a cache
// flag off by 5 % either way is a surprise nobody asked for.
type Value struct{ n *int64 }

// Flag is the flag.Value that sets *n.
func Flag(n *int64) Value { return Value{n} }

var byteUnits = []struct {
	suffix string
	shift  uint
}{
	{"KiB", 10}, {"Ki", 10}, {"MiB", 20}, {"Mi", 20}, {"GiB", 30}, {"Gi", 30}, {"B", 0},
}

func (b Value) String() string {
	if b.n == nil {
		return "0"
	}
	return strconv.FormatInt(*b.n, 10)
}

func (b Value) Set(v string) error {
	n, err := Parse(v)
	if err != nil {
		return err
	}
	*b.n = n
	return nil
}

// Parse reads bytes, plainly or with a unit KiB, MiB or GiB (Ki, Mi, Gi).
func Parse(v string) (int64, error) {
	s := strings.TrimSpace(v)
	var shift uint
	for _, u := range byteUnits {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = strings.TrimSpace(rest), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q: want bytes, optionally with a unit KiB, MiB or GiB", v)
	}
	return n << shift, nil
}
