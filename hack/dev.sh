#!/usr/bin/env bash
# make dev: the whole product on this machine. Builds what is missing, then
# starts and supervises etcd, kube-apiserver, kube-controller-manager, the
# CRDs, bin/manager, the node agent (pods as local processes, hack/nodeagent)
# and the gateway (every Ingress host on one port, hack/gateway); applies
# config/dev/ (config/samples/ with patients logging in through make dev's
# own OpenID issuer, hack/devissuer), waits until every FhirEndpoint and
# FhirAggregator is Ready and prints what to do next. Ctrl-C (or SIGTERM)
# stops every process it started.
#
# All state is under DEV_STATE_DIR (default .dev/): etcd's data, the keys
# (the dev issuer's in issuer/), the kubeconfig, the volumes and logs/. A
# second run resumes from it; `make dev-clean` removes it. Ports (override
# for a second fleet, as the tests do): DEV_GATEWAY_PORT 8080,
# DEV_APISERVER_PORT 16443, DEV_ETCD_PORT 12379, DEV_ETCD_PEER_PORT
# (DEV_ETCD_PORT+1), DEV_MANAGER_PROBE_PORT 18081.
# DEV_READY_TIMEOUT (default 180) bounds the wait for Ready, in seconds.
set -euo pipefail

started_at=$(date +%s)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=$(mkdir -p "${DEV_STATE_DIR:-$root/.dev}" && cd "${DEV_STATE_DIR:-$root/.dev}" && pwd)
bin="$root/bin"
gateway_port=${DEV_GATEWAY_PORT:-8080}
apiserver_port=${DEV_APISERVER_PORT:-16443}
etcd_port=${DEV_ETCD_PORT:-12379}
etcd_peer_port=${DEV_ETCD_PEER_PORT:-$((etcd_port + 1))}
probe_port=${DEV_MANAGER_PROBE_PORT:-18081}
ready_timeout=${DEV_READY_TIMEOUT:-180}
logs="$state/logs"
kubeconfig="$state/kubeconfig"
kubectl=("$bin/kubectl" --kubeconfig "$kubeconfig")

say() { echo "make dev: $*" >&2; }
die() { say "$*"; exit 1; }

mkdir -p "$logs" "$state/pki"
chmod 700 "$state" "$state/pki"
# One fleet per state folder.
exec 8>"$state/.lock"
flock -n 8 || die "another make dev runs on $state (its lock is $state/.lock)"

# --- build what is missing (each step is cached) ---
say "building (cached after the first time)"
assets=$(WITH_CONTROLLER_MANAGER=1 WITH_KUBECTL=1 "$root/hack/setup-envtest.sh")
if ! cmp -s "$assets/kubectl" "$bin/kubectl"; then
	mkdir -p "$bin"
	cp "$assets/kubectl" "$bin/kubectl.tmp" && mv "$bin/kubectl.tmp" "$bin/kubectl"
fi
# As the images and `make build` build them: no cgo (smaller idle servers).
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$bin/" ./cmd/manager ./cmd/fhirserver ./cmd/aggregator ./hack/nodeagent ./hack/gateway ./hack/devissuer)

# --- processes: started in order, stopped in reverse, none left behind ---
pids=()
names=()
start() { # start <name> <command...>: runs in the background, output to logs/<name>.log
	local name=$1
	shift
	# In a session of its own, so that a Ctrl-C in the terminal reaches only
	# make dev, which stops the processes in reverse order: one that got the
	# terminal's SIGINT itself would exit at once and look like a crash.
	setsid "$@" >>"$logs/$name.log" 2>&1 &
	pids+=($!)
	names+=("$name")
}
stopping=0
stop_all() {
	stopping=1
	trap - INT TERM HUP
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[$i]}" 2>/dev/null || continue
		# The node agent drains its servers (up to their grace period).
		local deadline=$(($(date +%s) + 40))
		while kill -0 "${pids[$i]}" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
		if kill -0 "${pids[$i]}" 2>/dev/null; then
			say "${names[$i]} did not stop within 40 s: killing it"
			kill -KILL "${pids[$i]}" 2>/dev/null || true
		fi
		wait "${pids[$i]}" 2>/dev/null || true
	done
	say "stopped everything; state kept in $state (make dev resumes, make dev-clean forgets)"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all; exit 129' HUP
trap '[ $stopping = 1 ] || stop_all' EXIT

