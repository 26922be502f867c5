# syntax=docker/dockerfile:1
# The fhirfleet manager (cmd/manager): a static Go binary on distroless, non-root.
# Build from the repository root:  docker build -t ghcr.io/fhirfleet/manager:dev .

# Compile on the build machine's platform and cross-compile for the target:
# CGO is off, so the binary is static and needs no libc in the final image.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH
WORKDIR /src
# Modules first, so a code change does not re-download them.
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY controllers/ controllers/
COPY cmd/manager/ cmd/manager/
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/manager ./cmd/manager

# distroless/static: no shell, no package manager, CA certificates and
# /etc/passwd with the nonroot user (65532) only.
FROM gcr.io/distroless/static:nonroot
# The labels and layout match `make images` (hack/images), which builds the
# same image without Docker.
LABEL org.opencontainers.image.title="manager" \
      org.opencontainers.image.source="https://github.com/fhirfleet/fhirfleet"
COPY --from=build /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
