"""Operator commands for a deployed stack; each module exposes ``register(app)``.

The logic lives in :mod:`trade_pipeline.ops`; these modules parse options, draw progress bars
and tables, and map results to exit codes.
"""

from __future__ import annotations

__all__: list[str] = []
