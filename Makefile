# govhub — two commands for a newcomer: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.synced
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck migrations-check openapi openapi-check migrate bench install clean

$(STAMP): pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --quiet
	@touch $(STAMP)

install: $(STAMP)

## run: the whole hub (embedded PostgreSQL, services, worker, gateway) on GOVHUB_PORT (8000)
run: $(STAMP)
	$(BIN)/govhub run

## test: lint, types, migrations check, OpenAPI drift check and the whole pytest suite
test: $(STAMP) lint typecheck openapi-check
	$(BIN)/pytest -n $${GOVHUB_TEST_WORKERS:-2} --dist loadfile -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy services gateway govhub

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

clean:
	rm -rf $(VENV) .govhub
