"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def lambda_artifact():  # type: ignore[no-untyped-def]
    """The real, reproducible Lambda artifact (built once; later builds hit the cache)."""
    from trade_pipeline.packaging import build_lambda_artifact

    return build_lambda_artifact()


@pytest.fixture(scope="session")
def dev_stack_config() -> dict[str, object]:
    """The dev stack's config file, as the offline preview reads it."""
    from trade_pipeline.preview import load_stack_config

    return load_stack_config("dev", REPO)
