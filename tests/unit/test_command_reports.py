"""What the operator commands report: how far an interrupted ``send`` or ``replay`` got, in one
line before ``interrupted``; ``status --json`` counts as JSON integers; ``verify --json`` names
the region of every hop."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from tests.unit.test_operator_commands import OUTPUTS
from trade_pipeline.cli import app
from trade_pipeline.commands import common
from trade_pipeline.commands.common import EXIT_FAILED, EXIT_INTERRUPTED
from trade_pipeline.ops.outputs import StackOutputs
from trade_pipeline.ops.status import region_status
from trade_pipeline.ops.verify import REJECTED, Hop

runner = CliRunner()


class FakeClient:
    """An AWS client whose operations are the given functions."""

    def __init__(self, **operations: Callable[..., Any]) -> None:
        self.__dict__.update(operations)


class FakeClients:
    def __init__(self, **services: FakeClient) -> None:
        self.services = services

    def __getattr__(self, service: str) -> Callable[[str], FakeClient]:
        return lambda region: self.services[service]


@pytest.fixture
def outputs_file(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path


def use(monkeypatch: pytest.MonkeyPatch, clients: FakeClients) -> None:
    monkeypatch.setattr(common, "clients", lambda: clients)


def test_an_interrupted_send_says_how_many_events_were_sent(
    monkeypatch: pytest.MonkeyPatch, outputs_file: Path
) -> None:
    requests: list[int] = []

    def put_events(Entries: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        requests.append(len(Entries))
        if len(requests) == 3:
            raise KeyboardInterrupt
        answers = [{"EventId": f"e{n}"} for n in range(len(Entries))]
        if len(requests) == 2:  # one entry refused for good
            answers[0] = {"ErrorCode": "AccessDeniedException", "ErrorMessage": "no"}
        return {"FailedEntryCount": len(requests) == 2, "Entries": answers}

    use(monkeypatch, FakeClients(events=FakeClient(put_events=put_events)))
    args = ["send", "--sample", "25", "--region", "us-east-1", "--outputs", str(outputs_file)]
    result = runner.invoke(app, [*args, "--json"])

    assert result.exit_code == EXIT_INTERRUPTED
    assert result.stderr.splitlines() == [
        "send stopped after 19 of 25 event(s) were sent (1 refused, 5 not sent)",
        "interrupted",
    ]


def replay_clients(describe: Callable[..., dict[str, Any]], start: Callable[..., Any]) -> Any:
    def list_archives(**_: Any) -> dict[str, Any]:
        return {"Archives": [{"ArchiveName": "trade-archive", "State": "ENABLED"}]}

    return FakeClients(
        events=FakeClient(list_archives=list_archives, start_replay=start, describe_replay=describe)
    )


def _interrupt(**_: Any) -> Any:
    raise KeyboardInterrupt


def test_an_interrupted_replay_names_the_replay_to_cancel_and_how_far_it_got(
    monkeypatch: pytest.MonkeyPatch, outputs_file: Path
) -> None:
    answers: list[dict[str, Any]] = [{"State": "RUNNING"}]

    def describe_then_interrupt(ReplayName: str) -> dict[str, Any]:
        if not answers:  # Ctrl-C on the second check
            raise KeyboardInterrupt
        return answers.pop()

    use(monkeypatch, replay_clients(describe_then_interrupt, lambda **_: {}))
    args = ["replay", "--region", "us-east-1", "--last", "5", "--poll-interval", "0"]
    result = runner.invoke(app, [*args, "--json", "--outputs", str(outputs_file)])

    assert result.exit_code == EXIT_INTERRUPTED
    done, last = result.stderr.splitlines()
    assert last == "interrupted"
    name = done.split()[1]
    assert name.startswith("trade-replay-")
    assert done == (
        f"replay {name} was started in us-east-1 (RUNNING, 0% of the window replayed); to stop "
        f"it: aws events cancel-replay --region us-east-1 --replay-name {name}"
    )


def test_a_replay_interrupted_while_starting_says_it_may_have_started(
    monkeypatch: pytest.MonkeyPatch, outputs_file: Path
) -> None:
    use(monkeypatch, replay_clients(_interrupt, _interrupt))
    args = ["replay", "--region", "us-east-1", "--last", "5", "--outputs", str(outputs_file)]
    result = runner.invoke(app, args)

    assert result.exit_code == EXIT_INTERRUPTED
    done, last = result.stderr.splitlines()
    assert last == "interrupted"
    assert " may have been started in us-east-1 (stopped while starting it)" in done
    assert "aws events cancel-replay --region us-east-1 --replay-name trade-replay-" in done


def test_a_replay_aws_refused_to_start_reports_no_replay(
    monkeypatch: pytest.MonkeyPatch, outputs_file: Path
) -> None:
    def refuse(**_: Any) -> Any:
        error = {"Error": {"Code": "ResourceAlreadyExistsException", "Message": "exists"}}
        raise ClientError(error, "StartReplay")  # type: ignore[arg-type]

    use(monkeypatch, replay_clients(_interrupt, refuse))
    args = ["replay", "--region", "us-east-1", "--last", "5", "--outputs", str(outputs_file)]
    result = runner.invoke(app, args)

    assert result.exit_code == EXIT_FAILED
    assert result.stderr == (
        "error: AWS StartReplay failed: ResourceAlreadyExistsException: exists\n"
    )


def test_status_counts_are_json_integers_and_latencies_numbers() -> None:
    def get_paginator(name: str) -> Any:
        return FakeClient(paginate=lambda: [{"MetricAlarms": []}])

    def attributes(**_: Any) -> dict[str, Any]:  # SQS answers strings
        return {
            "Attributes": {
                "ApproximateNumberOfMessages": "3",
                "ApproximateNumberOfMessagesNotVisible": "0",
            }
        }

    def metric_data(MetricDataQueries: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        values = {"events_in": [40.0, 2.0], "stored": [41.0], "heartbeats": [1.0]}
        values |= {"age0": [125.0], "repl0": [812.25, 800.0]}
        return {
            "MetricDataResults": [
                {"Id": q["Id"], "Values": values.get(q["Id"], [])} for q in MetricDataQueries
            ]
        }

    clients = FakeClients(
        cloudwatch=FakeClient(get_paginator=get_paginator, get_metric_data=metric_data),
        sqs=FakeClient(get_queue_attributes=attributes),
    )
    outputs = StackOutputs.model_validate(OUTPUTS)
    (status,) = region_status(clients, outputs, ["us-east-1"])  # type: ignore[arg-type]
    document = json.loads(json.dumps(status.to_dict()))

    assert document["errors"] == []
    dlq = document["queues"]["delivery-dlq"]
    assert dlq == {"visible": 3, "in_flight": 0, "oldest_age_s": 125}
    assert all(type(v) is int for v in dlq.values())
    hour = document["last_hour"]
    assert hour == {"events_in": 41, "stored": 41, "rejected": 0, "conflicts": 0, "failures": 0}
    assert all(type(v) is int for v in hour.values())
    assert document["replication_latency_ms"] == {"eu-west-1": 806.1}


def test_verify_json_names_the_region_of_every_hop_the_rejected_one_included() -> None:
    rejected = Hop("eu-west-1", REJECTED, "id", "processor -> rejected-events queue in eu-west-1")
    replica = Hop("eu-west-1", "us-east-1", "id", "eu-west-1 -> us-east-1 replica")

    assert rejected.to_dict()["seen_in_region"] == "eu-west-1"
    assert replica.to_dict()["seen_in_region"] == "us-east-1"


def test_a_replay_interrupted_before_it_asked_to_start_reports_no_replay(
    monkeypatch: pytest.MonkeyPatch, outputs_file: Path
) -> None:
    clients = replay_clients(_interrupt, lambda **_: {})
    clients.services["events"].list_archives = _interrupt  # Ctrl-C while finding the archive
    use(monkeypatch, clients)
    args = ["replay", "--region", "us-east-1", "--last", "5", "--outputs", str(outputs_file)]
    result = runner.invoke(app, args)

    assert result.exit_code == EXIT_INTERRUPTED
    assert result.stderr == "interrupted\n"
