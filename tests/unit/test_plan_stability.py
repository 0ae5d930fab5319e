"""The dev stack's URNs are pinned: a refactor must never make ``pulumi up`` replace anything.

A resource's URN is its type, its logical name and the types of its parents; changing any of
them (or the provider region it lands in) makes Pulumi delete and recreate it, which for the
trade table means losing the data. ``data/dev-plan-urns.txt`` lists every URN of the dev plan
with its region. When a change adds or renames resources on purpose, regenerate the list with
``PYTHONPATH=src python -m tests.unit.test_plan_stability`` and review the diff: every removed
line is a resource Pulumi will delete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trade_pipeline.preview import Plan, run_preview

PINNED = Path(__file__).with_name("data") / "dev-plan-urns.txt"


def urn_lines(plan: Plan) -> list[str]:
    """One line per resource: its URN and the region of its provider (``-`` for none)."""
    return sorted(f"{r.urn} @ {r.region or '-'}" for r in plan.resources)


def dev_plan(stack_config: dict[str, Any], artifact: Any) -> Plan:
    """The dev stack as ``make preview`` plans it, without environment overrides."""
    return run_preview(stack_config, stack="dev", environ={}, artifact=artifact)


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return dev_plan(dev_stack_config, lambda_artifact)


def test_dev_plan_has_exactly_the_pinned_urns(plan: Plan) -> None:
    pinned = PINNED.read_text(encoding="utf-8").splitlines()
    actual = urn_lines(plan)
    removed = sorted(set(pinned) - set(actual))
    added = sorted(set(actual) - set(pinned))
    assert (removed, added) == ([], []), (
        "URNs changed: Pulumi would delete the removed and create the added resources"
    )
    assert len(actual) == len(pinned)  # no URN registered twice


if __name__ == "__main__":  # regenerate the pinned list (review the diff before committing)
    from trade_pipeline.packaging import build_lambda_artifact
    from trade_pipeline.preview import load_stack_config

    stack_config = load_stack_config("dev", Path(__file__).resolve().parents[2])
    lines = urn_lines(dev_plan(stack_config, build_lambda_artifact()))
    PINNED.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
