"""The rule's pattern as ``redrive`` evaluates it: the same pattern the stack builds, and the
same answers as moto's EventBridge pattern engine (which routes events in the moto tests)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from trade_pipeline.components.pipeline import event_pattern
from trade_pipeline.ops.redrive import not_redrivable
from trade_pipeline.routing import RULE_PATTERN, UnsupportedPattern, unmatched_field

EVENTS = [
    {"source": "trading.oms", "detail-type": "OrderPlaced"},
    {"source": "trading.", "detail-type": "TradeExecuted"},
    {"source": "trading.oms", "detail-type": "OrderAmended"},
    {"source": "acme.oms", "detail-type": "OrderPlaced"},
    {"source": "Trading.oms", "detail-type": "OrderPlaced"},
    {"source": "xtrading.oms", "detail-type": "OrderCancelled"},
    {"source": "trading.oms", "detail-type": "orderplaced"},
    {"source": "trading.oms"},
    {"detail-type": "OrderPlaced"},
    {"source": ["trading.oms"], "detail-type": "OrderPlaced"},
]


def test_the_stack_builds_the_evaluated_pattern() -> None:
    assert json.loads(event_pattern()) == RULE_PATTERN


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: json.dumps(e))
def test_it_answers_as_an_eventbridge_pattern_engine(event: dict[str, Any]) -> None:
    expected = EventPattern.load(event_pattern()).matches_event(event)
    assert (unmatched_field(RULE_PATTERN, event) is None) == expected


@pytest.mark.parametrize(
    "condition", [{"suffix": ".oms"}, {"anything-but": "x"}, 3, {"prefix": 1}, None]
)
def test_a_construct_it_does_not_evaluate_raises(condition: Any) -> None:
    with pytest.raises(UnsupportedPattern):
        unmatched_field({"source": [condition]}, {"source": "trading.oms"})


def test_a_nested_pattern_raises() -> None:
    with pytest.raises(UnsupportedPattern):
        unmatched_field({"detail": {"side": ["BUY"]}}, {"detail": {"side": "BUY"}})


def test_not_redrivable_names_the_field_and_value() -> None:
    assert not_redrivable({"source": "acme.oms", "detail-type": "OrderPlaced"}) == (
        "no rule routes it: source 'acme.oms' is not in the rule's pattern"
    )
    problem = not_redrivable({"source": "trading.oms", "detail-type": "OrderPlaced", "detail": {}})
    assert problem is not None and problem.startswith("the processor would reject it again:")
