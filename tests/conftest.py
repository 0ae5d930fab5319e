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
