#!/usr/bin/env bash
# Tenant density: N FhirEndpoints (default 500) in one make dev fleet on this
# machine. Starts hack/dev.sh on a temporary state folder and its own ports,
# applies N R4 endpoints at once, and reports (as a Markdown block on stdout,
# progress on stderr):
#   - the time from the apply until every endpoint is Ready;
#   - the resident memory of the N server processes once idle (total, median,
#     largest) and the manager's;
#   - the idle CPU of the servers and of the rest of the fleet (control plane,
#     manager, node agent, gateway) over DENSITY_IDLE_SECONDS (default 60: two probe periods,
#     one of the aggregator's 55 s long polls and every minute-long timer),
#     in % of one core.
# Then it stops the fleet and removes the folder; it gives up (exit 1) if the
# machine's available memory falls below DENSITY_MIN_FREE_MB (3000).
# Usage: hack/density.sh [N]
set -euo pipefail

n=${1:-500}
idle_seconds=${DENSITY_IDLE_SECONDS:-60}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
state="$work/dev"
# Its own ports, below both the kernel's ephemeral range (an outgoing
# connection's source port would keep them from binding) and the node
# agent's pod ports (20000 up).
gateway_port=${DENSITY_GATEWAY_PORT:-17080}
say() { echo "density: $*" >&2; }

DEV_STATE_DIR="$state" DEV_GATEWAY_PORT="$gateway_port" DEV_APISERVER_PORT=${DENSITY_APISERVER_PORT:-16443} \
	DEV_ETCD_PORT=${DENSITY_ETCD_PORT:-12379} DEV_ETCD_PEER_PORT=${DENSITY_ETCD_PEER_PORT:-12380} \
	DEV_MANAGER_PROBE_PORT=${DENSITY_PROBE_PORT:-17081} \
	"$root/hack/dev.sh" >"$work/dev.out" 2>"$work/dev.err" &
dev_pid=$!
cleanup() {
	kill -TERM "$dev_pid" 2>/dev/null || true
	wait "$dev_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
until grep -q "Ctrl-C stops everything" "$work/dev.out"; do
	kill -0 "$dev_pid" 2>/dev/null || { cat "$work/dev.err" >&2; exit 1; }
	sleep 0.5
done
k=("$root/bin/kubectl" --kubeconfig "$state/kubeconfig")
"${k[@]}" create namespace density >/dev/null

say "applying $n FhirEndpoints"
for i in $(seq -w 1 "$n"); do
	printf 'apiVersion: fhir.fhirfleet.io/v1alpha1\nkind: FhirEndpoint\nmetadata: {name: t%s, namespace: density}\nspec: {customer: t%s, feed: main, fhirVersion: R4}\n---\n' "$i" "$i"
done >"$work/endpoints.yaml"
start=$(date +%s.%N)
"${k[@]}" apply -f "$work/endpoints.yaml" >/dev/null
ready=0
while [ "$ready" -lt "$n" ]; do
	sleep 2
	kill -0 "$dev_pid" 2>/dev/null || { say "make dev stopped: $(tail -3 "$work/dev.err")"; exit 1; }
	# A shared machine: stop before the fleet starves everyone else.
	avail_mb=$(awk '/^MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
	if [ "$avail_mb" -lt "${DENSITY_MIN_FREE_MB:-3000}" ]; then
		say "only ${avail_mb} MiB of memory left with $ready of $n Ready: stopping"
		exit 1
	fi
	ready=$("${k[@]}" get fhe -n density -o jsonpath='{range .items[*]}{range .status.conditions[?(@.type=="Ready")]}{.status}{"\n"}{end}{end}' | grep -c True || true)
	say "$ready of $n Ready after $(printf '%.0f' "$(echo "$(date +%s.%N) - $start" | bc)")s"
done
ready_seconds=$(printf '%.0f' "$(echo "$(date +%s.%N) - $start" | bc)")

# The processes: servers name their volume under the state folder; the rest
# of the fleet names the state folder (etcd its data, the others the kubeconfig).
servers=() others=() manager=""
for d in /proc/[0-9]*; do
	cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) || continue
	case "$cmd" in
	*"$state/volumes/density/"*) servers+=("${d#/proc/}") ;;
	*"bin/manager "*"$state/"*) manager=${d#/proc/}; others+=("$manager") ;;
	*"$state"*) others+=("${d#/proc/}") ;;
	esac
done
say "${#servers[@]} server processes; idle for ${idle_seconds}s"
sleep 10
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# RssAnon: a process's own pages, without the binary's file pages that every
# fhirserver shares through the page cache.
anon_kb() { awk '/^RssAnon/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ns() { # cpu_ns <pid...>: time on a CPU in ns, summed over every thread
	# (schedstat is exact; /proc/<pid>/stat's ticks sample at 10 ms and
	# miss or overcount the sub-millisecond wake-ups an idle server has).
	local p
	for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done | awk '{s += $1} END {printf "%.0f\n", s}'
}
s0=$(cpu_ns "${servers[@]}") o0=$(cpu_ns "${others[@]}")
sleep "$idle_seconds"
s1=$(cpu_ns "${servers[@]}") o1=$(cpu_ns "${others[@]}")
server_cpu=$(echo "scale=2; 100 * ($s1 - $s0) / 1000000000 / $idle_seconds" | bc)
other_cpu=$(echo "scale=2; 100 * ($o1 - $o0) / 1000000000 / $idle_seconds" | bc)
mapfile -t rss < <(for p in "${servers[@]}"; do rss_kb "$p"; done | sort -n)
mapfile -t anon < <(for p in "${servers[@]}"; do anon_kb "$p"; done | sort -n)
anon_total_kb=0
for r in "${anon[@]}"; do anon_total_kb=$((anon_total_kb + r)); done
total_kb=0
for r in "${rss[@]}"; do total_kb=$((total_kb + r)); done
median_kb=${rss[$((${#rss[@]} / 2))]}
max_kb=${rss[$((${#rss[@]} - 1))]}
manager_kb=$(rss_kb "$manager")
mib() { echo "scale=1; $1 / 1024" | bc; }

cat <<EOF
### Tenant density ($n FhirEndpoints, one make dev fleet)

Measured by \`hack/density.sh $n\` on $(nproc) cores, $(date -u +%Y-%m-%d); servers are \`bin/fhirserver\` with the
operator's defaults (\`--cache-size\` default), empty stores, run by the node agent.

| figure | value | target |
|---|---|---|
| all $n Ready, from \`kubectl apply\` | ${ready_seconds} s | ≤ 300 s |
| server RSS, idle: total | $(mib "$total_kb") MiB | |
| server RSS, idle: median / largest | $(mib "$median_kb") / $(mib "$max_kb") MiB | ≤ 25 MB each |
| server RssAnon (its own pages; the binary's are shared), idle: total / median | $(mib "$anon_total_kb") / $(mib "${anon[$((${#anon[@]} / 2))]}") MiB | |
| idle CPU of the $n servers (${idle_seconds} s) | ${server_cpu} % of one core | ≤ 5 % |
| idle CPU of the rest (control plane, manager, node agent, gateway) | ${other_cpu} % of one core | |
| manager RSS | $(mib "$manager_kb") MiB | |
EOF
