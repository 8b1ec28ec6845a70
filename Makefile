# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest install clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Open convo on the embedded demo data.
run: $(STAMP)
	$(BIN)/convo demo

## Lint, type-check and run every test.
test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check convo_tui tests data benchmarks
	$(BIN)/ruff format --check convo_tui tests data benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy convo_tui

pytest: $(STAMP)
	$(BIN)/pytest -q -n 2 --timeout 600

## Every benchmark figure beside its floor (stores cached in benchmarks/.stores/).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