wait_until() { # wait_until <what> <seconds> <command...>
	local what=$1 secs=$2
	shift 2
	local deadline=$(($(date +%s) + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || die "$what not ready within ${secs}s (logs: $logs)"
		for i in "${!pids[@]}"; do
			kill -0 "${pids[$i]}" 2>/dev/null || die "${names[$i]} exited; see $logs/${names[$i]}.log: $(tail -5 "$logs/${names[$i]}.log")"
		done
		sleep 0.2
	done
}

# --- control plane ---
if [ ! -f "$state/pki/sa.key" ]; then
	openssl genrsa -out "$state/pki/sa.key" 2048 2>/dev/null
	openssl rsa -in "$state/pki/sa.key" -pubout -out "$state/pki/sa.pub" 2>/dev/null
	head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$state/pki/admin-token"
	chmod 600 "$state/pki/"*
fi
token=$(cat "$state/pki/admin-token")
echo "$token,admin,admin,system:masters" >"$state/pki/tokens.csv"
chmod 600 "$state/pki/tokens.csv"

start etcd "$assets/etcd" --name dev --data-dir "$state/etcd" \
	--listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
	--listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
	--initial-cluster "dev=http://127.0.0.1:$etcd_peer_port" --listen-metrics-urls "" --log-level warn
wait_until etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health"

# As envtest runs it (controller-runtime's defaults, ServiceAccount admission
# off: no pod gets a token here), with a static admin token.
start kube-apiserver "$assets/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
	--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
	--cert-dir "$state/pki/apiserver" --token-auth-file "$state/pki/tokens.csv" \
	--service-cluster-ip-range 10.96.0.0/16 --allow-privileged=true --authorization-mode RBAC \
	--disable-admission-plugins ServiceAccount \
	--service-account-issuer "https://127.0.0.1:$apiserver_port" \
	--service-account-key-file "$state/pki/sa.pub" --service-account-signing-key-file "$state/pki/sa.key"

cat >"$kubeconfig.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fhirfleet-dev
  cluster:
    server: https://127.0.0.1:$apiserver_port
    # The API server's certificate is self-signed and it listens on loopback only.
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: $token
contexts:
- name: fhirfleet-dev
  context: {cluster: fhirfleet-dev, user: admin}
current-context: fhirfleet-dev
EOF
chmod 600 "$kubeconfig.tmp"
mv "$kubeconfig.tmp" "$kubeconfig"
wait_until kube-apiserver 60 "${kubectl[@]}" get --raw /readyz

"${kubectl[@]}" apply --server-side --force-conflicts -f "$root/config/crd/bases" >>"$logs/dev.log"
"${kubectl[@]}" wait --for condition=established --timeout 60s -f "$root/config/crd/bases" >>"$logs/dev.log"

# After the CRDs: its garbage collector only notices kinds that exist when
# it starts (or at its next discovery, 30 s later), and deleting a
# FhirEndpoint must take its StatefulSet along at once.
# Off: the endpoint controllers (the node agent publishes the processes' own
# ports), the volume binder (the agent binds claims to folders) and node
# lifecycle (one local node, always there).
start kube-controller-manager "$assets/kube-controller-manager" --kubeconfig "$kubeconfig" \
	--leader-elect=false --secure-port 0 --service-account-private-key-file "$state/pki/sa.key" \
	--kube-api-qps 100 --kube-api-burst 200 --concurrent-statefulset-syncs 10 \
	--controllers '*,-endpoint,-endpointslice,-endpointslicemirroring,-persistentvolume-binder,-persistentvolume-expander,-nodelifecycle,-nodeipam'


# --- the product ---
start manager "$bin/manager" --kubeconfig "$kubeconfig" --base-domain localhost --url-scheme http \
	--url-port "$gateway_port" --metrics-bind-address 0 --health-probe-bind-address "127.0.0.1:$probe_port" \
	--metrics-namespace ""
start nodeagent "$bin/nodeagent" --kubeconfig "$kubeconfig" --state-dir "$state" --bin-dir "$bin" \
	--http-proxy "http://127.0.0.1:$gateway_port"
start gateway "$bin/gateway" --kubeconfig "$kubeconfig" --listen "127.0.0.1:$gateway_port"
wait_until manager 60 curl -sf "http://127.0.0.1:$probe_port/readyz"

# --- the samples (config/dev/: config/samples/ and the dev issuer): namespaces first ---
samples=()
for f in "$root"/config/samples/*.yaml; do
	[ "$(basename "$f")" = kustomization.yaml ] || samples+=("$f")
done
for ns in $(sed -n 's/^  namespace: *//p' "${samples[@]}" | sort -u) fhirfleet-system; do
	"${kubectl[@]}" create namespace "$ns" --dry-run=client -o yaml | "${kubectl[@]}" apply -f - >>"$logs/dev.log"
done
# The FhirAggregator's patients log in with make dev's own OpenID issuer:
# its key is made once and kept in the state folder (so ID tokens minted
# earlier keep verifying), its public JWK Set goes into the Secret that
# config/dev/ names in patientAccess.jwksSecret.
jwks=$("$bin/devissuer" keys --dir "$state/issuer")
"${kubectl[@]}" -n fhirfleet-system create secret generic dev-patient-issuer --from-file=jwks.json="$jwks" \
	--dry-run=client -o yaml | "${kubectl[@]}" apply -f - >>"$logs/dev.log"
"${kubectl[@]}" apply -k "$root/config/dev" >>"$logs/dev.log" 2>&1 || die "apply config/dev: $(tail -5 "$logs/dev.log")"

say "waiting until every FhirEndpoint and FhirAggregator is Ready"
deadline=$(($(date +%s) + ready_timeout))
until "${kubectl[@]}" wait --for condition=Ready fhe,fha --all -A --timeout 2s >/dev/null 2>&1; do
	[ "$(date +%s)" -lt "$deadline" ] || die "not every FhirEndpoint and FhirAggregator is Ready within ${ready_timeout}s: $("${kubectl[@]}" get fhe,fha -A 2>&1)"
	for i in "${!pids[@]}"; do
		kill -0 "${pids[$i]}" 2>/dev/null || die "${names[$i]} exited; see $logs/${names[$i]}.log"
	done
done
# A resumed fleet's endpoints say Ready from before: the answer through the
# gateway is what counts.
for url in $("${kubectl[@]}" get fhe,fha -A -o jsonpath='{.items[*].status.url}'); do
	wait_until "$url" 60 curl -sf "$url/metadata"
done
ready_after=$(($(date +%s) - started_at))

# --- what to do next ---
endpoints=$("${kubectl[@]}" get fhe -A -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.status.fhirVersion}{" "}{.status.url}{" "}{.status.tokenURL}{" "}{.status.credentialsSecret}{" "}{.spec.customer}{"\n"}{end}')
read -r first_ns first_name _ first_url first_token first_secret first_customer <<<"$(head -1 <<<"$endpoints")"
hosts=$("${kubectl[@]}" get ingress -A -o jsonpath='{range .items[*]}{range .spec.rules[*]}{.host}{" "}{end}{end}')
read -r agg_ns agg_name agg_url <<<"$("${kubectl[@]}" get fha -A -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.status.url}{"\n"}{end}' | head -1)"
agg_origin=${agg_url%/fhir}
# The Patient the first create below makes, whose ID token the dev issuer signs.
nhs=9000000009
k="$bin/kubectl --kubeconfig $kubeconfig"
token_of="sed -n 's/.*\"access_token\": *\"\\([^\"]*\\)\".*/\\1/p'"
cat <<EOF

fhirfleet is running: every FhirEndpoint and the FhirAggregator Ready ${ready_after}s after make dev started.
State: $state   Logs: $logs/

Endpoints (namespace, name, version, FHIR base):
$(awk '{printf "  %-10s %-20s %-5s %s\n", $1, $2, $3, $4}' <<<"$endpoints")

Aggregated endpoint: ${agg_url:-none (no FhirAggregator: $k get fha -A)}

Try it:
  $k get fhe -A
  CLIENT_ID=\$($k -n $first_ns get secret $first_secret -o jsonpath='{.data.client_id}' | base64 -d)
  CLIENT_SECRET=\$($k -n $first_ns get secret $first_secret -o jsonpath='{.data.client_secret}' | base64 -d)
  TOKEN=\$(curl -s -u "\$CLIENT_ID:\$CLIENT_SECRET" -d grant_type=client_credentials $first_token | $token_of)
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/fhir+json' -d '{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"$nhs"}],"name":[{"family":"Smith"}]}' $first_url/Patient

