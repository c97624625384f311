# Latchkey: `make run` opens the desktop console, `make test` runs every test.
# Both install what a fresh Debian machine with Go and Node lacks.

SHELL      := /bin/bash
GO         ?= go
BIN        := build/bin/latchkey
DATA       ?= $(HOME)/.local/share/latchkey
ADDR       ?= 127.0.0.1:8421
APT_PKGS   := libgtk-3-dev libwebkit2gtk-4.0-dev pkg-config
TEST_PKGS  := xvfb xauth xdotool chromium imagemagick postgresql wrk systemd
FUZZTIME   ?= 5s
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS    := -X github.com/latchkey/latchkey/app.Version=$(VERSION) -X github.com/latchkey/latchkey/app.Commit=$(COMMIT)
# Package versions come from git tags (v1.2.3, or 1.2.3+4.gabc1234 past one);
# with no tag, 0.0.0+<commit>.
PKG_VERSION ?= $(shell v=$$(git describe --tags --match 'v[0-9]*' 2>/dev/null) && echo "$$v" | sed -E 's/^v//; s/-([0-9]+)-g([0-9a-f]+)$$/+\1.g\2/' || echo "0.0.0+$$(git rev-parse --short HEAD 2>/dev/null || echo unknown)")
DIST       := build/dist
# The developer tools (the Wails CLI, staticcheck) live in their own module,
# so their dependencies stay out of the product's go.mod.
TOOL       := $(GO) tool -modfile=tools/go.mod

.PHONY: run serve build build-server package package-deb package-windows test-package deps test-deps frontend test test-go test-fuzz test-frontend \
        test-browser test-desktop lint lint-go lint-frontend bench bench-deps clean

## run: install what is missing, build, and open the desktop console
run:
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found: the desktop console needs a graphical session. Run 'make serve' and open http://$(ADDR)/console/ in a browser."; \
	  exit 1; fi
	@$(MAKE) --no-print-directory build
	$(BIN) --data "$(DATA)"

## serve: build and run headless, console at http://$(ADDR)/console/
serve: build
	$(BIN) serve --addr $(ADDR) --data "$(DATA)"

## build: the desktop binary at build/bin/latchkey (it runs every subcommand)
build: deps
	$(TOOL) wails build -s -m -nosyncgomod -skipbindings -ldflags "$(LDFLAGS)" -o latchkey >/dev/null
	@echo "built $(BIN)"

## build-server: the headless server at build/bin/latchkey-server: static (CGO_ENABLED=0),
## no Wails window, no GUI libraries needed; every subcommand but the desktop
build-server: frontend
	CGO_ENABLED=0 $(GO) build -tags server -trimpath -ldflags "-s -w $(LDFLAGS)" -o $(BIN)-server .
	@echo "built $(BIN)-server"

## package: the Debian packages in build/dist (latchkey: the desktop app;
## latchkey-server: the static server with its hardened systemd unit), and the
## Windows desktop build (package-windows); nfpm is a Go tool in tools/go.mod
package: package-deb package-windows

package-deb: build build-server
	@mkdir -p $(DIST)
	PKG_VERSION=$(PKG_VERSION) $(TOOL) nfpm package --config build/package/nfpm-server.yaml --packager deb --target $(DIST)/latchkey-server_$(PKG_VERSION)_amd64.deb
	PKG_VERSION=$(PKG_VERSION) $(TOOL) nfpm package --config build/package/nfpm-desktop.yaml --packager deb --target $(DIST)/latchkey_$(PKG_VERSION)_amd64.deb

## package-windows: the desktop app for windows/amd64 (no cgo) at build/bin/latchkey.exe,
## with the icon and version resource from build/windows (about 10 min wall on a busy 2-core box, 75 s of CPU);
## the version resource says PKG_VERSION: build/windows/info.json (ignored) is rendered from info.tmpl.json
package-windows: frontend
	sed 's|@VERSION@|$(PKG_VERSION)|g' build/windows/info.tmpl.json >build/windows/info.json
	$(TOOL) wails build -s -m -nosyncgomod -skipbindings -platform windows/amd64 -ldflags "$(LDFLAGS)" -o latchkey.exe >/dev/null
	@echo "built $(BIN).exe"

