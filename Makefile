# Two commands get a newcomer going: `make preview` and `make test`. `make regen` rewrites every
# generated file and region (docs tables, the diagram, the URN pin, the compliance golden);
# `make check` is exactly what CI runs.
# Both create the virtualenv and install the locked dependencies on first use (and again when
# a lock file or pyproject.toml changes), so nothing has to be installed by hand: the machine
# needs Python 3.11+ and make, nothing else.
#
# Locks (hash-pinned, host-free requirements files, generated from pyproject.toml by `make lock`):
#   requirements.txt      what the Pulumi program needs at run time; Pulumi's pip toolchain
#                         (`pulumi install`, Pulumi Deployments) installs exactly this file
#   requirements-dev.txt  the `dev` extra: the above plus tests, lint, types, policy pack
#   policy/requirements.txt  what the compliance rules need: the published pack installs it
# The project itself goes on top with --no-deps: it is never part of a lock.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
STAMP  := $(VENV)/.installed-stamp
STACK  ?= dev
PYTEST_ARGS ?=
# `make mutate MODULE=storage`: one module of trade_processor only (its mutants run again).
MODULE ?=

# uv resolves the locks only (`make lock`); it lives in a tools venv of its own, pinned here.
UV_VERSION := 0.13.9
TOOLS      := build/tools
UV         := $(TOOLS)/bin/uv
# --universal: one lock for every platform and every Python >= requires-python (3.11 in CI,
# the Lambda runtime's version beside it). The header names `make lock`, not uv's command line.
UV_COMPILE := $(UV) pip compile --quiet --universal --generate-hashes \
              --custom-compile-command 'make lock' $(LOCK_ARGS) pyproject.toml
# uv keeps the versions already in a lock where the ranges allow: LOCK_ARGS=--upgrade takes
# the newest versions in range instead.
LOCK_ARGS  ?=

# Where the console's "more information" link of each policy points (docs/policies.md of the
# repository the pack is published from); empty: taken from the git remote `origin`.
POLICY_DOCS_URL ?=
# Where the pack is built; empty: <temp dir>/trade-pipeline-policy-pack. Never under an ignored
# folder such as build/: `pulumi policy publish` leaves out whatever a .gitignore of the pack's
# folder or above it ignores (the builder checks that and refuses such a place).
POLICY_PACK_DIR ?=

.DEFAULT_GOAL := help
.PHONY: help venv lock preview previews test lint fmt regen check package policy-pack bench \
	mutate clean distclean

# The stacks `make check` previews: every Pulumi.<stack>.yaml of the repository.
STACKS := $(patsubst Pulumi.%.yaml,%,$(wildcard Pulumi.*.yaml))

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# pyproject's requires-python, checked before anything is installed: an older Python would
# fail later on a dependency pin. A .venv whose Python is older or broken is rebuilt.
NEEDS_PY311 := import sys; sys.exit(sys.version_info < (3, 11))

$(STAMP): requirements-dev.txt pyproject.toml
	@$(PYTHON) -c '$(NEEDS_PY311)' 2>/dev/null || { echo "error: trade-pipeline needs Python 3.11+; $(PYTHON) is $$($(PYTHON) --version 2>&1) (make PYTHON=python3.12 ... picks another)" >&2; exit 1; }
	@if [ -e $(VENV) ] && ! $(PY) -c '$(NEEDS_PY311)' 2>/dev/null; then echo "$(VENV): older or broken Python, rebuilding it"; rm -rf $(VENV); fi
	@test -x $(PY) || { echo "creating $(VENV) with $$($(PYTHON) --version 2>&1)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing the locked dependencies into $(VENV) (the first time: a minute or two)"
	$(PIP) install --quiet --require-hashes -r requirements-dev.txt
	$(PIP) install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP) ## create .venv from requirements-dev.txt, then the project on top (--no-deps)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'

# The dev lock is resolved first; the run-time and policy locks under it as a constraint, so
# the program and the rules see the same versions in the dev venv as under `pulumi install`
# and in the published pack (pulumi-policy, for one, holds protobuf below what pulumi alone
# would take).
lock: $(UV) ## re-resolve the three lock files from pyproject.toml (needs PyPI)
	$(UV_COMPILE) --extra dev -o requirements-dev.txt
	$(UV_COMPILE) --constraint requirements-dev.txt -o requirements.txt
	$(UV_COMPILE) --extra policy --constraint requirements-dev.txt -o policy/requirements.txt

preview: $(STAMP) ## offline preview of the stack (STACK=dev): no AWS account, no Pulumi CLI
	$(VENV)/bin/trade-pipeline preview --stack $(STACK) --output build/plan-$(STACK).json

previews: $(STAMP) ## offline preview of every stack file (dev, private, prod, strong), as CI runs it
	@set -e; for stack in $(STACKS); do $(MAKE) --no-print-directory preview STACK=$$stack; done

test: $(STAMP) ## run the test suite
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff (lint + format check) and mypy, as configured in pyproject.toml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: $(STAMP) ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# One registry (src/trade_pipeline/generated.py) lists every generated file and region; the
# test suite fails on a stale one and says to run this. ARGS=--check lists them, writes nothing.
regen: $(STAMP) ## rewrite every generated file and region (ARGS=--check: list the stale ones)
	$(PY) -m trade_pipeline.generated $(ARGS)

# What CI runs (.ci/run calls it): lint, the suite on two workers, every stack's preview.
check: ## lint, tests (-n 2, no cache) and the preview of every stack, exactly as CI runs them
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test PYTEST_ARGS="-p no:cacheprovider -n 2"
	$(MAKE) --no-print-directory previews

package: $(STAMP) ## build the reproducible Lambda artifact into build/lambda/
	$(PY) -m trade_pipeline.packaging

# Needs only Python and the package index (no project venv): the builder uses the standard
# library, then creates the pack's own venv from policy/requirements.txt, which the Pulumi CLI
# does not do for a local pack. CI builds it beside a `pulumi install`-ed program.
policy-pack: ## self-contained CrossGuard pack with its venv (in the temp dir): --policy-pack DIR, pulumi -C DIR policy publish
	PYTHONPATH=src $(PYTHON) -m trade_pipeline.policy_pack $(POLICY_PACK_DIR) $(if $(POLICY_DOCS_URL),--docs-url '$(POLICY_DOCS_URL)')

bench: $(STAMP) ## run the benchmarks (ratios against baselines measured in the same run)
	$(PY) benchmarks/run.py

# mutmut runs each mutant against the fast tests that reach the mutated function
# (tests/processor_contract and the doctests; [tool.mutmut] in pyproject.toml), on every core,
# keeping earlier results for unchanged functions. The whole package: about 4 minutes on 2
# cores (docs/processor.md, "Mutation testing"); then the score per module, and the figures
# in docs/processor.md (a whole-package run only).
mutate: $(STAMP) ## mutation testing of src/trade_processor (MODULE=name: one module); prints the score
	@start=$$(date +%s); \
	$(VENV)/bin/mutmut run $(if $(MODULE),'trade_processor.$(MODULE).*') && \
	$(PY) -m trade_pipeline.mutation $(if $(MODULE),,--docs --seconds $$(( $$(date +%s) - start )))
	@echo "survivors: $(VENV)/bin/mutmut results; one mutant: $(VENV)/bin/mutmut show <name>"

clean: ## remove build outputs and caches (keeps .venv)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants

distclean: clean ## start over: also remove .venv (the next make target rebuilds it)
	rm -rf $(VENV)
