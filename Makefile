# The README's commands. Each target installs what it needs into .venv first.
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install demo test test-sqlite lint bench bench-quick validate db-upgrade services clean

$(BIN)/gwc: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(BIN)/gwc

install: $(BIN)/gwc

# Migrate the SQLite file, create the demo users, deploy workflows/ and forms/, serve on 127.0.0.1:8000.
demo: install
	$(BIN)/gwc demo

# The whole suite on SQLite and, when GWC_TEST_POSTGRES_URL is set, again on PostgreSQL.
test: install
	$(BIN)/pytest -q

test-sqlite: install
	GWC_TEST_POSTGRES_URL= $(BIN)/pytest -q

lint: install
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check --select F,E9 engine gwc tests bench

# Measure on this machine (PostgreSQL and Redis as `make services` starts them; a database gwc_bench of
# its own): print one table, write bench/results/latest.json, latest.md and PNG charts. About 6-9 minutes;
# bench-quick (small sizes, what CI runs once) under 2.
bench: install
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python -m bench

bench-quick: install
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python -m bench --quick

validate: install
	$(BIN)/gwc validate workflows forms

db-upgrade: install
	$(BIN)/gwc db upgrade

# Start PostgreSQL and Redis on a Debian machine that has them installed but not running.
services:
	pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true
	redis-cli ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