## test-package: inspect the packages, run the server from an unpacked one, verify its
## unit, and check the Windows executable
test-package: package
	LATCHKEY_DIST=$(CURDIR)/$(DIST) LATCHKEY_PKG_VERSION=$(PKG_VERSION) LATCHKEY_WINDOWS_EXE=$(CURDIR)/$(BIN).exe \
	  $(GO) test -count=1 -tags packaging ./build/package/

## frontend: npm modules and the console build (frontend/dist, embedded by both builds)
frontend:
	@cd frontend && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }
	@cd frontend && npm run --silent build >/dev/null

## deps: system packages, npm modules and the frontend build
deps: frontend
	@missing=$$(for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	@$(GO) mod download
	@$(GO) mod download -modfile=tools/go.mod

test-deps: deps bench-deps
	@missing=$$(for p in $(TEST_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

## test: every test there is: Go (race), fuzz (short), frontend, browser, desktop
test: test-deps lint test-go test-fuzz test-frontend build test-browser test-desktop test-package

## lint: every gate must pass: gofmt, go vet, staticcheck, go.mod tidy for both
## modules (go mod tidy -diff prints the change and fails), then the frontend's
lint: lint-go lint-frontend

lint-go:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...
	$(GO) mod tidy -diff
	cd tools && $(GO) mod tidy -diff
	@lib=$$($(GO) list -m -f '{{.Version}}' github.com/wailsapp/wails/v2); \
	cli=$$(cd tools && $(GO) list -m -f '{{.Version}}' github.com/wailsapp/wails/v2); \
	[ "$$lib" = "$$cli" ] || { echo "the Wails CLI in tools/go.mod is $$cli, the library in go.mod $$lib: make them equal"; exit 1; }

# lint-frontend: the generated console types are current, and eslint passes.
lint-frontend:
	$(GO) run ./app/internal/tsgen/cmd/tsgen -check
	cd frontend && npm run --silent lint

test-go:
	$(GO) test -race -count=1 ./...
	# the end-to-end suites as the static server binary links them: no cgo, -tags server
	CGO_ENABLED=0 $(GO) test -tags server -count=1 ./authcore/server ./authcore/oidc ./authcore/gateway
	# the end-to-end suites and the audit log's again, each on a PostgreSQL store (a private cluster)
	LATCHKEY_TEST_STORE=postgres $(GO) test -race -count=1 ./authcore/server ./authcore/oidc ./audit

## test-fuzz: every Fuzz target for $(FUZZTIME)
test-fuzz:
	@bash tools/fuzz.sh "$(GO)" "$(FUZZTIME)"

test-frontend:
	cd frontend && npm run --silent check && npm test

test-browser:
	LATCHKEY_BIN=$(CURDIR)/$(BIN) node --test frontend/tests/browser/

test-desktop:
	LATCHKEY_BIN=$(CURDIR)/$(BIN) bash frontend/tests/desktop/run.sh

clean:
	rm -rf build/bin build/dist test-artifacts frontend/dist/assets frontend/dist/index.html

## bench: measure the token server and the gateway (see BENCHMARKS.md)
bench: build bench-deps
	$(GO) run ./app/bench/cmd/lkbench -bin $(CURDIR)/$(BIN)

## bench-deps: wrk (the load generator of the comparison figures) and the
## bench-only npm project of the reference server, node-oidc-provider
bench-deps:
	@dpkg -s wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	@[ app/bench/oidcref/node_modules/.package-lock.json -nt app/bench/oidcref/package-lock.json ] || \
	  (cd app/bench/oidcref && npm ci --no-audit --no-fund --silent)
