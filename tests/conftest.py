"""Fixtures shared by every test folder."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

# `real_engine`: the program under a stand-in of the real engine (tests/support/engine.py).
from tests.support.engine import real_engine  # noqa: F401

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--plan-order",
        default="declared",
        help=(
            "declared: plans list resources as the preview does (declaration order); "
            "shuffled[:SEED]: every plan built in-process lists them in a seeded random order, "
            "which shows that no test reads a plan by position"
        ),
    )


@pytest.fixture(scope="session", autouse=True)
def plan_order(request: pytest.FixtureRequest) -> Iterator[str]:
    """``--plan-order shuffled:SEED`` replaces the preview's ordering with a shuffle seeded by
    SEED and the plan's URNs (so one plan gets the same order in any worker, in any test)."""
    from trade_pipeline import preview

    option = str(request.config.getoption("--plan-order"))
    if option == "declared":
        yield option
        return
    kind, _, seed = option.partition(":")
    if kind != "shuffled":
        raise pytest.UsageError(f"--plan-order {option!r}: declared or shuffled[:SEED]")

    def shuffled(
        resources: list[preview.PlannedResource], _index: Mapping[tuple[str, str], int]
    ) -> list[preview.PlannedResource]:
        urns = "\n".join(sorted(r.urn for r in resources))
        rng = random.Random(f"{seed}:{hashlib.sha256(urns.encode()).hexdigest()}")  # noqa: S311 - a test order, not a secret
        return rng.sample(resources, len(resources))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(preview, "in_declaration_order", shuffled)
        yield option


@pytest.fixture(scope="session")
def lambda_artifact() -> Any:
    """The real, reproducible Lambda artifact the program deploys (built once; cached)."""
    from trade_pipeline.config.types import newest_python_runtime
    from trade_pipeline.packaging import build_lambda_artifact

    return build_lambda_artifact(runtime=newest_python_runtime(), architecture="arm64")


@pytest.fixture(scope="session")
def dev_stack_config() -> dict[str, Any]:
    """The dev stack's config file, as the offline preview reads it."""
    from trade_pipeline.preview import load_stack_config

    return load_stack_config("dev", REPO)


@pytest.fixture(scope="session")
def private_stack_config() -> dict[str, Any]:
    """The example stack with private networking on (``Pulumi.private.yaml``)."""
    from trade_pipeline.preview import load_stack_config

    return load_stack_config("private", REPO)


@pytest.fixture(scope="session")
def private_plan(private_stack_config: dict[str, Any], lambda_artifact: Any) -> Any:
    """The offline preview of the private stack (networkMode vpc), built once."""
    from trade_pipeline.preview import run_preview

    return run_preview(private_stack_config, stack="private", environ={}, artifact=lambda_artifact)
