"""The offline preview is reproducible: two previews of one program are the same plan.

Pulumi's mock engine completes registrations from a thread pool, so they reach the monitor in
an order that changes from run to run; the plan lists resources in the order the program
declares them instead (``trade_pipeline.preview.in_declaration_order``), so ``build/plan-*.json``,
the preview's tables and every generated file read from a plan are identical run after run.
The dev plan's URNs themselves are pinned in ``data/dev-plan-urns.txt``, a generated file
(``make regen``, checked by ``tests/unit/test_generated.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.plans import build


def test_two_previews_of_the_dev_stack_are_the_same_plan_in_the_same_order(
    dev_stack_config: dict[str, Any], lambda_artifact: Any, plan_order: str
) -> None:
    if plan_order != "declared":
        pytest.skip(f"--plan-order {plan_order} shuffles plans on purpose")
    first, second = (build(dev_stack_config, lambda_artifact) for _ in range(2))

    assert first.to_json() == second.to_json()
    stack = "urn:pulumi:dev::trade-pipeline::pulumi:pulumi:Stack::trade-pipeline-dev"
    seen = {stack}
    for resource in first.resources:  # declaration order: a parent before its children
        assert resource.parent in seen, f"{resource.name} before its parent {resource.parent}"
        seen.add(resource.urn)
