"""What a compliance rule is and what it sees.

Rules never see Pulumi or CrossGuard objects, only two neutral views: :class:`ResourceView` (one
resource: type, logical name, URN, inputs as ``props``, the region of its provider, outputs where
known) and :class:`StackView` (every resource plus the configured regions).

A value the engine does not know yet (a CrossGuard preview before the first ``up``) is
:data:`UNKNOWN`. The value readers of :mod:`trade_pipeline.policies.values` raise :class:`Skip`
when they meet one, and :func:`run_check` (the one place that handles it, for resource and stack
rules alike) turns that into a skipped finding naming the rule and the attribute:

>>> def check(resource):
...     raise Skip("tracingConfig.mode")
>>> view = ResourceView(type="aws:lambda/function:Function", name="fn", urn="urn:fn", props={})
>>> [(f.resource, f.message, f.skipped) for f in run_check(view, check)]
[('fn', 'tracingConfig.mode not known until deployment', True)]

Stack rules call :func:`run_check` per resource they judge, so one unknown value skips that
resource only; :class:`Rule` then prefixes every skipped finding with its own name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final

__all__ = [
    "UNKNOWN",
    "Finding",
    "Outcome",
    "ResourceView",
    "Rule",
    "Severity",
    "Skip",
    "StackView",
    "is_unknown",
    "run_check",
    "run_per_resource",
]


class Severity(StrEnum):
    """Mandatory rules stop the preview; advisory rules are shown and may be waived."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"


class Outcome(StrEnum):
    """A rule's verdict over the whole stack."""

    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"


class _Unknown:
    """A value the engine does not know yet (CrossGuard during preview)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Final = _Unknown()


def is_unknown(value: object) -> bool:
    """True for :data:`UNKNOWN` (a value known only after deployment)."""
    return value is UNKNOWN


class Skip(Exception):
    """Raised by a value reader when the value a check needs is unknown until deployment."""

    def __init__(self, attribute: str) -> None:
        super().__init__(attribute)
        self.attribute = attribute

    @property
    def reason(self) -> str:
        return f"{self.attribute} not known until deployment"


@dataclass(frozen=True)
class ResourceView:
    """One resource as every rule sees it, whether it comes from a Plan or from CrossGuard."""

    type: str
    name: str  # logical name
    urn: str
    props: Mapping[str, Any]  # inputs (camelCase); in a CrossGuard stack check: the outputs
    region: str | None = None  # region of its provider
    default_provider: bool = False
    custom: bool = True
    outputs: Mapping[str, Any] = field(default_factory=dict)  # {} where not known
    dependencies: tuple[str, ...] = ()  # URNs
    protect: bool | None = None  # Pulumi's protect option; None where not known

    @property
    def is_aws(self) -> bool:
        return self.custom and self.type.startswith("aws:")

    def output(self, key: str) -> Any:
        """An output (``arn``, ``url``...), or :data:`UNKNOWN` when not known yet."""
        value = self.outputs.get(key)
        return UNKNOWN if value is None else value


@dataclass(frozen=True)
class StackView:
    """Every resource of the stack and the regions it is configured for."""

    resources: tuple[ResourceView, ...]
    primary_region: str | None = None
    regions: tuple[str, ...] = ()  # primary first; () when unknown

    def of_type(self, *types: str) -> list[ResourceView]:
        return [r for r in self.resources if r.type in types]

    def aws(self) -> list[ResourceView]:
        return [r for r in self.resources if r.is_aws]


@dataclass(frozen=True)
class Finding:
    """One violation (or, with ``skipped``, one check that could not be decided yet)."""

    message: str
    resource: str | None = None  # logical name; None: the stack as a whole
    urn: str | None = None
    skipped: bool = False


def run_check(
    subject: ResourceView | None,
    check: Callable[[Any], Iterable[str | Finding]],
    argument: Any = None,
) -> Iterator[Finding]:
    """Run ``check`` on ``subject`` (or on ``argument``), findings placed on ``subject``.

    A ``str`` the check yields is a violation of ``subject``; a :class:`Finding` is kept as is.
    A :class:`Skip` the check raises ends it with one skipped finding naming the attribute:
    the only place where "not known until deployment" is decided.
    """
    name = subject.name if subject is not None else None
    urn = subject.urn if subject is not None else None
    try:
        for item in check(subject if argument is None else argument):
            yield item if isinstance(item, Finding) else Finding(item, name, urn)
    except Skip as unknown:
        yield Finding(unknown.reason, name, urn, skipped=True)


def run_per_resource(
    resources: Iterable[ResourceView], check: Callable[[ResourceView], Iterable[str | Finding]]
) -> Iterator[Finding]:
    """:func:`run_check` on each resource: a stack rule's loop over the resources it judges."""
    for resource in resources:
        yield from run_check(resource, check)


ResourceCheck = Callable[[ResourceView], Iterable[str]]
StackCheck = Callable[[StackView], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A compliance rule. Call it like the function it wraps; :meth:`evaluate` runs it."""

    name: str
    description: str
    severity: Severity
    message: str  # what to change
    sources: tuple[str, ...]
    types: frozenset[str] | None  # resource rules: the types checked (None: every AWS resource)
    check_resource: ResourceCheck | None = None
    check_stack: StackCheck | None = None
    doc: str = ""

    @property
    def is_stack_rule(self) -> bool:
        return self.check_stack is not None

    def applies_to(self, resource: ResourceView) -> bool:
        if not resource.is_aws:
            return False
        return self.types is None or resource.type in self.types

    def __call__(self, subject: Any) -> list[Finding]:
        """Run on one resource (resource rule) or a whole stack (stack rule)."""
        if self.check_stack is not None:
            findings = run_check(None, self.check_stack, subject)
        else:
            assert self.check_resource is not None
            findings = run_check(subject, self.check_resource)
        return [self._named(f) for f in findings]

    def _named(self, finding: Finding) -> Finding:
        """A skipped finding says which rule could not decide."""
        if not finding.skipped:
            return finding
        return replace(finding, message=f"{self.name}: {finding.message}")

    def evaluate(self, stack: StackView) -> tuple[int, list[Finding]]:
        """(number of resources examined, findings) over a whole stack."""
        if self.check_stack is not None:
            examined = [r for r in stack.resources if self.types is None or r.type in self.types]
            return len(examined), self(stack)
        concerned = [r for r in stack.resources if self.applies_to(r)]
        return len(concerned), [f for r in concerned for f in self(r)]
