"""The result type every benchmark returns, and small timing helpers."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Measurement:
    """``subject`` compared with ``baseline``, as a ratio.

    Both are in seconds unless ``unit`` says otherwise (``"usd"`` for cost figures).
    """

    name: str
    subject_s: float
    baseline_s: float
    budget: float | None = None
    """Highest acceptable ratio; ``None`` for informational measurements."""
    note: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)
    unit: str = "s"

    @property
    def ratio(self) -> float:
        return self.subject_s / self.baseline_s

    @property
    def within_budget(self) -> bool:
        return self.budget is None or self.ratio <= self.budget

    def line(self) -> str:
        verdict = "info" if self.budget is None else ("ok" if self.within_budget else "OVER")
        budget = "" if self.budget is None else f" (budget {self.budget:.2f}x)"
        return (
            f"{self.name:<44} {self.ratio:5.2f}x{budget:<16} [{verdict}] "
            f"{self._show(self.subject_s)} vs {self._show(self.baseline_s)}  {self.note}"
        )

    def _show(self, value: float) -> str:
        return f"${value:.2f}" if self.unit == "usd" else _human(value)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "ratio": self.ratio, "within_budget": self.within_budget}


def median(values: list[float]) -> float:
    return statistics.median(values)


def _human(seconds: float) -> str:
    if seconds >= 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1e6:.1f} us"
