"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def lambda_artifact() -> Any:
    """The real, reproducible Lambda artifact the program deploys (built once; cached)."""
    from trade_pipeline.config import newest_python_runtime
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
