#!/usr/bin/env bash
# Runs every benchmark and writes the figures, with the machine they ran on,
# to BENCHMARKS.md. Bounded: each Go benchmark runs for BENCHTIME, each HTTP
# load run for LOAD_DURATION. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCHTIME="${BENCHTIME:-1s}"
LOAD_DURATION="${LOAD_DURATION:-10s}"
out=BENCHMARKS.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export FHIRFLEET_FHIR_PACKAGES="${FHIRFLEET_FHIR_PACKAGES:-$(hack/fhir-packages.sh)}"
go build -o bin/fhirserver ./cmd/fhirserver

# Packages with benchmarks, found rather than listed, so a new one is never missed.
pkgs=$(grep -l '^func Benchmark' $(git ls-files '*_test.go') | xargs -n1 dirname | sort -u | sed 's#^#./#')
echo "bench: go test -bench over: $pkgs" >&2
go test -run '^$' -bench . -benchmem -benchtime "$BENCHTIME" -timeout 30m $pkgs >"$tmp/go.txt" 2>&1 || {
	cat "$tmp/go.txt" >&2
	exit 1
}
echo "bench: HTTP load on loopback ($LOAD_DURATION per run)" >&2
go run ./hack/benchserver -bin bin/fhirserver -duration "$LOAD_DURATION" >"$tmp/http.txt"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (hack/bench.sh) on $(date -u +%Y-%m-%d). Do not edit by hand; run it again."
	echo
	echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/{print $2}') GiB memory, $(uname -sr), $(go version | cut -d' ' -f3)."
	echo "Load generator and server share the same cores, so HTTP figures are lower bounds."
	echo
	echo "## The FHIR server over HTTP (hack/benchserver, bin/fhirserver R4)"
	echo
	echo "| what | measured | target |"
	echo "|---|---|---|"
	cat "$tmp/http.txt"
	echo
	echo "## Go benchmarks (go test -bench, -benchtime $BENCHTIME)"
	echo
	echo '```'
	grep -E '^(goos|goarch|cpu|pkg|Benchmark|ok|PASS)' "$tmp/go.txt" | grep -v '^PASS'
	echo '```'
	if [ -f BENCHMARKS.notes.md ]; then
		echo
		cat BENCHMARKS.notes.md
	fi
} >"$out"
echo "bench: wrote $out" >&2
