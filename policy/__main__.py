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
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from trade_pipeline.policies import (
    RULES,
    Finding,
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


def _findings(rule: Rule, args: Any) -> list[Finding]:
    """The rule's violations on CrossGuard's arguments (skipped checks are not violations)."""
    if rule.is_stack_rule:
        findings = rule(stack_view_from_crossguard(args))
    else:
        view = resource_view_from_crossguard(args)
        findings = rule(view) if rule.applies_to(view) else []
    return [f for f in findings if not f.skipped]


def _policy(rule: Rule) -> ResourceValidationPolicy | StackValidationPolicy:
    """The CrossGuard policy of one rule: same name, description, level and remediation."""

    def validate(args: Any, report_violation: ReportViolation) -> None:
        for finding in _findings(rule, args):
            urn = finding.urn if rule.is_stack_rule else None
            report_violation(_report(rule, finding.message), urn)

    kind = StackValidationPolicy if rule.is_stack_rule else ResourceValidationPolicy
    return kind(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_level(rule),
        remediation_steps=rule.message,
    )


def build_policies() -> list[Any]:
    """One CrossGuard policy per rule of ``trade_pipeline.policies``, same names, same order."""
    return [_policy(rule) for rule in RULES]


if __name__ == "__main__":
    PolicyPack(
        name=PACK_NAME,
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=build_policies(),
    )
