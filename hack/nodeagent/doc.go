// Command nodeagent is make dev's kubelet: it runs the pods of a local
// fhirfleet control plane as processes on this machine, because no container
// runtime exists here. Everything around it (kube-apiserver, the StatefulSet
// controller, the operator) is the real component; only "run this pod" is
// simulated, and as little as possible.
//
// It registers one Node (Ready) and binds every unscheduled pod to it (there is
// no scheduler). For each pod bound to it, it starts the binary from --bin-dir
// that the image names: an image whose name contains "aggregator" runs
// bin/aggregator, one containing "fhirserver" runs bin/fhirserver (so the
// aggregator's StatefulSet is picked up as soon as it exists). The container's
// command and args are the process's arguments (the first command word is the
// binary), its env the process's environment (valueFrom: secretKeyRef,
// configMapKeyRef and fieldRef metadata.name/namespace, status.podIP,
// spec.nodeName).
//
// Volumes become folders under --state-dir, and every argument or environment
// value naming a mount path (or a file below it) is rewritten to the folder:
//   - secret and projected secret volumes: <state>/pods/<ns>_<pod>/<volume>/,
//     files 0600 in folders 0700, rewritten whenever the Secret changes (so a
//     rotated credential reaches the server as it would in a cluster);
//   - persistentVolumeClaim: <state>/volumes/<ns>/<claim>/, kept across restarts
//     and pod deletions and removed only when the claim is gone (the reclaim
//     policy Delete of a real provisioner). The claim is marked Bound with the
//     requested capacity, as a volume provisioner would;
//   - emptyDir: <state>/pods/<ns>_<pod>/<volume>/, removed with the pod.
//
// Every container port gets a free loopback port. Listen addresses in the
// arguments (":8080", "0.0.0.0:9090") become 127.0.0.1:<port>, and a binary not
// told where to listen gets <BINARY>_LISTEN (fhirserver and aggregator read
// their flags from the environment too). The mapping is on the pod as the
// annotation dev.fhirfleet.io/ports ({"http":40123,...}), and every Service
// selecting the pod gets an EndpointSlice (managed by this agent) whose port
// numbers are the local ports, so that the gateway (hack/gateway) and anyone
// reading EndpointSlices reach the process. Its address is the name
// dev.localhost (type FQDN): the API server refuses loopback IPs there, and
// every name under .localhost is loopback (RFC 6761). The API server calls
// FQDN EndpointSlices deprecated (still served by the pinned release); the
// pod's IP is 127.0.0.1.
//
// The pod's status is what a kubelet reports: phase, the readinessProbe
// (HTTP GET, polled every --probe-interval until it passes, then every
// periodSeconds as a kubelet does, on a new connection each time) as the
// Ready condition, the
// container state, restartCount. A process that exits is restarted with
// back-off (1 s doubling up to 30 s, reset after a minute of running); a pod
// being deleted gets SIGTERM, up to its grace period, then SIGKILL, and is
// then removed. Each process's output goes to <state>/logs/<ns>_<pod>.log.
//
// With --http-proxy (make dev: the gateway) every process gets HTTP_PROXY,
// so that plain HTTP to a Service's cluster name (<svc>.<ns>.svc:<port>), which
// no resolver here knows, reaches the Service's process through the gateway.
//
// Until a pod is first Ready its readinessProbe is polled every
// --probe-interval: what a kubelet gives the operator's pods, whose startup
// probe passes every second and is followed at once by a readiness probe.
//
// The livenessProbe (HTTP GET) runs every periodSeconds once the pod has
// been Ready, a probe slower than timeoutSeconds (default 1) fails, and
// failureThreshold failures in a row restart the process, as a kubelet's
// would.
//
// Not simulated: startup probes, resource limits, init and
// sidecar containers (only the first container runs), the pod's security
// context and network policy (every process runs as this user on loopback),
// and in-cluster credentials: an aggregator is given --kubeconfig (through
// AGGREGATOR_KUBECONFIG) pointing at the agent's own kubeconfig.
package main
