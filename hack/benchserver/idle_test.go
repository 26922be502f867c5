package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBinaryKiB(t *testing.T) {
	smaps := `00400000-00c49000 r-xp 00000000 08:01 123 /bin/fhirserver
Rss:                7648 kB
Referenced:          252 kB
00c49000-0166d000 r--p 00849000 08:01 123 /bin/fhirserver
Rss:                8332 kB
Referenced:           36 kB
016f3000-0373f000 rw-p 00000000 00:00 0
Rss:                 116 kB
Referenced:          116 kB
7f0000000000-7f0000001000 r-xp 00000000 08:01 9 /lib/other
Rss:                   4 kB
`
	path := filepath.Join(t.TempDir(), "smaps")
	if err := os.WriteFile(path, []byte(smaps), 0o600); err != nil {
		t.Fatal(err)
	}
	text, data, all, err := binaryKiB(path, "/bin/fhirserver", "Rss")
	if err != nil || text != 7648 || data != 8332 || all != 15980 {
		t.Fatalf("Rss: %d %d %d %v", text, data, all, err)
	}
	if _, _, all, _ := binaryKiB(path, "/bin/fhirserver", "Referenced"); all != 288 {
		t.Fatalf("Referenced: %d", all)
	}
}

func TestGauges(t *testing.T) {
	g := gauges("# HELP x\ngo_memstats_heap_inuse_bytes 8.593408e+06\nhttp_requests_total{code=\"200\"} 3\n")
	if g["go_memstats_heap_inuse_bytes"] != 8593408 || len(g) != 1 {
		t.Fatalf("%v", g)
	}
}
