# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest install clean bench postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Open convo on the embedded demo data.
run: $(STAMP)
	@$(BIN)/python -m compileall -q convo_tui  # bytecode, as a pip install writes it
	$(BIN)/convo demo

## Lint, type-check and run every test.
test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check convo_tui tests data benchmarks
	$(BIN)/ruff format --check convo_tui tests data benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy convo_tui

pytest: $(STAMP) postgres
	$(BIN)/pytest -q -n 2 --timeout 600

## PostgreSQL's server programs for the team-mode tests (Debian's package, when missing);
## the tests start a throwaway server of their own (tests/postgres_server.py).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null)

## Every benchmark figure beside its floor (stores cached in benchmarks/.stores/).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
