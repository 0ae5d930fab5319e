"""The CrossGuard pack: imports without starting a server, exposes the same rules, and adapts
CrossGuard's arguments (built by hand, as pulumi-policy allows) to the same verdicts."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from tests.support.plans import processor
from trade_pipeline import resource_types as rt
from trade_pipeline.policies import RULES, Severity
from trade_pipeline.preview import Plan, PlannedResource

PACK = Path(__file__).resolve().parents[2] / "policy" / "__main__.py"


@pytest.fixture(scope="module")
def pack() -> ModuleType:
    # Imported under another name than __main__: the PolicyPack (a blocking gRPC server) is
    # only constructed when Pulumi runs the file.
    spec = importlib.util.spec_from_file_location("trade_pipeline_policy_pack", PACK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], None, [], None)  # type: ignore[arg-type]


def _provider(plan: Plan, resource: PlannedResource) -> PolicyProviderResource | None:
    if not resource.provider:
        return PolicyProviderResource("pulumi:providers:aws", {}, "urn:default", "default_7_51_1")
    urn = resource.provider.rsplit("::", 1)[0]
    provider = plan.by_urn()[urn]
    return PolicyProviderResource(
        provider.type, unknown_checking_proxy(dict(provider.inputs)), urn, provider.name
    )


def _resource_args(plan: Plan, resource: PlannedResource) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        resource.type,
        unknown_checking_proxy(dict(resource.inputs)),
        resource.urn,
        resource.name,
        _options(),
        _provider(plan, resource),
    )


def _stack_args(
    plan: Plan, outputs: dict[str, dict[str, Any]] | None = None
) -> StackValidationArgs:
    resources = {
        r.urn: PolicyResource(
            r.type,
            unknown_checking_proxy(dict((outputs or {}).get(r.urn, r.outputs or r.inputs))),
            r.urn,
            r.name,
            _options(r.protect),
            _provider(plan, r) if r.custom and not r.type.startswith("pulumi:providers:") else None,
            None,
            [],
            {},
        )
        for r in plan.resources
        if r.custom
    }
    for r in plan.resources:  # CrossGuard hands dependencies over as the resources themselves
        if r.urn in resources:
            resources[r.urn].dependencies = [resources[d] for d in r.dependencies if d in resources]
    return StackValidationArgs(list(resources.values()))


def _run(policy: Any, args: Any) -> list[str]:
    messages: list[str] = []
    policy.validate(args, lambda message, urn=None: messages.append(message))
    return messages


def test_pack_lists_the_same_rules_with_their_enforcement(pack: ModuleType) -> None:
    policies = pack.build_policies()

    assert [p.name for p in policies] == [r.name for r in RULES]
    for policy, rule in zip(policies, RULES, strict=True):
        expected = (
            EnforcementLevel.MANDATORY
            if rule.severity is Severity.MANDATORY
            else EnforcementLevel.ADVISORY
        )
        assert policy.enforcement_level == expected
        assert isinstance(
            policy, StackValidationPolicy if rule.is_stack_rule else ResourceValidationPolicy
        )


def test_resource_policies_pass_the_real_plan(pack: ModuleType, base_plan: Plan) -> None:
    policies = [p for p in pack.build_policies() if isinstance(p, ResourceValidationPolicy)]
    advisory = {r.name for r in RULES if r.severity is Severity.ADVISORY}
    failures = []
    for resource in base_plan.resources:
        if not resource.custom or resource.type.startswith("pulumi:"):
            continue
        args = _resource_args(base_plan, resource)
        for policy in policies:
            failures += [(policy.name, resource.name, m) for m in _run(policy, args)]

    assert [f for f in failures if f[0] not in advisory] == []


def test_resource_policy_reports_a_violation_with_what_to_change(
    pack: ModuleType, plan: Plan
) -> None:
    fn = processor(plan, "us-east-1")
    fn.inputs["tracingConfig"] = {"mode": "PassThrough"}
    (policy,) = [p for p in pack.build_policies() if p.name == "lambda-tracing-active"]

    messages = _run(policy, _resource_args(plan, fn))

    assert len(messages) == 1 and "mode='Active'" in messages[0]


def test_default_provider_is_seen_through_crossguard_args(pack: ModuleType, plan: Plan) -> None:
    fn = processor(plan, "us-east-1")
    fn.provider = ""
    (policy,) = [p for p in pack.build_policies() if p.name == "no-default-provider"]

    assert _run(policy, _resource_args(plan, fn))


def test_stack_policies_pass_on_outputs_after_up(pack: ModuleType, base_plan: Plan) -> None:
    policies = [p for p in pack.build_policies() if isinstance(p, StackValidationPolicy)]
    args = _stack_args(base_plan)

    assert {p.name: _run(p, args) for p in policies} == {p.name: [] for p in policies}


def test_stack_policies_catch_a_missing_region_resource(pack: ModuleType, plan: Plan) -> None:
    plan.resources = [
        r for r in plan.resources if not (r.type == rt.TARGET and r.region == "eu-west-1")
    ]
    (policy,) = [p for p in pack.build_policies() if p.name == "regional-completeness"]

    messages = _run(policy, _stack_args(plan))

    assert any("eu-west-1 lacks EventTarget" in m for m in messages)


def test_unknown_values_during_preview_are_skipped_not_failed(
    pack: ModuleType, base_plan: Plan
) -> None:
    # In a first preview, ARNs and URLs are unknown: the checks that need them must not fail.
    unknown_outputs = {}
    for r in base_plan.resources:
        props = dict(r.outputs or r.inputs)
        for key in ("arn", "url", "sourceArn", "queueUrl"):
            if key in props:
                props[key] = UNKNOWN_STRING_VALUE
        unknown_outputs[r.urn] = props
    policies = [p for p in pack.build_policies() if isinstance(p, StackValidationPolicy)]
    args = _stack_args(base_plan, unknown_outputs)

    assert {p.name: _run(p, args) for p in policies} == {p.name: [] for p in policies}


def test_protect_reaches_the_rules_through_crossguard_options(
    pack: ModuleType, preview: Any
) -> None:
    plan = preview(
        config={
            "trade-pipeline:deletionProtection": True,
            "trade-pipeline:encryption": "customer-managed",
        }
    )
    (policy,) = [p for p in pack.build_policies() if p.name == "data-resources-protected"]
    assert _run(policy, _stack_args(plan)) == []

    key = next(r for r in plan.by_type(rt.KMS_KEY) if r.name == "table-eu-west-1-key")
    key.protect = False

    (message,) = _run(policy, _stack_args(plan))
    assert "table-eu-west-1-key is not protected" in message
