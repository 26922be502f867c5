// Command gateway is make dev's ingress controller: one HTTP port
// (--listen, default 127.0.0.1:8080) serving every Ingress rule's host.
//
// A request is routed by its Host header (port ignored) and path, as the
// Ingress says: the rule of that host (or a wildcard *.suffix), its path of
// the longest match (Exact before Prefix; ImplementationSpecific as Prefix),
// the backend Service's port, and a ready endpoint of the Service's
// EndpointSlices (which hack/nodeagent fills with 127.0.0.1 and the pod's
// local port). The request is proxied there with its Host header unchanged
// and X-Forwarded-For/-Host/-Proto set; responses stream through unbuffered
// and no timeout is added, so long polls ($changes?_wait) work.
//
// A request for a Service's cluster name, <service>.<namespace>.svc[:port]
// (port 80 when absent), goes to that Service's port of that number: the node
// agent gives its processes HTTP_PROXY=<this gateway>, so that an aggregator
// following http://<endpoint>.<namespace>.svc:8080 reaches the server there,
// as no resolver here knows cluster names.
//
// No rule for the host or path: 404; no ready endpoint or the process
// refusing the connection: 502 — both as a FHIR OperationOutcome naming what
// was looked for. TLS sections of an Ingress are ignored (plain HTTP only).
// It writes 127.0.0.1 into each Ingress's status.loadBalancer, as an ingress
// controller publishes its address.
package main
