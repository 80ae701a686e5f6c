# The two commands a newcomer needs:
#   make run    local PostgreSQL (under .data/) + migrations + demo data + stripe-mock + Mailpit, serve on :8080
#   make test   go vet, staticcheck, the OpenAPI checks (kin-openapi, Redocly), and
#               go test -race against a throwaway PostgreSQL
# Tools are installed by pinned version into .tools/ (Go tools in .tools/bin).

SHELL := /bin/bash
GO    ?= go
TOOLS := $(CURDIR)/.tools/bin

STRIPE_MOCK_VERSION := v0.183.0
KIN_OPENAPI_VERSION := v0.153.0
STATICCHECK_VERSION := v0.8.2
REDOCLY_VERSION     := 2.77.0
AXE_CORE_VERSION    := 4.14.1
MAILPIT_VERSION     := v1.33.1

STRIPE_MOCK  := $(TOOLS)/stripe-mock
SPEC_LINTER  := $(TOOLS)/validate
STATICCHECK  := $(TOOLS)/staticcheck
MAILPIT      := $(TOOLS)/mailpit
REDOCLY_DIR  := $(CURDIR)/.tools/redocly
REDOCLY      := $(REDOCLY_DIR)/node_modules/.bin/redocly
AXE_DIR      := $(CURDIR)/.tools/axe
AXE_CORE     := $(AXE_DIR)/node_modules/axe-core/axe.min.js

export STRIPE_MOCK_BIN := $(STRIPE_MOCK)
export MAILPIT_BIN     := $(MAILPIT)

.PHONY: run test fault-test screenshots build vet staticcheck lint-openapi tools browser axe clean db-stop

build:
	$(GO) build -trimpath -o bin/onramp ./cmd/onramp

run: build tools $(MAILPIT)
	@scripts/dev-run

test: tools browser $(AXE_CORE) vet staticcheck lint-openapi
	@scripts/dev-test

# Three `onramp serve` on a PostgreSQL cluster of its own, driven for a
# minute while one is killed and PostgreSQL restarts, then checked
# (internal/testing/faulttest; about five minutes, so not part of `make test`).
fault-test: $(STRIPE_MOCK)
	$(GO) test -tags faulttest -count=1 -v -timeout 20m ./internal/testing/faulttest/

# The README's pictures (docs/screenshots), taken by the browser tests.
screenshots: browser $(AXE_CORE) $(STRIPE_MOCK)
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots scripts/dev-test ./internal/web/...

# Debian's chromium, for the <onramp-checklist> browser tests (installed
# when missing and possible; otherwise those tests skip and say why).
browser:
	@scripts/ensure-chromium

vet:
	$(GO) vet ./...

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

# kin-openapi's validator checks the document against OpenAPI 3.1 and every
# example against its schema; spec_test.go adds the house rules and checks
# that the router and the spec describe the same routes. Redocly then applies
# its recommended rules (redocly.yaml): errors fail, warnings are shown.
lint-openapi: $(SPEC_LINTER) $(REDOCLY)
	$(SPEC_LINTER) -examples -defaults -patterns -- openapi.yaml
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint openapi.yaml

tools: $(STRIPE_MOCK) $(SPEC_LINTER) $(STATICCHECK) $(REDOCLY)

$(STRIPE_MOCK):
	GOBIN=$(TOOLS) $(GO) install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

# The local inbox of `make run`: every email the server sends, readable at
# its web UI (scripts/dev-run starts it when SMTP_URL is unset).
$(MAILPIT):
	GOBIN=$(TOOLS) $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION)

$(SPEC_LINTER):
	GOBIN=$(TOOLS) $(GO) install github.com/getkin/kin-openapi/cmd/validate@$(KIN_OPENAPI_VERSION)

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# axe-core, injected into pages by the browser tests (internal/testing/browser);
# `make axe` is what their message says to run when it is missing.
axe: $(AXE_CORE)

$(AXE_CORE):
	npm install --prefix $(AXE_DIR) --no-audit --no-fund --save-exact axe-core@$(AXE_CORE_VERSION)

$(REDOCLY):
	npm install --prefix $(REDOCLY_DIR) --no-audit --no-fund --save-exact @redocly/cli@$(REDOCLY_VERSION)

# Stop the `make run` PostgreSQL cluster (its data stays in .data/; the next
# make run starts it again). Ctrl-C on make run stops everything else.
db-stop:
	@scripts/pg-cluster stop .data/pg

clean: db-stop
	rm -rf bin .data .tools
