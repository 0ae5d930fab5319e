"""Running every rule over a stack or a plan, with the stack's waivers applied.

Only waiver problems are :class:`WaiverError` (a :class:`~trade_pipeline.errors.UserError`: the
command prints it and exits 2); any other error of a rule is a bug and propagates as it is.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from trade_pipeline.config.errors import CONFIG_NAMESPACE
from trade_pipeline.config.items import PolicyWaiver
from trade_pipeline.errors import UserError
from trade_pipeline.policies.model import Finding, Outcome, Rule, Severity, StackView
from trade_pipeline.policies.registry import RULES_BY_NAME
from trade_pipeline.policies.report import ComplianceReport, RuleResult
from trade_pipeline.policies.rules import RULES
from trade_pipeline.policies.views import stack_view_from_plan

if TYPE_CHECKING:
    from trade_pipeline.preview import Plan

__all__ = ["WaiverError", "evaluate_plan", "evaluate_stack", "validate_waivers"]


class WaiverError(UserError):
    """A policy waiver names an unknown or a mandatory rule, or is malformed."""

    @property
    def lines(self) -> list[str]:
        return [f"config error: {CONFIG_NAMESPACE}:policyWaivers: {self}"]


def validate_waivers(waivers: Iterable[PolicyWaiver]) -> list[PolicyWaiver]:
    """Refuse waivers of unknown or mandatory rules (:class:`WaiverError` naming the rule)."""
    checked = []
    for waiver in waivers:
        rule = RULES_BY_NAME.get(waiver.rule)
        if rule is None:
            close = difflib.get_close_matches(waiver.rule, RULES_BY_NAME, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise WaiverError(
                f"policy waiver names unknown rule {waiver.rule!r} "
                f"({hint}every rule is listed in docs/policies.md)"
            )
        if rule.severity is Severity.MANDATORY:
            raise WaiverError(
                f"policy waiver for {waiver.rule!r}: mandatory rules cannot be waived; "
                "fix the resource instead"
            )
        checked.append(waiver)
    return checked


def _waiver_for(finding: Finding, waivers: Sequence[PolicyWaiver]) -> PolicyWaiver | None:
    for waiver in waivers:
        for pattern in waiver.resources:
            if pattern == "*" or pattern == finding.resource:
                return waiver
            if finding.urn and finding.urn.endswith(f"::{pattern}"):
                return waiver
    return None


def _result(rule: Rule, stack: StackView, waivers: Sequence[PolicyWaiver]) -> RuleResult:
    """One rule over the stack: violations, waived findings and undecided checks sorted out."""
    examined, findings = rule.evaluate(stack)
    result = RuleResult(rule, Outcome.PASSED, examined)
    for finding in findings:
        if finding.skipped:
            result.notes.append(f"{finding.resource or 'stack'}: {finding.message}")
            continue
        matched = _waiver_for(finding, waivers)
        if matched is None:
            result.violations.append(finding)
        else:
            result.waived.append(finding)
            result.waiver_reasons.append(matched.reason)
    if result.violations:
        result.outcome = Outcome.FAILED
    elif result.waived:
        result.outcome = Outcome.WAIVED
    return result


def evaluate_stack(stack: StackView, waivers: Iterable[PolicyWaiver] = ()) -> ComplianceReport:
    """Run every rule over a stack view; waivers apply to advisory rules only."""
    by_rule: dict[str, list[PolicyWaiver]] = defaultdict(list)
    for waiver in validate_waivers(waivers):
        by_rule[waiver.rule].append(waiver)
    return ComplianceReport([_result(rule, stack, by_rule.get(rule.name, [])) for rule in RULES])


def evaluate_plan(plan: Plan, waivers: Sequence[PolicyWaiver] | None = None) -> ComplianceReport:
    """Run every rule over an offline-preview plan.

    ``waivers`` defaults to the stack's own ``trade-pipeline:policyWaivers`` (``plan.config``).
    Raises :class:`WaiverError` when a waiver is malformed or names an unknown or a mandatory
    rule.
    """
    if waivers is None:
        try:
            waivers = [
                PolicyWaiver.model_validate(w) for w in plan.config.get("policyWaivers") or ()
            ]
        except ValidationError as exc:
            raise WaiverError(str(exc).replace("\n", " ")) from None
    return evaluate_stack(stack_view_from_plan(plan), waivers)
