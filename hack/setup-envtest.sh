#!/usr/bin/env bash
# Builds a real kube-apiserver, etcd, kube-controller-manager and kubectl from source
# through the Go module proxy (no binary downloads are possible here), caches
# them outside the checkout keyed by version, and prints the absolute folder
# that holds them on stdout -- nothing else goes to stdout, so callers can do
#   export KUBEBUILDER_ASSETS=$(hack/setup-envtest.sh)
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces every staging
# module with ./staging/src/k8s.io/<name>. A wrapper module that requires
# k8s.io/kubernetes and maps each staging module to its published v0.X.Y
# release builds it. See docs/development.md.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.36.3}"
# The etcd that this Kubernetes release pins in its go.mod.
ETCD_VERSION="${ETCD_VERSION:-3.6.8}"
STAGING_VERSION="v0.${K8S_VERSION#1.}"

cache_root="${FHIRFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fhirfleet}"
dest="$cache_root/k8s/v${K8S_VERSION}-etcd-v${ETCD_VERSION}"
wanted=(kube-apiserver etcd)
[ "${WITH_CONTROLLER_MANAGER:-0}" = 1 ] && wanted+=(kube-controller-manager)
# make dev's kubectl: the same release as the control plane, never the machine's own.
[ "${WITH_KUBECTL:-0}" = 1 ] && wanted+=(kubectl)

missing=()
for b in "${wanted[@]}"; do [ -x "$dest/$b" ] || missing+=("$b"); done
if [ ${#missing[@]} -eq 0 ]; then
	echo "$dest"
	exit 0
fi

log() { echo "setup-envtest: $*" >&2; }
mkdir -p "$dest"
work="$cache_root/k8s/wrapper-v${K8S_VERSION}"
mkdir -p "$work"
# Serialise concurrent callers (make test and a developer's shell, say).
exec 9>"$work/.lock"
flock 9

log "fetching k8s.io/kubernetes v${K8S_VERSION} go.mod"
modfile=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[ -f "$modfile" ] || { log "could not download k8s.io/kubernetes@v${K8S_VERSION}"; exit 1; }

{
	echo "module fhirfleet.local/k8s-binaries"
	echo
	sed -n 's/^go /go /p' "$modfile" | head -1
	sed -n 's/^godebug /godebug /p' "$modfile" | head -1
	echo
	echo "require k8s.io/kubernetes v${K8S_VERSION}"
	echo "require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}"
	echo
	# Copy the require blocks verbatim (they pin what this release was tested with).
	awk '/^require \(/{on=1} on{print} on && /^\)/{on=0; print ""}' "$modfile"
	echo "replace ("
	sed -n 's#^\t\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/.*#\t\1 => \1 '"${STAGING_VERSION}"'#p' "$modfile"
	echo ")"
} >"$work/go.mod"
# The wrapper module needs one package of its own for `go build` to run in it.
cat >"$work/doc.go" <<'GO'
// Package binaries only anchors the wrapper module that builds Kubernetes.
package binaries
GO

# The release's version, as `kubectl version` reports it (a module build has
# no git metadata to take it from).
version_ldflags=""
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
	version_ldflags+=" -X $pkg.gitVersion=v${K8S_VERSION} -X $pkg.gitMajor=${K8S_VERSION%%.*} -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean"
done
build() { # build <output> <package>
	log "building $1 from $2 (this takes minutes on a small machine; cached afterwards)"
	(cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w${version_ldflags}" -o "$dest/$1.tmp" "$2")
	mv "$dest/$1.tmp" "$dest/$1"
}
for b in "${missing[@]}"; do
	case "$b" in
	kube-apiserver) build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver ;;
	kube-controller-manager) build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager ;;
	etcd) build etcd go.etcd.io/etcd/server/v3 ;;
	kubectl) build kubectl k8s.io/kubernetes/cmd/kubectl ;;
	esac
done
echo "$dest"
