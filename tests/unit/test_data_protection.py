"""Data that survives a destroy by mistake: with deletion protection on, what holds data carries
Pulumi's ``protect`` (the plan records each resource's options), as one config decision."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.plans import build
from trade_pipeline import resource_types as rt
from trade_pipeline.policies import evaluate_plan, rule_by_name
from trade_pipeline.policies.views import stack_view_from_plan
from trade_pipeline.preview import Plan

PROTECTED = "trade-pipeline:deletionProtection"
# customer-managed keys and backup vaults, so that every kind of data holder is in the plan
WITH_KEYS_AND_VAULTS = {
    "trade-pipeline:encryption": "customer-managed",
    "trade-pipeline:backup": True,
}
HOLDERS = {rt.TABLE, rt.QUEUE, rt.ARCHIVE, rt.BACKUP_VAULT}


@pytest.fixture(scope="module")
def plans(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> dict[bool, Plan]:
    config = {**dev_stack_config, **WITH_KEYS_AND_VAULTS}
    return {on: build({**config, PROTECTED: on}, lambda_artifact) for on in (True, False)}


def _table_keys(plan: Plan) -> set[str]:
    (table,) = plan.by_type(rt.TABLE)
    return {urn for urn in table.dependencies if plan.by_urn()[urn].type == rt.KMS_KEY}


def test_with_deletion_protection_every_data_holder_and_table_key_is_protected(
    plans: dict[bool, Plan],
) -> None:
    plan = plans[True]
    keys = _table_keys(plan)
    protected = {r.urn for r in plan.resources if r.protect}

    assert len(keys) == 3  # one table key per region
    assert {r.type for r in plan.resources if r.urn in protected} == HOLDERS | {rt.KMS_KEY}
    for resource in plan.resources:
        holds_data = resource.type in HOLDERS or resource.urn in keys
        assert resource.protect is holds_data, resource.name
        assert resource.retain_on_delete is False, resource.name  # protect, not retain


def test_without_deletion_protection_nothing_is_protected(plans: dict[bool, Plan]) -> None:
    assert [r.name for r in plans[False].resources if r.protect] == []


def test_the_table_and_its_replicas_get_deletion_protection_from_the_same_key(
    plans: dict[bool, Plan],
) -> None:
    for on, plan in plans.items():
        (table,) = plan.by_type(rt.TABLE)
        assert table.protect is on
        assert table.inputs["deletionProtectionEnabled"] is on
        assert {r["deletionProtectionEnabled"] for r in table.inputs["replicas"]} == {on}


def test_dev_defaults_to_unprotected_and_prod_to_protected(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    dev = build(dev_stack_config, lambda_artifact)
    staging = build(dev_stack_config, lambda_artifact, {"TRADE_PIPELINE_ENVIRONMENT": "staging"})

    assert not any(r.protect for r in dev.resources)
    assert {r.type for r in staging.resources if r.protect} == {
        rt.TABLE,
        rt.QUEUE,
        rt.ARCHIVE,
    }  # aws-managed encryption: no table key of our own, no vault without backup


def test_protection_does_not_change_urns(plans: dict[bool, Plan]) -> None:
    # (as sets: the plan's order is the engine's registration order)
    assert sorted(r.urn for r in plans[True].resources) == sorted(
        r.urn for r in plans[False].resources
    )


def test_the_rule_passes_on_the_protected_plan_and_names_each_unprotected_holder(
    plans: dict[bool, Plan],
) -> None:
    rule = rule_by_name("data-resources-protected")
    plan = plans[True]
    assert rule(stack_view_from_plan(plan)) == []

    for type_ in (rt.TABLE, rt.QUEUE, rt.ARCHIVE, rt.BACKUP_VAULT):
        victim = next(r for r in plan.resources if r.type == type_)
        victim.protect = False
        findings = rule(stack_view_from_plan(plan))
        victim.protect = True
        assert [f.resource for f in findings] == [victim.name], type_
        assert "not protected" in findings[0].message


def test_the_rule_does_not_ask_for_the_alarm_key(plans: dict[bool, Plan]) -> None:
    # The alarm topic's key protects messages in flight, not data at rest.
    plan = plans[True]
    keys = _table_keys(plan)
    alarm_key = next(r for r in plan.by_type(rt.KMS_KEY) if r.urn not in keys)
    assert alarm_key.protect is False

    assert evaluate_plan(plan).result("data-resources-protected").outcome.value == "passed"


def test_the_rule_has_nothing_to_ask_without_deletion_protection(
    plans: dict[bool, Plan],
) -> None:
    assert rule_by_name("data-resources-protected")(stack_view_from_plan(plans[False])) == []
