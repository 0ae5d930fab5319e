"""``verify`` reads every replica strongly consistent (the point is to see the latest write),
and in strong mode names the other regions' hops "strong read": an MRSC write returns once
replicated, so there is no replication lag, only the read of the latest version."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_operator_commands import OUTPUTS
from trade_pipeline.ops.outputs import StackOutputs
from trade_pipeline.ops.verify import _hops_for, item_stored


class DynamoDB:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"Item": {}}


class Clients:
    def __init__(self) -> None:
        self.db = DynamoDB()

    def dynamodb(self, region: str) -> DynamoDB:
        return self.db


def test_the_item_is_read_strongly_consistent() -> None:
    clients = Clients()
    assert item_stored(clients, "t", "us-east-1", "e1")  # type: ignore[arg-type]
    assert [call["ConsistentRead"] for call in clients.db.calls] == [True]


@pytest.mark.parametrize(
    ("mode", "remote"), [("eventual", "replication"), ("strong", "strong read")]
)
def test_the_other_regions_hops_say_what_they_measure(mode: str, remote: str) -> None:
    outputs = StackOutputs.model_validate({**OUTPUTS, "consistencyMode": mode})
    hops = _hops_for("us-east-1", outputs, "v", "i")
    assert [h.description for h in hops][:2] == [
        "bus -> processor -> table in us-east-1",
        f"{remote} us-east-1 -> eu-west-1",
    ]
