#!/usr/bin/env bash
# Writes cmd/fhirserver/default.pgo, the CPU profile `go build` optimises the
# fhirserver with (profile-guided optimisation: -pgo=auto, Go's default,
# takes default.pgo from the main package's folder, so make build, make dev,
# the images and the tests' builds all use it). The profile is the four HTTP
# workloads of `make bench` (create, transaction, read, search), one CPU
# profile each from hack/benchserver's profiled run, merged. Run it again
# after a change that moves or renames the hot code; a stale profile still
# builds, it only optimises less (BENCHMARKS.md, "Profile-guided
# optimisation").
set -euo pipefail
cd "$(dirname "$0")/.."

LOAD_DURATION="${LOAD_DURATION:-10s}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The image's build (see hack/bench.sh), with the profile it has now: Go's
# PGO is meant to be iterated so, and the result converges.
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/fhirserver" ./cmd/fhirserver
echo "pgo: profiling the four HTTP workloads ($LOAD_DURATION each)" >&2
go run ./hack/benchserver -bin "$tmp/fhirserver" -duration "$LOAD_DURATION" -runs 1 -profile "$tmp/profiles" >/dev/null
profiles=()
for w in create transaction read search; do
	f="$tmp/profiles/$w.cpu.pprof"
	[ -s "$f" ] || { echo "pgo: no CPU profile of $w" >&2; exit 1; }
	profiles+=("$f")
done
go tool pprof -proto "${profiles[@]}" >"$tmp/default.pgo" 2>/dev/null
mv "$tmp/default.pgo" cmd/fhirserver/default.pgo
echo "pgo: wrote cmd/fhirserver/default.pgo ($(wc -c <cmd/fhirserver/default.pgo) bytes)" >&2
