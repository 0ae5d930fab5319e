"""The rules, one module per service; importing this package registers them all.

:data:`MODULES` is the registration order, hence the order of the compliance table and of the
CrossGuard pack. Users' waivers and CI logs name rules, so a new module goes where its rules
should appear, and the compliance golden file (``tests/policy/compliance-dev.golden.json``,
rewritten by ``make regen``) shows any reordering. (The modules are imported from this tuple
rather than by import statements, which a formatter would sort.)
"""

from __future__ import annotations

import importlib
from typing import Final

from trade_pipeline.policies.model import Rule
from trade_pipeline.policies.registry import registered_rules

__all__ = ["MODULES", "RULES"]

MODULES: Final = (
    "lambda_",  # functions
    "lambda_invocation",  # failure destinations, async bounds, logs, permissions
    "iam",
    "dynamodb",
    "backup",  # table backups (when on)
    "eventbridge",
    "messaging",  # SQS, SNS
    "kms",
    "resource_policies",  # actions each resource policy may name
    "cloudwatch",  # alarms
    "loss_alarms",  # an alarm on every loss path
    "stack",  # providers, regions, completeness
    "network",  # private networking (networkMode vpc); after the others, so their rows stay
    "protection",  # protect on what holds data; added last for the same reason
    "calls",  # recorded and service-side calls permitted; last, for the same reason
    "failover",  # global endpoint: replication role, health check; the same reason
    "consistency",  # strong-consistency (MRSC) tables; last, for the same reason
)

for _module in MODULES:
    importlib.import_module(f"{__name__}.{_module}")

RULES: Final[tuple[Rule, ...]] = registered_rules()
