"""``status`` of a strong-mode stack (output ``consistencyMode: strong``): DynamoDB publishes no
``ReplicationLatency`` for an MRSC table, so status asks for none, says so, and reads the
processor's retried write conflicts instead. An eventual stack (or outputs without the key)
reads replication latency as before."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_operator_commands import OUTPUTS
from trade_pipeline.commands.status import status_table
from trade_pipeline.ops.outputs import OutputsError, StackOutputs
from trade_pipeline.ops.status import NOT_PUBLISHED_STRONG, RegionStatus, _metrics
from trade_pipeline.tables import FitTable


class CloudWatch:
    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        self.asked = kwargs["MetricDataQueries"]
        return {"MetricDataResults": [{"Id": q["Id"], "Values": [3.0]} for q in self.asked]}


class Clients:
    def __init__(self) -> None:
        self.watch = CloudWatch()

    def cloudwatch(self, region: str) -> CloudWatch:
        return self.watch


def read(outputs: dict[str, Any]) -> tuple[RegionStatus, list[str]]:
    clients = Clients()
    status = RegionStatus("us-east-1")
    _metrics(clients, StackOutputs.model_validate(outputs), status, "us-east-1")  # type: ignore[arg-type]
    return status, [q["MetricStat"]["Metric"]["MetricName"] for q in clients.watch.asked]


def test_strong_mode_reads_write_conflicts_and_no_replication_latency() -> None:
    status, names = read({**OUTPUTS, "consistencyMode": "strong"})
    assert "ReplicationLatency" not in names
    assert "ReplicatedWriteConflicts" in names
    assert status.replication_latency_ms == {}
    assert status.replication == NOT_PUBLISHED_STRONG
    assert status.last_hour["write_conflicts"] == 3.0
    table = status_table([status])
    assert isinstance(table, FitTable)


@pytest.mark.parametrize("outputs", [OUTPUTS, {**OUTPUTS, "consistencyMode": "eventual"}])
def test_eventual_mode_reads_replication_latency(outputs: dict[str, Any]) -> None:
    status, names = read(outputs)
    assert "ReplicationLatency" in names and "ReplicatedWriteConflicts" not in names
    assert status.replication is None
    assert status.replication_latency_ms == {"eu-west-1": 3.0}


def test_an_unknown_mode_in_the_outputs_is_refused() -> None:
    from trade_pipeline.ops.outputs import _parse

    with pytest.raises(OutputsError, match="consistencyMode"):
        _parse({**OUTPUTS, "consistencyMode": "weak"}, "--outputs o.json")
