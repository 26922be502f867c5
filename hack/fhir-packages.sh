#!/usr/bin/env bash
# Fetches the official FHIR packages (CC0) from the npm registry at pinned
# versions, unpacks them into a cache outside the checkout, and prints the
# absolute folder on stdout (nothing else goes to stdout):
#   <folder>/r4/package/...    hl7.fhir.r4.examples@4.0.1
#   <folder>/stu3/package/...  hl7.fhir.r3.examples@3.0.2
# The generator (make generate-fhir) and the conformance tests both use it.
set -euo pipefail

R4_PKG="hl7.fhir.r4.examples@4.0.1"
STU3_PKG="hl7.fhir.r3.examples@3.0.2"

cache_root="${FHIRFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fhirfleet}"
dest="$cache_root/fhir-packages/r4-4.0.1_stu3-3.0.2"
if [ -f "$dest/.complete" ]; then
	echo "$dest"
	exit 0
fi
command -v npm >/dev/null || { echo "fhir-packages: npm is needed (Node 20 and npm); install nodejs and npm" >&2; exit 1; }

mkdir -p "$dest"
exec 9>"$dest/.lock"
flock 9
if [ ! -f "$dest/.complete" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	for pair in "r4:$R4_PKG" "stu3:$STU3_PKG"; do
		name="${pair%%:*}" pkg="${pair#*:}"
		echo "fhir-packages: npm pack $pkg" >&2
		(cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1) ||
			(cd "$tmp" && npm pack "$pkg" >&2)
		rm -rf "${dest:?}/$name"
		mkdir -p "$dest/$name"
		tar -xzf "$tmp"/*.tgz -C "$dest/$name"
		rm -f "$tmp"/*.tgz
	done
	touch "$dest/.complete"
fi
echo "$dest"
