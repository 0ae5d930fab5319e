"""The service-side table: what AWS calls with a function's role or as a service principal,
derived from what the plan declares (a CMK table, a VPC config, a destination...)."""

from __future__ import annotations

from typing import Any

import pytest

from trade_pipeline.calls.service_side import ROWS, service_side_requests
from trade_pipeline.preview import Plan, load_stack_config, run_preview

from .test_generated import REPO


@pytest.fixture(scope="module")
def plans(lambda_artifact: Any) -> dict[str, Plan]:
    return {
        stack: run_preview(load_stack_config(stack, REPO), stack=stack, artifact=lambda_artifact)
        for stack in ("dev", "prod", "private")
    }


def origins(plan: Plan) -> set[str]:
    return {request.origin for request in service_side_requests(plan)}


def test_every_row_names_the_page_it_comes_from() -> None:
    assert all(row.source.startswith("https://") for row in ROWS)


def test_a_cmk_table_makes_the_detector_decrypt_its_regions_key(plans: dict[str, Plan]) -> None:
    decrypts = [r for r in service_side_requests(plans["prod"]) if r.action == "kms:Decrypt"]
    keys = {
        r.region: r.resource for r in decrypts if r.principal.name.startswith("trade-conflicts-")
    }

    assert sorted(keys) == sorted(plans["prod"].stack_outputs["regions"])
    assert all(f":kms:{region}:" in key for region, key in keys.items())
    assert "stream-mapping-decrypts-cmk-stream" not in origins(plans["dev"])  # AWS-owned key


def test_vpc_interfaces_are_managed_only_in_vpc_mode(plans: dict[str, Plan]) -> None:
    assert "lambda-manages-vpc-interfaces" in origins(plans["private"])
    assert "lambda-manages-vpc-interfaces" not in origins(plans["dev"])
    describe = [
        r
        for r in service_side_requests(plans["private"])
        if r.action == "ec2:DescribeNetworkInterfaces"
    ]
    assert describe and {r.resource for r in describe} == {"*"}


def test_eventbridge_dead_letters_to_the_targets_queue_from_its_rule(
    plans: dict[str, Plan],
) -> None:
    (request,) = [
        r
        for r in service_side_requests(plans["dev"])
        if r.action == "sqs:SendMessage"
        and r.principal.kind == "service"
        and r.region == "us-east-1"
    ]
    assert request.resource.endswith(":trade-dev-delivery-dlq")
    assert request.context_dict()["aws:SourceArn"].endswith(
        ":rule/trade-events-dev/trade-events-dev-to-processor"
    )


def test_flow_logs_and_the_global_endpoint_use_their_roles(plans: dict[str, Plan]) -> None:
    flow = {
        r.principal.name
        for r in service_side_requests(plans["private"])
        if r.origin == "flow-logs-deliver-to-log-group"
    }
    replication = [
        r
        for r in service_side_requests(plans["prod"])
        if r.origin == "global-endpoint-replicates-events"
    ]

    assert flow == {
        f"trade-flow-logs-private-{region}" for region in plans["private"].stack_outputs["regions"]
    }
    assert {r.region for r in replication} == {"us-east-1", "us-west-2"}
    assert {r.principal.name for r in replication} == {"trade-endpoint-prod"}
    by_action: dict[str, set[str]] = {}
    for r in replication:
        by_action.setdefault(r.action, set()).add(r.resource.split(":", 5)[-1].split("/")[0])
    # per bus: its managed replication rule's lifecycle and PutEvents; PassRole on the role
    assert by_action == {
        **{
            f"events:{a}": {"rule"}
            for a in ("PutRule", "PutTargets", "RemoveTargets", "DeleteRule")
        },
        "events:PutEvents": {"event-bus"},
        "iam:PassRole": {"role"},
    }
    assert all(
        "/GlobalEndpointManagedRule-" in r.resource for r in replication if ":rule/" in r.resource
    )
