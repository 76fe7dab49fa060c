# trustfunnel — the two commands a new machine needs are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/trustfunnel
export TRUSTFUNNEL_VAR ?= $(CURDIR)/var

.PHONY: run test install install-test assets migrate demo serve worker bench lint messages clean test-sqlite test-postgres

# Local use: install, migrate the embedded SQLite database under var/, load the demo
# firm when the database is empty, then serve on http://127.0.0.1:8000 (prints the login).
run: install assets migrate
	$(BIN)/trustfunnel demo --if-empty --no-progress
	$(BIN)/trustfunnel serve --port $(PORT)

migrate: install
	@mkdir -p var
	$(BIN)/trustfunnel migrate --noinput -v0

# Rebuild the demo workspace from scratch (same seed, today's date).
demo: migrate
	$(BIN)/trustfunnel demo --replace --no-progress

serve: install assets
	$(BIN)/trustfunnel serve --port $(PORT)

# Background tasks and periodic jobs in one process (see docs/operations.md).
worker: migrate
	$(BIN)/trustfunnel worker --with-scheduler

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	@touch $@ $(STAMP)

install: $(STAMP)
install-test: $(TEST_STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json

# The whole suite: SQLite always, PostgreSQL as well when a server answers
# (REQUIRE_POSTGRES=1, as in CI, turns "no server" into a failure).
test: install-test assets
	$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python -m trustfunnel.web.pgcheck "$(PG_URL)"; then \
		$(MAKE) --no-print-directory test-postgres; \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
		echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but $(PG_URL) does not answer"; exit 1; \
	else echo "PostgreSQL not reachable at $(PG_URL): skipped the PostgreSQL run"; fi

test-sqlite:
	@echo "== test suite on SQLite"
	DATABASE_URL= $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres:
	@echo "== test suite on PostgreSQL"
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: install-test assets
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check .

messages: install
	cd trustfunnel && ../$(BIN)/django-admin makemessages -l nl --no-obsolete --ignore "core/*"
	cd trustfunnel && ../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) node_modules var
