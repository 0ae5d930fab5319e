"""The heartbeat source under the mock engine: a schedule per region, putting a canary-shaped
OrderPlaced on that region's bus with a role only Scheduler (this account) can assume and that
can put events on that bus only; the event it produces is routed by the rule and accepted by
the processor as a heartbeat."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.plans import build, policy_doc, single
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import BUS, ROLE, ROLE_POLICY, SCHEDULE
from trade_pipeline.routing import RULE_PATTERN, unmatched_field
from trade_processor.table_schema import heartbeat_event_id, is_heartbeat
from trade_processor.validation import parse_event


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return build(dev_stack_config, lambda_artifact)


def _role_of(plan: Plan, schedule: Any) -> Any:
    (role,) = [
        r for r in plan.by_type(ROLE) if r.outputs["arn"] == schedule.inputs["target"]["roleArn"]
    ]
    return role


def _as_scheduler_sends_it(schedule: Any, execution_id: str, scheduled: str) -> dict[str, Any]:
    """The event EventBridge Scheduler puts: the templated target's source and detail-type,
    the input as detail with the context attributes replaced."""
    target = schedule.inputs["target"]
    detail = (
        target["input"]
        .replace("<aws.scheduler.execution-id>", execution_id)
        .replace("<aws.scheduler.scheduled-time>", scheduled)
    )
    return {
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "source": target["eventbridgeParameters"]["source"],
        "detail-type": target["eventbridgeParameters"]["detailType"],
        "detail": json.loads(detail),
    }


def test_every_region_puts_a_heartbeat_a_minute_on_its_own_bus(plan: Plan) -> None:
    for region in plan.pipeline_config().regions:
        schedule = single(plan, SCHEDULE, region)
        assert schedule.inputs["scheduleExpression"] == "rate(1 minute)"
        assert schedule.inputs["flexibleTimeWindow"] == {"mode": "OFF"}
        assert schedule.inputs["target"]["arn"] == single(plan, BUS, region).outputs["arn"]


def test_only_scheduler_of_this_account_assumes_the_role_and_it_puts_on_that_bus_only(
    plan: Plan,
) -> None:
    for region in plan.pipeline_config().regions:
        schedule = single(plan, SCHEDULE, region)
        role = _role_of(plan, schedule)
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        (policy,) = [p for p in plan.by_type(ROLE_POLICY) if p.inputs["role"] == role.id]
        (statement,) = policy_doc(policy)["Statement"]
        assert statement["Action"] == ["events:PutEvents"]
        assert statement["Resource"] == [single(plan, BUS, region).outputs["arn"]]


def test_the_event_it_sends_is_routed_and_accepted_as_a_heartbeat_of_its_region(
    plan: Plan,
) -> None:
    for region in plan.pipeline_config().regions:
        schedule = single(plan, SCHEDULE, region)
        event = _as_scheduler_sends_it(schedule, "d32c5kddcf5bb8c3", "2026-03-02T14:30:00Z")
        assert unmatched_field(RULE_PATTERN, event) is None
        parsed = parse_event(event)
        assert parsed.order_id == f"CANARY-HEARTBEAT-{region}-d32c5kddcf5bb8c3"
        assert (parsed.account_id, parsed.symbol) == ("CANARY", "CANARY")
        assert is_heartbeat(parsed.source, parsed.order_id)
        assert parsed.event_id == heartbeat_event_id(parsed.order_id)
        assert parsed.occurred_at_utc.startswith("2026-03-02T14:30:00")


def test_two_executions_are_two_events(plan: Plan) -> None:
    schedule = single(plan, SCHEDULE, plan.pipeline_config().primary_region)
    first = parse_event(_as_scheduler_sends_it(schedule, "aaaa1111", "2026-03-02T14:30:00Z"))
    second = parse_event(_as_scheduler_sends_it(schedule, "bbbb2222", "2026-03-02T14:31:00Z"))
    assert first.event_id != second.event_id


def test_an_event_id_given_is_kept_and_other_sources_get_none() -> None:
    detail = {
        "order_id": "CANARY-HEARTBEAT-eu-west-1-x",
        "account_id": "CANARY",
        "symbol": "CANARY",
        "side": "BUY",
        "quantity": 1,
        "occurred_at": "2026-03-02T14:30:00Z",
    }
    given = "6f1c2f43-3a4e-4b8e-9d55-6f1ac9f1b0a1"
    event = {"source": "trading.canary", "detail-type": "OrderPlaced"}
    assert parse_event({**event, "detail": {**detail, "event_id": given}}).event_id == given
    with pytest.raises(Exception, match="event_id"):
        parse_event({**event, "source": "trading.oms", "detail": detail})
