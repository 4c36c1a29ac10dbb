# PortLink: `make run` brings the stack up, `make test` runs the whole suite. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
TOOLS := $(CURDIR)/.toolchain
ANVIL_BIN := node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
# The browser console (console/, vite): built into the package, served by `portlink serve` at /.
CONSOLE_BUILD := backend/portlink/console/index.html
CONSOLE_SOURCES := $(shell find console -type f 2>/dev/null)
SOLC_VERSION := $(shell node -p "require('./package-lock.json').packages['node_modules/solc'].version" 2>/dev/null)

# Everything runs with the project's own toolchain, and ape keeps its data (installed dependencies) in the
# project, so nothing outside the clone is read or written.
export PATH := $(TOOLS)/bin:$(VENV)/bin:$(PATH)
export SOLCX_BINARY_PATH := $(TOOLS)/solcx
export APE_DATA_FOLDER := $(TOOLS)/ape

.PHONY: help install build run test check lint typecheck layers slither test-contracts postgres chromium jq bench screenshots gas-snapshot reset clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

install: $(VENV)/.installed node_modules/.installed $(TOOLS)/.linked  ## Install the pinned Python and npm toolchains

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found (PortLink needs Python 3.11)"; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(TOOLS)/.linked: node_modules/.installed
	mkdir -p $(TOOLS)/bin $(TOOLS)/solcx $(TOOLS)/ape
	test -x $(ANVIL_BIN) || { echo "make: $(ANVIL_BIN) missing after npm ci (is this linux-x64?)"; exit 1; }
	ln -sfn $(CURDIR)/$(ANVIL_BIN) $(TOOLS)/bin/anvil
	ln -sfn $(CURDIR)/toolchain/solc-bridge.cjs $(TOOLS)/solcx/solc-v$(SOLC_VERSION)
	ln -sfn $(CURDIR)/toolchain/solc-bridge.cjs $(TOOLS)/bin/solc
	touch $@

build: install $(CONSOLE_BUILD)  ## Compile the contracts (ape, through the npm solc bridge) and build the console
	ape pm install
	ape compile

$(CONSOLE_BUILD): node_modules/.installed $(CONSOLE_SOURCES)
	node_modules/.bin/vite build console --logLevel warn

run: build  ## Start Anvil, deploy and seed the pilot consortium, serve the API (/docs), stay up until Ctrl-C
	portlink up --serve

test: check test-contracts  ## Run the whole suite: lint, types, contract and backend tests

check: lint typecheck layers slither  ## ruff, mypy --strict, the import layers (import-linter) and slither

lint: install
	ruff check backend tests scripts bench
	ruff format --check backend tests scripts bench

typecheck: install
	mypy
	node_modules/.bin/tsc -p console/tsconfig.json

layers: install  ## The backend's import layers (pyproject.toml [tool.importlinter], docs/architecture.md)
	lint-imports

slither: build  ## Static analysis of the contracts (slither.config.json); fails on medium or high findings
	slither contracts --fail-medium

test-contracts: build postgres chromium jq
	ape test tests $(TEST_ARGS)

# The indexer tests run on SQLite and on PostgreSQL; they start a throwaway cluster themselves
# (tests/indexer/conftest.py) from Debian's binaries, installed here when missing (CI runs as root).
postgres:  ## Install PostgreSQL from Debian if missing
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; \
	  else echo "make: PostgreSQL is missing: sudo apt-get install -y postgresql"; exit 1; fi; \
	fi

# The API's pages are tested in a real browser: Debian's chromium, driven by Playwright for Python (which never
# downloads a browser of its own), installed here when missing like PostgreSQL.
chromium:  ## Install Chromium (and its WebDriver) from Debian if missing
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; \
	  else echo "make: Chromium is missing: sudo apt-get install -y chromium chromium-driver"; exit 1; fi; \
	fi

# The README's first write (run by tests/api/test_first_run.py) joins the carrier's attestation to the shipment
# with jq.
jq:  ## Install jq from Debian if missing
	@if ! command -v jq >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq; \
	  else echo "make: jq is missing: sudo apt-get install -y jq"; exit 1; fi; \
	fi

screenshots: build chromium  ## Regenerate the console's screenshots in docs/console/ (a seeded chain, real browser)
	python scripts/console_screenshots.py

BENCH_EVENTS ?= 100000
bench: build postgres  ## Benchmarks: indexer (BENCH_EVENTS events on Anvil), telemetry ingest, the 200-TEU pilot replay, API journeys (1 and 3 replicas), the risk engine (evaluation in docs/risk.md); write docs/benchmarks*.md
	python bench/indexer.py --events $(BENCH_EVENTS)
	python bench/telemetry.py
	python bench/pilot.py
	python bench/api_workflow.py
	python bench/console.py --events $(BENCH_EVENTS)
	python bench/risk.py

gas-snapshot: build  ## Rewrite snapshots/gas-*.json from the current contracts
	PORTLINK_UPDATE_GAS_SNAPSHOT=1 ape test tests/contracts/test_gas.py tests/shipments/test_gas.py tests/customs/test_gas.py \
		tests/iot/test_gas.py tests/escrow/test_gas.py tests/transportcalls/test_gas.py

reset: install  ## Set the local chain, its manifest, index and dev API keys aside (.portlink/local/previous-<time>/)
	portlink reset

clean:  ## Remove build output, installed toolchains and .portlink (the local chain and keystore too)
	rm -rf .build contracts/.cache $(VENV) node_modules $(TOOLS) .portlink
