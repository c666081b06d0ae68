# Every target installs what it needs first, so each works from a fresh clone.
# Tools: uv (pinned) installs the locked dependencies (uv.lock) into .venv.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= devfunnel.duckdb
PYTEST_ARGS ?=

.PHONY: install demo test lint format bench clean screenshots

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode compiled once at install: with PYTHONDONTWRITEBYTECODE set (as in containers and
# CI) every command would otherwise recompile the libraries it imports, seconds each time.
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PYTHON) --quiet --compile-bytecode
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/devfunnel demo --db duckdb:///$(DEMO_DB) --replace

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Re-take the pictures in docs/screenshots/ with the browser tests.
screenshots: install
	DEVFUNNEL_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -q

format: install
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
