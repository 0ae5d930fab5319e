"""The regional rule's event pattern, and whether an event matches it.

The stack's rule (:func:`trade_pipeline.components.pipeline.event_pattern`) is built from
:data:`RULE_PATTERN`; ``redrive`` evaluates the same pattern before it puts an event back, so
an event no rule routes stays in its queue instead of being put on the bus and lost.

EventBridge's ``TestEventPattern`` would answer the same question, but moto does not implement
it (its handler returns nothing), so an evaluation there could not be tested. The pattern is
evaluated here instead, for the constructs it uses, with EventBridge's documented semantics
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
every field of the pattern must match (AND), a field matches when any value of its array
matches (OR), a string matches exactly (case-sensitive), ``{"prefix": p}`` matches a string
starting with ``p``, an array in the event matches when any of its values does (see
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html), and a
field the event lacks matches nothing. A construct not listed here
raises :class:`UnsupportedPattern`, so a new one in the rule fails the tests instead of being
evaluated wrongly. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from trade_processor.models import DETAIL_TYPES, SOURCE_PREFIX

__all__ = ["RULE_PATTERN", "UnsupportedPattern", "unmatched_field"]

RULE_PATTERN: Final[Mapping[str, list[Any]]] = {
    "source": [{"prefix": SOURCE_PREFIX}],
    "detail-type": list(DETAIL_TYPES),
}
"""Trading sources, the event types the processor knows: the rule routes exactly those."""


class UnsupportedPattern(ValueError):
    """The pattern uses a construct :func:`unmatched_field` does not evaluate."""


def _supported(condition: Any) -> Any:
    """``condition`` if it is one this module evaluates; raise otherwise."""
    if isinstance(condition, str):
        return condition
    prefix = condition.get("prefix") if isinstance(condition, dict) else None
    if isinstance(prefix, str) and len(condition) == 1:
        return condition
    raise UnsupportedPattern(f"pattern condition {condition!r} is not evaluated")


def _value_matches(condition: Any, value: Any) -> bool:
    if isinstance(value, list):
        return any(_value_matches(condition, item) for item in value)
    if isinstance(condition, str):
        return isinstance(value, str) and value == condition
    return isinstance(value, str) and value.startswith(condition["prefix"])


def unmatched_field(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> str | None:
    """The first top-level field of ``event`` that ``pattern`` does not match, or ``None``."""
    for name, conditions in pattern.items():
        if not isinstance(conditions, list):
            raise UnsupportedPattern(f"pattern field {name!r}: nested patterns are not evaluated")
        supported = [_supported(condition) for condition in conditions]
        if name not in event or not any(_value_matches(c, event[name]) for c in supported):
            return name
    return None
