package defs

import (
	"testing"
)

// BenchmarkLoad measures what a server pays at start for one version:
// reading the embedded file and building every lookup.
func BenchmarkLoad(b *testing.B) {
	for _, tc := range []struct{ name, version, file string }{
		{"R4", "4.0.1", "generated/r4.defs"},
		{"STU3", "3.0.2", "generated/stu3.defs"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v := newVersion(tc.name, tc.version, tc.file)
				if err := v.build(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
