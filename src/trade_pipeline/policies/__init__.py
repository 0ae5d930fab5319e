"""Compliance rules of the pipeline, shared by the offline preview and the CrossGuard pack.

Every rule is a plain, importable object (a :class:`Rule`, callable like the function it wraps)
with a kebab-case ``name``, a one-line ``description``, a ``severity`` (mandatory or advisory), a
``message`` that says what to change and the ``sources`` it follows (checkov, cdk-nag, Pulumi
AWSGuard rule ids, or the review failure of ``docs/review-failures.md`` it prevents).

The package, by step:

- :mod:`~trade_pipeline.policies.model`: rules, findings, severities and the neutral views;
- :mod:`~trade_pipeline.policies.registry`: the decorators and the ordered registry;
- :mod:`~trade_pipeline.policies.values`: value and policy-document readers;
- :mod:`~trade_pipeline.policies.rules`: the rules, one module per service;
- :mod:`~trade_pipeline.policies.views`: views from a plan or from CrossGuard's arguments;
- :mod:`~trade_pipeline.policies.evaluate`: running every rule, with waivers;
- :mod:`~trade_pipeline.policies.report`: the results and the compliance table;
- :mod:`~trade_pipeline.policies.reference`: ``docs/policies.md``, generated from the registry.

>>> [rule.name for rule in RULES][:2]
['lambda-tracing-active', 'lambda-runtime-current']
>>> rule_by_name("kms-key-rotation").severity
<Severity.MANDATORY: 'mandatory'>
"""

from __future__ import annotations

from trade_pipeline.policies.evaluate import (
    WaiverError,
    evaluate_plan,
    evaluate_stack,
    validate_waivers,
)
from trade_pipeline.policies.model import (
    UNKNOWN,
    Finding,
    Outcome,
    ResourceView,
    Rule,
    Severity,
    Skip,
    StackView,
)
from trade_pipeline.policies.registry import resource_rule, rule_by_name, stack_rule, value_rule
from trade_pipeline.policies.report import ComplianceReport, RuleResult, compliance_table
from trade_pipeline.policies.rules import RULES
from trade_pipeline.policies.views import (
    resource_view_from_crossguard,
    stack_view_from_crossguard,
    stack_view_from_plan,
)

__all__ = [
    "RULES",
    "UNKNOWN",
    "ComplianceReport",
    "Finding",
    "Outcome",
    "ResourceView",
    "Rule",
    "RuleResult",
    "Severity",
    "Skip",
    "StackView",
    "WaiverError",
    "compliance_table",
    "evaluate_plan",
    "evaluate_stack",
    "resource_rule",
    "resource_view_from_crossguard",
    "rule_by_name",
    "stack_rule",
    "stack_view_from_crossguard",
    "stack_view_from_plan",
    "validate_waivers",
    "value_rule",
]
