"""The ordered registry of rules and the decorators that fill it.

Rules register in the order their modules are imported (:mod:`trade_pipeline.policies.rules`
fixes that order), which is the order of the compliance table and of the CrossGuard pack.

A simple "attribute must equal / be in" rule is declared with :func:`value_rule`, without a
function body; the value reader it uses skips the check while the value is unknown:

>>> from trade_pipeline.policies.model import ResourceView
>>> rule = value_rule(
...     "example-tracing",
...     types=["aws:lambda/function:Function"],
...     path=("tracingConfig", "mode"),
...     expected="Active",
...     description="Functions trace with X-Ray.",
...     failure="tracingConfig.mode is {value!r}, not 'Active'",
...     message="Set tracing mode Active.",
...     register=False,
... )
>>> fn = ResourceView("aws:lambda/function:Function", "fn", "urn:fn", {"tracingConfig": {}})
>>> [f.message for f in rule(fn)]
["tracingConfig.mode is None, not 'Active'"]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any

from trade_pipeline.policies.model import ResourceView, Rule, Severity
from trade_pipeline.policies.values import read

__all__ = [
    "RULES_BY_NAME",
    "UnknownRuleError",
    "registered_rules",
    "resource_rule",
    "rule_by_name",
    "stack_rule",
    "value_rule",
]

RULES_BY_NAME: dict[str, Rule] = {}

_KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class UnknownRuleError(ValueError):
    """A rule name that no rule carries."""


def _register(
    name: str,
    severity: Severity,
    message: str,
    sources: Sequence[str],
    types: Iterable[str] | None,
    *,
    stack: bool = False,
    register: bool = True,
) -> Callable[[Callable[..., Any]], Rule]:
    if not _KEBAB.fullmatch(name):
        raise ValueError(f"rule name {name!r} is not kebab-case")

    def wrap(func: Callable[..., Any]) -> Rule:
        doc = (func.__doc__ or "").strip()
        rule = Rule(
            name=name,
            description=" ".join(doc.split("\n\n", 1)[0].split()) if doc else name,
            severity=severity,
            message=message,
            sources=tuple(sources),
            types=frozenset(types) if types is not None else None,
            check_resource=None if stack else func,
            check_stack=func if stack else None,
            doc=doc,
        )
        if not register:
            return rule
        if name in RULES_BY_NAME:
            raise ValueError(f"rule {name!r} defined twice")
        RULES_BY_NAME[name] = rule
        return rule

    return wrap


def resource_rule(
    name: str,
    *,
    types: Iterable[str] | None,
    severity: Severity = Severity.MANDATORY,
    message: str,
    sources: Sequence[str] = (),
) -> Callable[[Callable[..., Any]], Rule]:
    """Register a check of one resource: it yields what is wrong, as strings."""
    return _register(name, severity, message, sources, types)


def stack_rule(
    name: str,
    *,
    severity: Severity = Severity.MANDATORY,
    message: str,
    sources: Sequence[str] = (),
    types: Iterable[str] | None = None,
) -> Callable[[Callable[..., Any]], Rule]:
    """Register a check of the whole stack: it yields :class:`Finding` objects."""
    return _register(name, severity, message, sources, types, stack=True)


_MISSING: Any = object()


def value_rule(
    name: str,
    *,
    types: Iterable[str],
    path: Sequence[str],
    description: str,
    failure: str | Callable[[Any], str],
    message: str,
    expected: Any = _MISSING,
    allowed: Collection[Any] | None = None,
    ok: Callable[[Any], bool] | None = None,
    severity: Severity = Severity.MANDATORY,
    sources: Sequence[str] = (),
    register: bool = True,
) -> Rule:
    """A rule "the value at ``path`` of each resource of ``types`` must be right".

    Right means equal to ``expected``, in ``allowed``, or accepted by ``ok`` (give one).
    ``failure`` is the violation, a format string over ``value`` or a function of it.
    """
    if ok is None:
        if allowed is not None:
            ok = allowed.__contains__
        elif expected is not _MISSING:
            ok = lambda value: bool(value == expected)  # noqa: E731 - one expression
        else:
            raise ValueError(f"value rule {name!r} needs expected, allowed or ok")
    accept = ok

    def check(resource: ResourceView) -> Iterator[str]:
        value = read(resource.props, *path)
        if not accept(value):
            yield failure(value) if callable(failure) else failure.format(value=value)

    check.__doc__ = description
    return _register(name, severity, message, sources, types, register=register)(check)


def registered_rules() -> tuple[Rule, ...]:
    """Every registered rule, in registration order."""
    return tuple(RULES_BY_NAME.values())


def rule_by_name(name: str) -> Rule:
    """The rule called ``name`` (:class:`UnknownRuleError`, a ValueError, when none is)."""
    try:
        return RULES_BY_NAME[name]
    except KeyError:
        raise UnknownRuleError(f"unknown compliance rule {name!r}") from None
