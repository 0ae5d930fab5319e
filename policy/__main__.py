"""CrossGuard policy pack: the rules of ``trade_pipeline.policies``, nothing else.

Pulumi runs this file as ``__main__`` (``pulumi preview --policy-pack policy/``); only then is
the :class:`~pulumi_policy.PolicyPack` constructed, because constructing one starts a gRPC
server and blocks. Tests import :func:`build_policies` instead.

Resource rules become ``ResourceValidationPolicy`` (they see each resource's inputs); stack
rules become ``StackValidationPolicy`` (they see every resource's outputs, some unknown during
a preview: such checks are skipped, never failed). Severity maps to the enforcement level:
mandatory blocks the update, advisory warns. Advisory rules waived in a stack's
``trade-pipeline:policyWaivers`` are shown by ``trade-pipeline preview``; in CrossGuard, set
the policy's enforcement level to ``disabled`` in a policy config file to waive it there.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from trade_pipeline.policies import (
    RULES,
    Rule,
    Severity,
    resource_view_from_crossguard,
    stack_view_from_crossguard,
)

PACK_NAME = "trade-pipeline"


def _level(rule: Rule) -> EnforcementLevel:
    if rule.severity is Severity.MANDATORY:
        return EnforcementLevel.MANDATORY
    return EnforcementLevel.ADVISORY


def _report(rule: Rule, detail: str) -> str:
    return f"{detail}. {rule.message}"


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        view = resource_view_from_crossguard(args)
        if not rule.applies_to(view):
            return
        for finding in rule(view):
            if not finding.skipped:
                report_violation(_report(rule, finding.message), None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_level(rule),
        remediation_steps=rule.message,
    )


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for finding in rule(stack_view_from_crossguard(args)):
            if not finding.skipped:
                report_violation(_report(rule, finding.message), finding.urn)

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_level(rule),
        remediation_steps=rule.message,
    )


def build_policies() -> list[Any]:
    """One CrossGuard policy per rule of ``trade_pipeline.policies``, same names, same order."""
    return [_stack_policy(r) if r.is_stack_rule else _resource_policy(r) for r in RULES]


if __name__ == "__main__":
    PolicyPack(
        name=PACK_NAME,
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=build_policies(),
    )
