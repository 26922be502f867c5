// Command images assembles the OCI images of manager, fhirserver and
// aggregator without a container daemon (`make images`): each is a static
// binary on an empty base that holds only CA certificates, /etc/passwd and
// /etc/group for the nonroot user 65532, and /tmp. It writes an OCI image
// layout (for registries and skopeo) and a `docker save` tarball (for
// `docker load` and `podman load`) of each under dist/images/.
//
// The images are reproducible: the same commit and the same CA bundle give
// the same digests, because file times in the layers are fixed and the
// creation time comes from SOURCE_DATE_EPOCH or the commit.
package main
