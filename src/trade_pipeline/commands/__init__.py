"""Commands of ``trade-pipeline`` beyond the preview; each module exposes ``register(app)``.

Operator commands keep their logic in :mod:`trade_pipeline.ops`; these modules parse options,
draw progress bars and tables, and map results to exit codes.
"""

from __future__ import annotations

__all__: list[str] = []
