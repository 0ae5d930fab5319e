"""A stand-in for the Pulumi engine's resource monitor that is NOT the mock one, so the program
behaves as under a real `pulumi preview`/`up`; any call to it fails the test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

__all__ = ["RealEngine", "real_engine"]


class RealEngine:
    """Records every call; the program must not reach it (it refuses before registering)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        raise AssertionError(f"the program called the engine ({name}) before refusing")


@pytest.fixture
def real_engine() -> Iterator[RealEngine]:
    saved = pulumi.runtime.settings.SETTINGS
    monitor = RealEngine()
    pulumi.runtime.settings.configure(
        pulumi.runtime.settings.Settings(project="trade-pipeline", stack="prod", monitor=monitor)
    )
    try:
        yield monitor
    finally:
        pulumi.runtime.settings.configure(saved)
        pulumi.runtime.set_all_config({}, [])
