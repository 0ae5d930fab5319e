"""CrossGuard policy pack: the rules of ``trade_pipeline.policies``, nothing else.

Pulumi runs this file as ``__main__`` (``pulumi preview --policy-pack policy/``); only then is
the :class:`~pulumi_policy.PolicyPack` constructed, because constructing one starts a gRPC
server and blocks. Tests import :func:`build_policies` instead.

In place (``policy/``) it imports ``trade_pipeline`` from the project's virtualenv (``make
venv``). ``make policy-pack`` copies this file, the ``trade_pipeline`` package, a hash-locked
requirements file and ``pack-metadata.json`` (where the rules' documentation is published) into
a folder that stands on its own, with its virtualenv (``trade_pipeline.policy_pack``): ``pulumi
preview --policy-pack DIR`` runs it, ``pulumi -C DIR policy publish [ORG]`` publishes it.

Resource rules become ``ResourceValidationPolicy`` (they see each resource's inputs); stack
rules become ``StackValidationPolicy`` (they see every resource's outputs, some unknown during
a preview: such checks are skipped, never failed). Severity maps to the enforcement level:
mandatory blocks the update, advisory warns. Advisory rules waived in a stack's
``trade-pipeline:policyWaivers`` are shown by ``trade-pipeline preview``; in CrossGuard, set
the policy's enforcement level to ``disabled`` in a policy config file to waive it there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy import Severity as ConsoleSeverity

from trade_pipeline.policies import (
    RULES,
    Finding,
    Rule,
    Severity,
    resource_view_from_crossguard,
    stack_view_from_crossguard,
)

PACK_NAME = "trade-pipeline"
HERE = Path(__file__).resolve().parent
# Written by `make policy-pack`: {"docs_url": <docs/policies.md as published>, "repository": ...}.
METADATA_FILE = "pack-metadata.json"


def pack_metadata() -> dict[str, str]:
    """What the pack builder recorded about where the rules are documented (empty in place)."""
    path = HERE / METADATA_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def rule_url(rule: Rule, docs_url: str | None) -> str | None:
    """Link to the rule's row in the Rules section of docs/policies.md.

    ``#rules`` opens the section everywhere; the text fragment then scrolls to the rule's own
    row in browsers that support it (a hyphen is a fragment delimiter, so it is escaped).
    """
    if not docs_url:
        return None
    return f"{docs_url}#rules:~:text={rule.name.replace('-', '%2D')}"


def _level(rule: Rule) -> EnforcementLevel:
    if rule.severity is Severity.MANDATORY:
        return EnforcementLevel.MANDATORY
    return EnforcementLevel.ADVISORY


def _console_severity(rule: Rule) -> ConsoleSeverity:
    """The console's severity: a mandatory rule blocks deploys (high), an advisory one warns."""
    return ConsoleSeverity.HIGH if rule.severity is Severity.MANDATORY else ConsoleSeverity.LOW


def _report(rule: Rule, detail: str) -> str:
    return f"{detail}. {rule.message}"


def _metadata(rule: Rule, docs_url: str | None) -> dict[str, Any]:
    """What the Pulumi console shows beside each policy."""
    return {
        "enforcement_level": _level(rule),
        "severity": _console_severity(rule),
        "remediation_steps": rule.message,
        "url": rule_url(rule, docs_url),
    }


def _findings(rule: Rule, args: Any) -> list[Finding]:
    """The rule's violations on CrossGuard's arguments (skipped checks are not violations)."""
    if rule.is_stack_rule:
        findings = rule(stack_view_from_crossguard(args))
    else:
        view = resource_view_from_crossguard(args)
        findings = rule(view) if rule.applies_to(view) else []
    return [f for f in findings if not f.skipped]


def _policy(rule: Rule, docs_url: str | None) -> ResourceValidationPolicy | StackValidationPolicy:
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
        **_metadata(rule, docs_url),
    )


def build_policies(docs_url: str | None = None) -> list[Any]:
    """One CrossGuard policy per rule of ``trade_pipeline.policies``, same names, same order."""
    return [_policy(rule, docs_url) for rule in RULES]


if __name__ == "__main__":
    metadata = pack_metadata()
    readme = HERE / "README.md"
    PolicyPack(
        name=PACK_NAME,
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=build_policies(metadata.get("docs_url")),
        display_name="trade-pipeline compliance rules",
        readme=readme.read_text() if readme.is_file() else None,
        repository=metadata.get("repository"),
    )
