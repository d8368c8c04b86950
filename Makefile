# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each creates the virtual environment (.venv) from the pinned versions when missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINTED := outputsaving tests benchmarks scripts
# nbgrader starts some tools by name (alembic): find the environment's first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test test-quick lint lab data notebooks benchmark clean grade

$(STAMP): pyproject.toml constraints.txt labsettings/pyproject.toml labsettings/overrides.json \
  labsettings/outputsaving_lab.py labsettings/outputsaving_lab.json labsettings/labextension/static/remoteEntry.js
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# pip's whole output goes to a log; when it fails, its reason is shown.
	@# labsettings: JupyterLab's settings (no news pop-up), into $(VENV)/share/jupyter/lab/settings.
	$(BIN)/python -m pip install -c constraints.txt -e ".[test]" ./labsettings > $(VENV)/pip-install.log 2>&1 \
	  || { grep -v '^WARNING: Location' $(VENV)/pip-install.log | tail -n 40; \
	       echo "pip could not install the course (its whole output: $(VENV)/pip-install.log)"; \
	       exit 1; }
	touch $(STAMP)

DEMO_CLASS := build/demo_class

# The single-run demo, then a sample class (30 students x 3 assignments, some
# hostile) built from scratch in $(DEMO_CLASS) and graded end to end there
# (its own gradebook: the course's gradebook.db is never touched). Without a
# working sandbox the hostile submissions are skipped (scripts/demo_class.py).
demo: $(STAMP)
	$(BIN)/outputsaving demo --output demo_output
	$(BIN)/python scripts/demo_class.py --output $(DEMO_CLASS)

# Grade every submission of the course (submitted/): parallel, sandboxed, resumable;
# then feedback/, and reports/ (grades as TSV and CSV, summary.png).
grade: $(STAMP)
	$(BIN)/outputsaving grade --course .

# PYTEST_ARGS: more options for pytest, e.g. make test PYTEST_ARGS="-m root".
# TEST_WORKERS: pytest-xdist's processes (-n), 3 by default; 0 runs in this one.
# Each takes whole test files (--dist loadfile): a file's module-scoped class,
# graded once, stays on one worker. On 2 cores, a third worker fills the time
# the others wait (a learner's loop run out to its budget, ImageJ's time limit,
# a subprocess, a browser): 20 min 11 s against 23 min 38 s with two, measured
# back to back in a fresh clone. The files with slow tests go first
# (tests/conftest.py), not the most tests.
TEST_WORKERS ?= 3
test: $(STAMP) lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
	  $(PYTEST_ARGS)

# The quick part of the tests (no nbgrader, sandbox, ImageJ or browser): about a
# minute, for the edit-test loop; `make test` runs them all.
test-quick: $(STAMP) lint
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# JupyterLab on the course, with nbgrader's extensions (Validate, assignment list,
# formgrader); opens notebooks/. Options: make lab LAB_ARGS="--port=8890 --no-browser"
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
	  $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root) $(LAB_ARGS)

data: $(STAMP)
	$(BIN)/python scripts/make_data.py

# Regenerate the student (notebooks/) and executed solution (solutions/) versions.
notebooks: $(STAMP)
	$(BIN)/python scripts/build_notebooks.py

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_checks.py
	$(BIN)/python benchmarks/bench_notebooks.py
	$(BIN)/python benchmarks/bench_grading.py
	$(BIN)/python benchmarks/bench_dask.py
	$(BIN)/python benchmarks/bench_class.py
	$(BIN)/python benchmarks/bench_feedback.py

clean:
	rm -rf $(VENV) demo_output .pytest_cache .ruff_cache
