"""The recorded processor duration the estimate bills: a committed figure, not this machine's.

``durations.json`` (beside this module) holds, per function, the handler's in-process time per
event at one full vCPU (DynamoDB answered in process), the date it was measured and how.
``trade-pipeline cost``, the preview's estimate line and every figure of ``docs/cost.md`` read
it, so the estimate is the same on every machine and at every run. ``make bench``
(``benchmarks/bench_cost.py``) measures the handler again and rewrites the record when the
billed duration at the dev stack's memory changes; then ``make regen`` brings the docs in step.
``--duration-ms`` replaces the recorded figure with one from CloudWatch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["DURATIONS_FILE", "PROCESSOR", "RecordedDuration", "recorded", "write_recorded"]

DURATIONS_FILE = Path(__file__).with_name("durations.json")
PROCESSOR = "processor"
"""The function whose duration is billed per event (the conflict detector runs only on MODIFY
stream records, not per event: the estimate counts no duration of its own for it)."""


@dataclass(frozen=True)
class RecordedDuration:
    """One function's measured handler time, as ``make bench`` recorded it."""

    cpu_ms: float
    """Handler time per event in process at one full vCPU, DynamoDB stubbed (milliseconds)."""
    measured_on: str
    """ISO date of the measurement."""
    rounds: int
    """Timed invocations; the figure is the fastest batch's mean."""
    how: str
    """What ran, so a reader can reproduce it."""

    @property
    def label(self) -> str:
        return f"recorded {self.measured_on} by make bench"


def recorded(function: str = PROCESSOR, path: Path = DURATIONS_FILE) -> RecordedDuration:
    """The recorded duration of ``function`` (KeyError naming the file when absent)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = data["functions"].get(function)
    if entry is None:
        raise KeyError(f"{path.name} records no duration for function {function!r}")
    return RecordedDuration(**entry)


def write_recorded(function: str, duration: RecordedDuration, path: Path = DURATIONS_FILE) -> None:
    """Record ``duration`` for ``function``, keeping the other functions' entries."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    functions = dict(data.get("functions", {}))
    functions[function] = asdict(duration)
    data = {
        "about": "Handler time per event at one full vCPU, measured by `make bench` "
        "(benchmarks/bench_cost.py); read by trade_pipeline.cost.durations.",
        "functions": dict(sorted(functions.items())),
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
