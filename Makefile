# trustvault: make demo | make test | make build | make bench | make fuzz | make package
GO       ?= go
TOOLS    := $(CURDIR)/.tools/bin
BIN      := bin/trustvault
FUZZTIME ?= 20s

# Tools installed by .ci/setup (the notary CLI) come first on PATH.
export PATH := $(TOOLS):$(PATH)

NFPM     := github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
# A Debian version must start with a digit: the tag without its "v", else
# 0.0.0+git<commit>.
VERSION  ?= $(shell v=$$(git describe --tags --exact-match 2>/dev/null | sed 's/^v//'); \
	[ -n "$$v" ] && echo "$$v" || echo "0.0.0+git$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)")
ARCH     ?= $(shell $(GO) env GOARCH)
PKGDIR   := $(CURDIR)/bin/pkg
DEB      := bin/trustvault_$(VERSION)_$(ARCH).deb

.PHONY: all build demo test bench bench-1m fuzz package package-test clean

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
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory package-test; \
	else echo "test: package-test skipped (dpkg -i needs root; CI runs it)"; fi

# Every ratio side by side (benchspeed: start-up, list --json on 10,000 and
# 100,000 keys, unlocking a hardened key; benchbackup: backup of 10,000 keys
# to two drives, verified; benchtui: the interactive view on 100,000 keys
# through a pty, and every keystroke benchmark against 2 ms), then the Go
# benchmarks (ui keystrokes, the KDF).
# Fails, after running everything, when a goal was missed.
bench:
	.ci/setup bench
	@$(MAKE) --no-print-directory build
	@pkg-config --exists libpcsclite 2>/dev/null || export CGO_ENABLED=0; \
	status=0; \
	$(GO) run ./cmd/trustvault/internal/benchspeed -trustvault $(BIN) -notary $(TOOLS)/notary || status=1; \
	$(GO) run ./cmd/trustvault/internal/benchbackup -trustvault $(BIN) -keys 10000 -ratio 1.1 || status=1; \
	$(GO) run ./cmd/trustvault/internal/benchtui -trustvault $(BIN) || status=1; \
	$(GO) test -run '^$$' -bench . -benchmem ./vault/... ./ui/... ./cmd/... || status=1; \
	exit $$status

# The same with a 1,000,000-key store listed and doctored (about 4 GB of
# files in $TMPDIR/trustvault-bench; kept for the next run).
bench-1m:
	.ci/setup bench
	@$(MAKE) --no-print-directory build
	@pkg-config --exists libpcsclite 2>/dev/null || export CGO_ENABLED=0; \
	$(GO) run ./cmd/trustvault/internal/benchspeed -trustvault $(BIN) -notary $(TOOLS)/notary -million

# The Debian package: the binary (with Yubikey support, so libpcsclite-dev
# is needed to build it), completions for bash, zsh and fish, and a man page
# per command generated from the commands (gendocs.go).
package:
	@pkg-config --exists libpcsclite || { echo "package: libpcsclite-dev is needed (the package's binary links libpcsclite1): run .ci/setup demo"; exit 1; }
	rm -rf $(PKGDIR) && mkdir -p $(PKGDIR)/man $(PKGDIR)/completions
	$(GO) build -trimpath -ldflags "-s -w -X github.com/trustvault/trustvault/vault.buildVersion=$(VERSION)" -o $(PKGDIR)/trustvault ./cmd/trustvault
	$(PKGDIR)/trustvault completion bash > $(PKGDIR)/completions/trustvault.bash
	$(PKGDIR)/trustvault completion zsh > $(PKGDIR)/completions/_trustvault
	$(PKGDIR)/trustvault completion fish > $(PKGDIR)/completions/trustvault.fish
	$(GO) run -tags gendocs -ldflags "-X github.com/trustvault/trustvault/vault.buildVersion=$(VERSION)" ./cmd/trustvault gen-man $(PKGDIR)/man
	gzip -9n $(PKGDIR)/man/*.1
	cp README.md $(PKGDIR)/README.md
	VERSION=$(VERSION) ARCH=$(ARCH) $(GO) run $(NFPM) package -f .ci/nfpm.yaml -p deb -t $(DEB)
	@echo "package: $(DEB)"

# Installs the package with dpkg -i (as root), runs trustvault --version and
# man trustvault, and removes it.
package-test: package
	.ci/package-test $(DEB) $(VERSION)

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
