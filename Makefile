# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each creates the virtual environment (.venv) from the pinned versions when missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINTED := outputsaving tests benchmarks scripts
# nbgrader starts some tools by name (alembic): find the environment's first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test lint lab data notebooks benchmark clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/outputsaving demo --output demo_output

test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

lab: $(STAMP)
	$(BIN)/jupyter lab

data: $(STAMP)
	$(BIN)/python scripts/make_data.py

# Regenerate the student (notebooks/) and executed solution (solutions/) versions.
notebooks: $(STAMP)
	$(BIN)/python scripts/build_notebooks.py

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_checks.py
	$(BIN)/python benchmarks/bench_notebooks.py

clean:
	rm -rf $(VENV) demo_output .pytest_cache .ruff_cache
