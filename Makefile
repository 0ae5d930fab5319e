# Two commands get a newcomer going: `make preview` and `make test`.
# Both create the virtualenv and install the project on first use (and again when
# pyproject.toml changes), so nothing has to be installed by hand.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
STACK  ?= dev
PYTEST_ARGS ?=
# The score as mutmut's own badge computes it: (killed + timeout) / (all - skipped).
MUTATION_SCORE = import json; s = json.load(open("mutants/mutmut-cicd-stats.json")); \
	n = s["total"] - s["skipped"]; k = s["killed"] + s["timeout"]; left = n - k; \
	print(f"mutation score: {k}/{n} mutants killed = {k / n:.1%} ({left} not killed)")

.DEFAULT_GOAL := help
.PHONY: help venv preview test lint fmt package bench mutate clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP) ## create .venv and install the project with its dev extra

preview: $(STAMP) ## offline preview of the stack (STACK=dev): no AWS account, no Pulumi CLI
	$(VENV)/bin/trade-pipeline preview --stack $(STACK) --json build/plan-$(STACK).json

test: $(STAMP) ## run the test suite
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff (lint + format check) and mypy, as configured in pyproject.toml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: $(STAMP) ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

package: $(STAMP) ## build the reproducible Lambda artifact into build/lambda/
	$(PY) -m trade_pipeline.packaging

bench: $(STAMP) ## run the benchmarks (ratios against baselines measured in the same run)
	$(PY) benchmarks/run.py

mutate: $(STAMP) ## mutation testing of src/trade_processor (mutmut, ~40 min on 2 cores; offline)
	$(VENV)/bin/mutmut run
	$(VENV)/bin/mutmut export-cicd-stats
	@$(PY) -c '$(MUTATION_SCORE)'
	@echo "survivors: $(VENV)/bin/mutmut results; one mutant: $(VENV)/bin/mutmut show <name>"

clean: ## remove build outputs and caches (keeps .venv)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants
