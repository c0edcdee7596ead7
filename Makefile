# Quick start: `make demo` and `make test` each set up .venv (Python 3.12) on first use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12: python3.12 on PATH, or pyenv's (`pyenv install 3.12` if neither has it).
PYTHON312 ?= python3.12 $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.12*/bin/python3.12)
STAMP := $(VENV)/.installed

.PHONY: setup demo test validate calibrate lint clean workshop bench

setup: $(STAMP)

$(STAMP): pyproject.toml
	@py="$$(for c in $(PYTHON312); do "$$c" -c 'import sys; assert sys.version_info[:2]==(3,12)' 2>/dev/null && echo "$$c" && break; done)"; \
	if [ -z "$$py" ]; then echo "Python 3.12 not found. Install it (pyenv install 3.12) or run: make PYTHON312=/path/to/python3.12" >&2; exit 1; fi; \
	[ -x $(PY) ] || "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,workshop]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m experiments.demo

# The workshop app on http://$(HOST):$(PORT); loopback unless the facilitator opens it to the
# room's network: make workshop HOST=0.0.0.0. Set with `:=`, not `?=`: some shells (tcsh) export
# HOST=<the machine's name>, which must not open the app to the network unasked.
HOST := 127.0.0.1
PORT := 8765
workshop: $(STAMP)
	$(PY) -m sim_app --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest -n auto -q

# The eleven patterns on 240 fresh seeds (1000-1239), the count the coefficient-of-variation
# method asks for (docs/calibration.md); `make test` runs them on the first 20. 13 minutes
# on 2 cores. Not part of `make test`.
PATTERN_SEEDS := 240
validate: $(STAMP)
	SIM_PATTERN_SEEDS=$(PATTERN_SEEDS) $(PY) -m pytest tests/patterns -n auto --dist loadfile -q

# Every calibration study, one after another, each rewriting its section of docs/calibration.md
# (about 50 minutes on 2 cores; runs are cached in results/cache under the model's source
# fingerprint, so a rerun on the same code only makes what is missing). Run it after a change to
# sim/, scenarios/ or experiments/calibration/patterns.py. Not part of `make test`.
calibrate: $(STAMP)
	$(PY) -m experiments.calibration.replications
	$(PY) -m experiments.calibration.crosscheck
	$(PY) -m experiments.calibration.ofat --budget-minutes 80
	$(PY) -m experiments.calibration.readings
	$(PY) -m experiments.calibration.timing
	$(PY) -m experiments.calibration.boundaries
	$(PY) -m experiments.calibration.business_bounds
	$(PY) -m experiments.calibration.ledger

# Speed and scale (issue 6): prints a table, writes benchmarks/results.json; a few minutes.
# Not part of `make test`.
bench: $(STAMP)
	$(PY) -m benchmarks.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) outputs multirun results
