"""Cost per million events of the dev stack, as a ratio to the floor (`trade-pipeline cost`).

The floor is what any such pipeline pays per event: one EventBridge ingest, one Lambda
invocation (configured memory, recorded duration), one write per region. The dev stack's
figure is the whole estimate (indexes, replicas, the trade guard at the stack's trade share,
archive, logs, traces, storage). The lean default (docs/cost.md) holds it within 1.5x: every
extra beyond that is a config choice whose cost ``trade-pipeline cost`` shows.

It also re-measures the processor's duration (``trade_pipeline.cost.profile.remeasure``): when
the billed duration at the dev stack's memory differs from the recorded one,
``src/trade_pipeline/cost/durations.json`` is rewritten and the note says so (then run
``make regen`` and commit both). The estimate itself never times anything.

Run: ``make bench`` or ``.venv/bin/python benchmarks/run.py cost``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from measurement import Measurement

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

VOLUME = 100_000_000


def _budget() -> float:
    """The dev stack's variable cost per million events, at most this many times the floor
    (docs/cost.md quotes the same figure)."""
    from trade_pipeline.cost.figures import FLOOR_BUDGET

    return FLOOR_BUDGET


def run(quick: bool = False) -> list[Measurement]:
    """Re-measure the recorded duration, then the dev stack's cost per million events against
    the floor (``quick`` times fewer rounds)."""
    from trade_pipeline.commands.cost import run_cost
    from trade_pipeline.cost.plan_facts import read_plan
    from trade_pipeline.cost.profile import remeasure

    first = run_cost("dev", project_dir=REPO, environ={}, events_per_month=VOLUME)
    record, changed = remeasure(read_plan(first.plan), rounds=50 if quick else 200)
    result = run_cost("dev", project_dir=REPO, environ={}, events_per_month=VOLUME)
    facts = read_plan(result.plan)
    memory = facts.processors[facts.primary].memory_mb
    note = (
        f"USD per million events; processor {result.profile.duration_ms(memory):.0f} ms billed "
        f"at {memory} MB ({record.label}"
        + ("; durations.json rewritten: run `make regen` and commit both)" if changed else ")")
    )
    return [
        Measurement(
            name="cost: dev stack vs floor",
            subject_s=result.estimate.usd_per_million_events,
            baseline_s=result.floor.usd_per_million_events,
            budget=_budget(),
            note=note,
            unit="usd",
        )
    ]
