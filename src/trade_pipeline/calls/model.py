"""Who makes a call and what it asks for, as the evaluator sees it, and where a plan keeps them.

A :class:`Request` is one authorisation AWS performs: a principal, an action, one resource
ARN, the request context keys we know (``aws:SecureTransport``, ``aws:SourceArn``...), and
where the request comes from (a recorded call or a row of the service-side table, with the
AWS page that states it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from trade_pipeline.preview import Plan, PlannedResource

__all__ = [
    "COMPONENT_HANDLERS",
    "FUNCTION",
    "Principal",
    "Request",
    "function_of",
    "functions",
    "role_principal",
]

FUNCTION = "aws:lambda/function:Function"
# a component of the recorder -> the handler of the function that runs its code
COMPONENT_HANDLERS = {
    "processor": "trade_processor.handler.handler",
    "conflict-detector": "trade_processor.conflicts.handler",
}


@dataclass(frozen=True)
class Principal:
    """``kind`` role (a function's execution role), policy (a managed policy given to callers
    outside the stack), service (an AWS service principal) or unknown (the operator's own
    credentials: nothing in the plan says what they hold)."""

    kind: str
    name: str  # role name, policy logical name, service host, or the command
    arn: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Request:
    """One authorisation: ``principal`` asks for ``action`` on ``resource``."""

    principal: Principal
    action: str
    resource: str
    region: str
    origin: str  # "recorded <component>" or the service-side row's name
    source: str = ""  # the AWS page (service-side rows)
    context: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def context_dict(self) -> dict[str, str]:
        return dict(self.context)


def functions(plan: Plan, region: str | None = None) -> Iterator[PlannedResource]:
    for function in plan.by_type(FUNCTION):
        if region is None or function.region == region:
            yield function


def function_of(plan: Plan, component: str, region: str) -> PlannedResource | None:
    """The function in ``region`` that runs ``component``'s code (None: not in this plan)."""
    handler = COMPONENT_HANDLERS.get(component)
    return next((f for f in functions(plan, region) if f.inputs.get("handler") == handler), None)


def role_principal(function: PlannedResource) -> Principal:
    arn = str(function.inputs.get("role") or "")
    return Principal("role", arn.rsplit("/", 1)[-1], arn)
