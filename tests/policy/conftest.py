"""Fixtures of the policy tests: the real program's plan, built once, copied per test.

The plan comes from the offline preview of the `dev` stack (three regions) with the real,
reproducible Lambda artifact (both fixtures of ``tests/conftest.py``), so the rules are checked
against exactly what `make preview` evaluates. Tests that reintroduce a review failure change a
deep copy of that plan, or run a variant of the program through ``run_preview(program=...)``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.preview import Plan, run_preview


@pytest.fixture(scope="session")
def preview(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Callable[..., Plan]:
    """Run the offline preview of the dev stack, optionally with overrides or a program."""

    def run(
        *,
        config: dict[str, Any] | None = None,
        environ: dict[str, str] | None = None,
        program: Callable[[PipelineConfig], object] | None = None,
    ) -> Plan:
        return run_preview(
            {**dev_stack_config, **(config or {})},
            stack="dev",
            environ=environ or {},
            artifact=lambda_artifact,
            program=program,
        )

    return run


@pytest.fixture(scope="session")
def base_plan(preview: Callable[..., Plan]) -> Plan:
    return preview()


@pytest.fixture
def plan(base_plan: Plan) -> Plan:
    """A private copy of the dev plan, free to be broken by the test."""
    return copy.deepcopy(base_plan)
