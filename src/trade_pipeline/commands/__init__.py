"""Commands of ``trade-pipeline`` beyond the preview: each module exposes ``register(app)``."""

from __future__ import annotations

__all__: list[str] = []
