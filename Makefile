# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs what running needs, `make test` adds the test tools.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# An editable install (the tree's code runs as it is edited); setuptools warns about
# editable installs in a banner on every install, which says nothing to act on here.
PIP_INSTALL := PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install --quiet

.PHONY: run test lint typecheck pytest install install-run clean bench postgres lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The locked versions first (requirements/*.txt, see `make lock`), then convo itself
# with no dependency resolution of its own: every install gets the same packages.
$(RUN_STAMP): pyproject.toml requirements/run.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements/run.txt
	$(PIP_INSTALL) --no-deps -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml requirements/test.txt $(RUN_STAMP)
	$(PIP_INSTALL) -r requirements/test.txt
	$(PIP_INSTALL) --no-deps -e '.[test]'
	touch $(TEST_STAMP)

install-run: $(RUN_STAMP)

install: $(TEST_STAMP)

## Open convo on the embedded demo data.
run: $(RUN_STAMP)
	@$(BIN)/python -m compileall -q convo_tui  # bytecode, as a pip install writes it
	$(BIN)/convo demo

## Lint, type-check and run every test.
test: $(TEST_STAMP) lint typecheck pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check convo_tui tests data benchmarks
	$(BIN)/ruff format --check convo_tui tests data benchmarks
	$(BIN)/lint-imports --no-cache

typecheck: $(TEST_STAMP)
	$(BIN)/mypy convo_tui tests benchmarks data

pytest: $(TEST_STAMP) postgres
	$(BIN)/pytest -q -n 2 --timeout 600

## PostgreSQL's server programs for the team-mode tests (Debian's package, when missing);
## the tests start a throwaway server of their own (tests/postgres_server.py).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null)

## Every benchmark figure beside its floor (stores cached in benchmarks/.stores/).
bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

## Re-resolve the locked versions after changing pyproject.toml's dependencies
## (pip-tools in a throwaway venv; the lock is plain pip requirements, so installing
## needs nothing but pip).
LOCK_TOOLS := $(VENV)-lock
PIP_COMPILE := $(LOCK_TOOLS)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet pip-tools==7.6.2
	$(PIP_COMPILE) -o requirements/run.txt pyproject.toml
	$(PIP_COMPILE) --extra test --extra postgres -o requirements/test.txt pyproject.toml
	sed -i '/^convo-tui @ /d' requirements/test.txt  # the test extra names convo-tui[postgres]

clean:
	rm -rf $(VENV) $(LOCK_TOOLS) .mypy_cache .ruff_cache .pytest_cache
