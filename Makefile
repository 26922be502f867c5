# fhirfleet — build, test and generate. `make help` lists the targets.

LOCALBIN ?= $(shell pwd)/bin
GO ?= go
# Binaries are built as the images build them (Dockerfile*): without cgo, so
# Pebble's zstd is the pure-Go one and no libc is mapped — an idle fhirserver
# is ~5 MB smaller than a cgo build (BENCHMARKS.md, "Idle memory").
GOBUILD ?= CGO_ENABLED=0 $(GO) build -trimpath
# Expensive things built or fetched once live outside the checkout, so a fresh
# clone (as in CI) reuses them.
FHIRFLEET_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/fhirfleet
export FHIRFLEET_CACHE

## Tool versions (pinned; installed into bin/ by `go install`).
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.0
GOLANGCI_LINT_VERSION ?= v2.15.0
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)

# The control plane for envtest is built from source (hack/setup-envtest.sh);
# envtest on 2 cores needs longer than its default to start it.
export KUBEBUILDER_CONTROLPLANE_START_TIMEOUT ?= 60s

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: dev
dev: ## Run the whole product locally: control plane, operator, servers as processes, gateway on :8080 (hack/dev.sh).
	@hack/dev.sh

.PHONY: dev-clean
dev-clean: ## Forget make dev's state (.dev/: etcd data, volumes, logs).
	rm -rf .dev

.PHONY: setup
setup: tools envtest fhir-packages build ## Set up a development machine: tools, control plane, FHIR packages, binaries.

##@ Development

.PHONY: fmt
fmt: ## Run gofmt over the code.
	$(GO) fmt ./...

.PHONY: vet
vet: ## Run go vet.
	$(GO) vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (config: .golangci.yml).
	$(GOLANGCI_LINT) run ./...

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate DeepCopy code for the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRD and RBAC manifests.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./api/...;./controllers/..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate-fhir
generate-fhir: ## Regenerate fhirserver/defs/generated from the official FHIR packages (needs npm).
	$(GO) run ./hack/gendefs -packages "$$(hack/fhir-packages.sh)" -out fhirserver/defs/generated

.PHONY: fhir-packages
fhir-packages: ## Fetch the official FHIR packages into the cache (needs npm).
	@hack/fhir-packages.sh

.PHONY: envtest
envtest: ## Build kube-apiserver, etcd, kube-controller-manager and kubectl from source into the cache.
	@WITH_CONTROLLER_MANAGER=1 WITH_KUBECTL=1 hack/setup-envtest.sh

.PHONY: test
test: vet lint ## Run the whole test suite (the README's and CI's test command).
	KUBEBUILDER_ASSETS="$$(WITH_CONTROLLER_MANAGER=1 WITH_KUBECTL=1 hack/setup-envtest.sh)" \
	FHIRFLEET_FHIR_PACKAGES="$$(hack/fhir-packages.sh)" \
	$(GO) test ./... -count=1 -timeout 45m

.PHONY: crash-test
crash-test: ## Run the kill -9 crash test for many rounds (make test runs 3).
	FHIRFLEET_CRASH_ROUNDS=$${FHIRFLEET_CRASH_ROUNDS:-25} $(GO) test ./test/e2e/ -run TestCrashKeepsAcknowledgedWrites -count=1 -v -timeout 30m

.PHONY: crash-test-aggregator
crash-test-aggregator: ## Kill -9 the aggregator for many rounds under live writers (make test runs 20).
	AGG_CRASH_ROUNDS=$${AGG_CRASH_ROUNDS:-200} $(GO) test ./test/e2e/ -run TestAggregatorCrash -count=1 -v -timeout 60m

.PHONY: bench
bench: ## Run the benchmarks and write the figures to BENCHMARKS.md.
	hack/bench.sh

.PHONY: pgo
pgo: ## Re-profile the fhirserver under make bench's four HTTP workloads into cmd/fhirserver/default.pgo (its PGO profile).
	hack/pgo.sh

##@ Build

.PHONY: build
build: ## Build bin/manager, bin/fhirserver and bin/aggregator (and make dev's bin/nodeagent, bin/gateway).
	$(GOBUILD) -o $(LOCALBIN)/manager ./cmd/manager
	$(GOBUILD) -o $(LOCALBIN)/fhirserver ./cmd/fhirserver
	$(GOBUILD) -o $(LOCALBIN)/aggregator ./cmd/aggregator
	$(GOBUILD) -o $(LOCALBIN)/nodeagent ./hack/nodeagent
	$(GOBUILD) -o $(LOCALBIN)/gateway ./hack/gateway

.PHONY: images
images: ## Assemble OCI images of the three binaries in dist/images/ (no daemon; needs the ca-certificates package).
	$(GO) run ./hack/images -go $(GO) -out dist/images

.PHONY: build-installer
build-installer: manifests $(KUSTOMIZE) ## Write dist/install.yaml: CRD, RBAC and the manager.
	mkdir -p dist
	$(KUSTOMIZE) build config/default > dist/install.yaml

##@ Tools

.PHONY: tools
tools: $(CONTROLLER_GEN) $(KUSTOMIZE) $(GOLANGCI_LINT) ## Install the pinned tools into bin/.

$(CONTROLLER_GEN):
	GOBIN=$(LOCALBIN) $(GO) install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/controller-gen $@

$(KUSTOMIZE):
	GOBIN=$(LOCALBIN) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv $(LOCALBIN)/kustomize $@

$(GOLANGCI_LINT):
	GOBIN=$(LOCALBIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(LOCALBIN)/golangci-lint $@
