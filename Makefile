# Two commands do everything: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export UV_LINK_MODE ?= copy

.PHONY: help run test test-long uv venv test-deps test-sqlite test-postgres lint format messages bench

help:
	@echo "make run    install, migrate, load demo data and serve on http://127.0.0.1:8000"
	@echo "make test   install what the tests need and run the whole suite (SQLite, then PostgreSQL when TEST_POSTGRES_URL is set)"
	@echo "make test-long  the long scenario runs: hundreds of generated months of field work (slow)"

uv:
	@command -v uv >/dev/null 2>&1 || test -x "$(UV)" || python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv
	@test -x "$(UV)" || command -v uv >/dev/null 2>&1

venv: uv
	@$$(command -v uv || echo "$(UV)") sync --frozen --quiet

run: venv
	@.venv/bin/alongside migrate
	@.venv/bin/alongside demo
	@.venv/bin/alongside serve --host 127.0.0.1 --port 8000

test-deps: venv
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

test: test-deps
	@$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$TEST_POSTGRES_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "TEST_POSTGRES_URL is not set: the PostgreSQL run is left out"; fi

# Tests run in parallel, one worker per core (TEST_WORKERS to change it), each with its own
# data dir and, on PostgreSQL, its own database. The PostgreSQL pass runs what can differ by
# engine (tests/integration, tests/scenarios and tests marked engine; see tests/conftest.py).
TEST_WORKERS ?= auto

test-sqlite:
	@echo "== test suite on SQLite"
	@env -u DATABASE_URL .venv/bin/pytest -q -n $(TEST_WORKERS)

test-postgres:
	@echo "== test suite on PostgreSQL (what can differ by engine)"
	@DATABASE_URL="$$TEST_POSTGRES_URL" .venv/bin/pytest -q -n $(TEST_WORKERS)

# The long runs of the scenario suite (marked slow, left out of `make test`): on SQLite, and on
# PostgreSQL too when TEST_POSTGRES_URL is set.
test-long: venv
	@echo "== long scenario runs on SQLite"
	@env -u DATABASE_URL .venv/bin/pytest -q --long -m slow tests/scenarios
	@if [ -n "$$TEST_POSTGRES_URL" ]; then echo "== long scenario runs on PostgreSQL"; \
		DATABASE_URL="$$TEST_POSTGRES_URL" .venv/bin/pytest -q --long -m slow tests/scenarios; fi

lint: venv
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: venv
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

# Extract every message from Python and Jinja and merge it into the five catalogues.
messages: venv
	.venv/bin/python locales/update.py

bench: venv
	@for script in bench/*.py; do echo "== $$script"; .venv/bin/python $$script || exit 1; done
