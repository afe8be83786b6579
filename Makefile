# govhub — two commands for a newcomer: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.synced
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check lint typecheck migrations-check openapi openapi-check migrate bench bench-surge bench-flights install clean replicas replicas-parts

$(STAMP): pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --quiet
	@touch $(STAMP)

install: $(STAMP)

## run: the whole hub (embedded PostgreSQL, services, worker, gateway) on GOVHUB_PORT (8000)
run: $(STAMP)
	$(BIN)/govhub run

## test: lint, types, migrations check, OpenAPI drift check and the whole pytest suite;
## the suite's embedded PostgreSQL is stopped afterwards, whatever the outcome
test: $(STAMP) lint typecheck openapi-check replicas-parts
	@status=0; $(BIN)/pytest -n $${GOVHUB_TEST_WORKERS:-2} --dist loadfile -p no:cacheprovider \
	  || status=$$?; $(BIN)/python -m tests.database stop || true; exit $$status

## check: the quick loop before a commit — lint, types and the tests that need no database
## (the proxy's with both upstream transports, against fake services; the README's)
check: $(STAMP) lint typecheck openapi-check
	$(BIN)/pytest -q -p no:cacheprovider tests/test_architecture.py tests/gateway/test_routes.py \
	  tests/gateway/test_openapi.py tests/gateway/test_proxy.py tests/test_readme.py \
	  tests/inquiries/test_business_hours.py tests/inquiries/test_arabic.py \
	  tests/common/test_lean_routes.py::test_the_fastapi_internals_the_lean_handler_reads_are_still_there

## fault: kill -9 each child of a running hub and its PostgreSQL under a write load;
## every case, held to a 5 s recovery (make test runs the short form)
chaos: fault

fault: $(STAMP)
	GOVHUB_FAULT_FULL=1 $(BIN)/pytest -p no:cacheprovider tests/fault -v

## replicas: two gateways, two replicas of every service and two workers against one
## PostgreSQL through PgBouncer, rate limits in Redis (make test runs the bounded form)
replicas: $(STAMP) replicas-parts
	GOVHUB_REPLICAS_FULL=1 $(BIN)/pytest -p no:cacheprovider tests/e2e/test_replicas.py -v

## replicas-parts: PgBouncer and redis-server (Debian packages) for the replica test,
## installed when missing; the test starts its own on free loopback ports
replicas-parts:
	@missing=""; \
	  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || missing="$$missing pgbouncer"; \
	  command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing="$$missing redis-server"; \
	  if [ -n "$$missing" ]; then echo "installing$$missing …"; \
	    $(SUDO) apt-get install -y -qq $$missing 2>/dev/null || \
	    { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; }; fi

## fuzz: schemathesis on the merged OpenAPI spec against a running hub, more examples
## per operation than the bounded pass in make test
fuzz: $(STAMP)
	GOVHUB_FUZZ_EXAMPLES=$${GOVHUB_FUZZ_EXAMPLES:-25} $(BIN)/pytest -p no:cacheprovider tests/fuzz -v

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy services gateway govhub tests bench

## migrations are checked by tests/test_migrations.py (upgrade → downgrade → upgrade, no drift)
migrations-check: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider tests/test_migrations.py -q

openapi: $(STAMP)
	$(BIN)/govhub openapi --write openapi/govhub.openapi.json

openapi-check: $(STAMP)
	$(BIN)/govhub openapi --check openapi/govhub.openapi.json

migrate: $(STAMP)
	$(BIN)/govhub migrate

## bench: the benchmarks (installs wrk, a Debian package, when it is missing)
bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "installing wrk …"; \
	  $(SUDO) apt-get install -y -qq wrk 2>/dev/null || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }; }
	$(BIN)/python -m bench
	$(BIN)/python -m bench.surge
	$(BIN)/python -m bench.flights

## bench-flights: from a campaign's approval to its flights in the calendar (goal: 1 s)
bench-flights: $(STAMP)
	$(BIN)/python -m bench.flights

## bench-surge: the crisis surge alone (10× the steady intake for 60 s, tagging on)
bench-surge: $(STAMP)
	$(BIN)/python -m bench.surge

clean:
	rm -rf $(VENV) .govhub
