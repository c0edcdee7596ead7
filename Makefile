# Quick start: `make demo` and `make test` each set up .venv (Python 3.12) on first use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12: python3.12 on PATH, or pyenv's (`pyenv install 3.12` if neither has it).
PYTHON312 ?= python3.12 $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.12*/bin/python3.12)
STAMP := $(VENV)/.installed

.PHONY: help setup demo test test-all validate calibrate lint bench workshop clean clean-cache

## help: list the targets (this text)
help:
	@awk '/^## / { sub(/^## /, ""); i = index($$0, ": "); printf "  make %-12s %s\n", substr($$0, 1, i - 1), substr($$0, i + 2) }' $(MAKEFILE_LIST)

## setup: make .venv (Python 3.12) with the package and its dev and workshop extras
setup: $(STAMP)

$(STAMP): pyproject.toml
	@py="$$(for c in $(PYTHON312); do "$$c" -c 'import sys; assert sys.version_info[:2]==(3,12)' 2>/dev/null && echo "$$c" && break; done)"; \
	if [ -z "$$py" ]; then echo "Python 3.12 not found. Install it (pyenv install 3.12) or run: make PYTHON312=/path/to/python3.12" >&2; exit 1; fi; \
	[ -x $(PY) ] || "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,workshop]'
	@touch $(STAMP)

## demo: compare the seven designs over 30 seeds; figures and a report in results/
demo: $(STAMP)
	$(PY) -m experiments.demo

# The workshop app on http://$(HOST):$(PORT); loopback unless the facilitator opens it to the
# room's network: make workshop HOST=0.0.0.0. Set with `:=`, not `?=`: some shells (tcsh) export
# HOST=<the machine's name>, which must not open the app to the network unasked.
HOST := 127.0.0.1
PORT := 8765
## workshop: the workshop app on http://127.0.0.1:8765 (offline; docs/workshop.md)
workshop: $(STAMP)
	$(PY) -m sim_app --host $(HOST) --port $(PORT)

# The fast tiers: the model, the command line, the experiments, the regression baseline and the
# app without a browser. `make test-all` adds the statistical and slow tiers: the eleven
# patterns over 20 seeds, the calibration studies, the workshop in a real browser and under
# load, and the wheel installed into a new environment. CI runs `make lint` and `make test-all`.
FAST_TESTS := tests/model tests/cli tests/experiments tests/regression tests/app \
	--ignore=tests/app/test_workshop_browser.py --ignore=tests/app/test_app_load.py
## test: the fast tiers (model, cli, experiments, regression, app without a browser)
test: $(STAMP)
	$(PY) -m pytest -n auto -q $(FAST_TESTS)

## test-all: every tier, the statistical and slow ones included (what CI runs)
test-all: $(STAMP)
	$(PY) -m pytest -n auto -q tests

# The eleven patterns on 240 fresh seeds (1000-1239), the count the coefficient-of-variation
# method asks for (docs/calibration.md); `make test` runs them on the first 20. 13 minutes
# on 2 cores. Not part of `make test`.
PATTERN_SEEDS := 240
## validate: the eleven patterns on 240 fresh seeds (about 13 minutes)
validate: $(STAMP)
	SIM_PATTERN_SEEDS=$(PATTERN_SEEDS) $(PY) -m pytest tests/patterns -n auto --dist loadfile -q

# Every calibration study, one after another, each rewriting its section of docs/calibration.md
# (about 50 minutes on 2 cores; runs are cached in results/cache under the model's source
# fingerprint, so a rerun on the same code only makes what is missing). Run it after a change to
# sim/, scenarios/ or experiments/calibration/patterns.py. Not part of `make test`.
## calibrate: every calibration study, each rewriting its section of docs/calibration.md
calibrate: $(STAMP)
	$(PY) -m experiments.calibration.replications
	$(PY) -m experiments.calibration.spread
	$(PY) -m experiments.calibration.crosscheck
	$(PY) -m experiments.calibration.ofat --budget-minutes 80
	$(PY) -m experiments.calibration.readings
	$(PY) -m experiments.calibration.timing
	$(PY) -m experiments.calibration.boundaries
	$(PY) -m experiments.calibration.business_bounds
	$(PY) -m experiments.calibration.ledger

# Speed and scale (issue 6): prints a table, writes benchmarks/results.json; a few minutes.
# Not part of `make test`.
## bench: speed and scale; writes benchmarks/results.json
bench: $(STAMP)
	$(PY) -m benchmarks.run

## lint: ruff check, ruff format --check, the import contracts and mypy on sim/ (pyproject.toml)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# `clean` keeps results/cache, the calibration's cached runs (about 50 minutes of work, reused
# while the model's fingerprint is the same); `clean-cache` removes them.
## clean: remove .venv, outputs/, multirun/ and results/ (but not results/cache)
clean:
	rm -rf $(VENV) outputs multirun
	@if [ -d results ]; then find results -mindepth 1 -maxdepth 1 ! -name cache -exec rm -rf {} +; fi

## clean-cache: remove the calibration's cached runs (results/cache)
clean-cache:
	rm -rf results/cache
