# trustvault: make demo | make test | make build | make bench | make fuzz
GO       ?= go
TOOLS    := $(CURDIR)/.tools/bin
BIN      := bin/trustvault
FUZZTIME ?= 20s

# Tools installed by .ci/setup (the notary CLI) come first on PATH.
export PATH := $(TOOLS):$(PATH)

.PHONY: all build demo test bench fuzz clean

all: build

# piv-go reaches Yubikeys through libpcsclite (cgo); without its headers
# trustvault is built without Yubikey support, and says so.
build:
	@if pkg-config --exists libpcsclite 2>/dev/null; then \
		echo "$(GO) build -o $(BIN) ./cmd/trustvault"; $(GO) build -o $(BIN) ./cmd/trustvault; \
	else \
		echo "build: libpcsclite-dev is missing; building without Yubikey support (CGO_ENABLED=0)"; \
		CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/trustvault; \
	fi

# A freshly generated demo vault in a temporary directory.
demo:
	.ci/setup demo
	@$(MAKE) --no-print-directory build
	$(BIN) --demo

# Installs the notary CLI into .tools/bin and Debian's docker.io and tmux
# when missing, then vets and runs every test, the interop tests with the
# real notary and docker CLIs included.
test:
	.ci/setup test
	$(GO) vet ./...
	TRUSTVAULT_REQUIRE_INTEROP=1 $(GO) test -count=1 -timeout 45m ./...

# trustvault list --json against notary key list on 10,000 keys; trustvault
# backup of 10,000 keys to two drives (loop-mounted when root) with its
# read-back verification against tar czf to both + sync + read-back; then
# the Go benchmarks. Fails, after running everything, when a goal was missed.
bench:
	.ci/setup bench
	$(GO) build -o $(BIN) ./cmd/trustvault
	@status=0; \
	$(GO) run ./cmd/trustvault/internal/benchstore -trustvault $(BIN) -notary $(TOOLS)/notary -keys 10000 || status=1; \
	$(GO) run ./cmd/trustvault/internal/benchbackup -trustvault $(BIN) -keys 10000 || status=1; \
	$(GO) test -run '^$$' -bench . -benchmem ./vault/... ./ui/... ./cmd/... || status=1; \
	exit $$status

# A short run of every Fuzz target (FUZZTIME each) in FUZZPKGS. Every
# target runs even when one fails; the failures are listed at the end, and
# then make fails.
FUZZPKGS ?= ./...
fuzz:
	@failed=""; n=0; \
	for pkg in $$($(GO) list $(FUZZPKGS)); do \
		targets=$$($(GO) test -list '^Fuzz' $$pkg) || { failed="$$failed $$pkg(build)"; continue; }; \
		for target in $$(echo "$$targets" | grep '^Fuzz'); do \
			n=$$((n+1)); echo "fuzz $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || failed="$$failed $$pkg.$$target"; \
		done; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: $$n targets, these failed (their inputs are in testdata/fuzz):"; \
		for f in $$failed; do echo "  $$f"; done; \
		exit 1; \
	fi; \
	echo "fuzz: $$n targets, all clean"

clean:
	rm -rf bin
