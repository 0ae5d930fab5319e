"""The drill's plan (what it refuses, from the outputs alone) and how a probe's route is read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_operator_commands import OUTPUTS
from trade_pipeline.ops.drill import DrillPlan, DrillResult, Probe, plan_drill
from trade_pipeline.ops.outputs import OutputsError, StackOutputs, outputs_from_file

ENDPOINT = {
    "id": "abcde.veo",
    "name": "trade-events-prod",
    "arn": "arn:aws:events:us-east-1:123456789012:endpoint/trade-events-prod",
    "url": "https://abcde.veo.endpoint.events.amazonaws.com",
    "regions": ["us-east-1", "eu-west-1"],
    "healthCheckId": "0c9a1b2c-3d4e-5f60-7182-93a4b5c6d7e8",
}


def outputs(**endpoint: Any) -> StackOutputs:
    return StackOutputs.model_validate({**OUTPUTS, "globalEndpoint": {**ENDPOINT, **endpoint}})


def test_the_plan_reads_the_outputs() -> None:
    plan = plan_drill(outputs(), interval=10.0, failover_timeout=600, failback_timeout=600)
    assert (plan.primary, plan.secondary, plan.replicas) == (
        "us-east-1",
        "eu-west-1",
        ("us-east-1", "eu-west-1"),
    )
    assert (plan.health_check_id, plan.endpoint_id) == (ENDPOINT["healthCheckId"], "abcde.veo")
    assert plan.bus == StackOutputs.model_validate(OUTPUTS).regional["us-east-1"].bus_name
    assert plan.max_events == 2 * 2 * 61  # a pair at the start of each switch, then every 10 s


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"healthCheckId": None}, "globalEndpoint.healthCheckId: not in the outputs"),
        ({"regions": ["us-east-1"]}, "globalEndpoint.regions ['us-east-1']: must be the primary"),
        ({"regions": ["us-east-1", "ap-south-1"]}, "both among the stack's regions"),
    ],
)
def test_the_plan_refuses_outputs_a_drill_cannot_use(change: dict[str, Any], says: str) -> None:
    with pytest.raises(OutputsError) as refused:
        plan_drill(outputs(**change))
    assert says in str(refused.value)


def test_outputs_with_the_endpoint_name_for_its_id_are_refused_on_reading(tmp_path: Path) -> None:
    """The id the drill sends to must be PutEvents' EndpointId (botocore's pattern), not the
    endpoint's name, which the provider's resource id is: refused before any drill starts."""
    path = tmp_path / "outputs.json"
    path.write_text(
        json.dumps({**OUTPUTS, "globalEndpoint": {**ENDPOINT, "id": "trade-events-prod"}})
    )
    with pytest.raises(
        OutputsError, match=r"globalEndpoint\.id: endpoint id 'trade-events-prod' is not"
    ):
        outputs_from_file(path)


def test_without_failover_there_is_nothing_to_drill() -> None:
    with pytest.raises(OutputsError, match=r"^globalEndpoint: not in the outputs"):
        plan_drill(StackOutputs.model_validate(OUTPUTS))


def test_a_probe_is_routed_where_its_rejection_was_found_first_and_a_tie_proves_nothing() -> None:
    probe = Probe("failover", "v", "i", 0.0, 2)
    assert probe.route is None
    probe.rejected_at = {"eu-west-1": 4.0, "us-east-1": 5.0}  # a replicated copy, later
    assert probe.route == "eu-west-1"
    probe.rejected_at = {"eu-west-1": 4.0, "us-east-1": 4.0}  # both in one poll
    assert probe.route is None


def test_lost_counts_accepted_canaries_missing_from_a_replica() -> None:
    plan = DrillPlan("hc", "a.b", "bus", "us-east-1", "eu-west-1", ("us-east-1", "eu-west-1"))
    everywhere = Probe("failover", "v1", "i1", 0.0, 2, stored_at={"us-east-1": 1, "eu-west-1": 2})
    one_replica = Probe("failover", "v2", "i2", 0.0, 2, stored_at={"eu-west-1": 2})
    refused = Probe("fail-back", "v3", "i3", 0.0, 0, error="ThrottlingException: slow down")
    result = DrillResult(plan, [everywhere, one_replica, refused], 0.0, 9.0, 5.0, 3.0)
    assert (result.sent, result.stored, result.lost, result.not_sent) == (2, 1, 1, 1)
    assert result.ok is False and result.still_inverted is False
    assert result.replica_seconds() == {"us-east-1": 1, "eu-west-1": 2}