EOF
if [ -n "$agg_url" ]; then
	cat <<EOF
Read it aggregated (R4, every feed mapped and merged) as customer $first_customer, a moment later:
  AGG_ID=\$($k -n $agg_ns get secret $agg_name-client-$first_customer -o jsonpath='{.data.client_id}' | base64 -d)
  AGG_SECRET=\$($k -n $agg_ns get secret $agg_name-client-$first_customer -o jsonpath='{.data.client_secret}' | base64 -d)
  AGG_TOKEN=\$(curl -s -u "\$AGG_ID:\$AGG_SECRET" -d grant_type=client_credentials $agg_origin/oauth2/token | $token_of)
  curl -s -H "Authorization: Bearer \$AGG_TOKEN" '$agg_url/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number%7C$nhs'

As the patient: an ID token of make dev's own OpenID issuer (hack/devissuer), exchanged for an access token:
  ID_TOKEN=\$($bin/devissuer token --dir $state/issuer --nhs-number $nhs)
  PATIENT_TOKEN=\$(curl -s -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange -d subject_token_type=urn:ietf:params:oauth:token-type:id_token --data-urlencode "subject_token=\$ID_TOKEN" $agg_origin/oauth2/token | $token_of)
  curl -s -H "Authorization: Bearer \$PATIENT_TOKEN" $agg_url/Patient

EOF
fi
cat <<EOF
curl resolves *.localhost by itself; for other clients (Node, Go, Python) add this line to /etc/hosts:
  127.0.0.1 $hosts

Ctrl-C stops everything; make dev again resumes; make dev-clean forgets it all.
EOF

# --- supervise: any process ending stops the fleet ---
while true; do
	set +e
	wait -n "${pids[@]}"
	set -e
	for i in "${!pids[@]}"; do
		if ! kill -0 "${pids[$i]}" 2>/dev/null; then
			die "${names[$i]} exited unexpectedly; stopping the fleet. Its log: $logs/${names[$i]}.log"
		fi
	done
done
