"""Real botocore clients with Stubbers, and the processor's output read back.

Fast on purpose (no moto, no network): these tests are what ``make mutate`` runs for every
mutant of ``trade_processor``. A Stubber still checks each request against the service's
model, so a malformed call fails here as AWS would refuse it.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.stub import Stubber

from tests.processor.support import make_event
from trade_processor.processor import EventProcessor
from trade_processor.rejections import RejectedEventQueue
from trade_processor.storage import ConsistencyMode, TradeEventStore
from trade_processor.table_schema import GLOBAL_SECONDARY_INDEXES, IndexSpec

from .contract import Metric

__all__ = ["QUEUE_URL", "TABLE", "Output", "Stubbed", "clients", "make_event"]

REGION = "eu-west-1"
TABLE = "trade-events-test"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/123456789012/trade-rejected-test"
_CONFIG = Config(region_name=REGION, retries={"mode": "standard", "max_attempts": 0})


@functools.cache
def clients() -> tuple[Any, Any]:
    """A DynamoDB and an SQS client that never reach AWS (fake credentials; stubbed calls).

    Built once per process: a client costs tens of milliseconds, and mutmut runs every mutant
    in a process forked from one that has them already."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    return session.client("dynamodb", config=_CONFIG), session.client("sqs", config=_CONFIG)


@dataclass
class Stubbed:
    """Stubbers on both clients, and every request the code made (operation, parameters).

    ``mode``: the table's consistency mode the processor is built for (the contract tests run
    in both: ``conftest.stubbed``); :meth:`trade_stored` queues what storing a trade takes in
    that mode (one transaction, or the guard's put then the item's)."""

    dynamodb: Any
    sqs: Any
    mode: ConsistencyMode = ConsistencyMode.EVENTUAL
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.db = Stubber(self.dynamodb)
        self.queue = Stubber(self.sqs)

    def __enter__(self) -> Stubbed:
        for client in (self.dynamodb, self.sqs):
            client.meta.events.register("before-parameter-build.*.*", self._record)
        self.db.activate()
        self.queue.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.deactivate()
        self.queue.deactivate()
        for client in (self.dynamodb, self.sqs):
            client.meta.events.unregister("before-parameter-build.*.*", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.requests.append((model.name, json.loads(json.dumps(params))))

    def processor(
        self, indexes: tuple[IndexSpec, ...] = GLOBAL_SECONDARY_INDEXES
    ) -> EventProcessor:
        store = TradeEventStore(self.dynamodb, TABLE, indexes, mode=self.mode)
        return EventProcessor(store, RejectedEventQueue(QUEUE_URL, lambda: self.sqs))

    def sent(self) -> list[dict[str, Any]]:
        """The SendMessage requests, bodies parsed."""
        return [
            {**params, "MessageBody": json.loads(params["MessageBody"])}
            for name, params in self.requests
            if name == "SendMessage"
        ]

    def written_items(self) -> list[dict[str, Any]]:
        """Every item a PutItem or a transaction's Put carried, in order."""
        items = []
        for name, params in self.requests:
            if name == "PutItem":
                items.append(params["Item"])
            elif name == "TransactWriteItems":
                items.extend(each["Put"]["Item"] for each in params["TransactItems"])
        return items

    @property
    def strong(self) -> bool:
        return self.mode is ConsistencyMode.STRONG

    def trade_stored(self) -> None:
        """A new trade's writes succeed: its transaction (eventual), or its guard's put and
        its item's put (strong: MRSC has no transactions)."""
        if self.strong:
            self.db.add_response("put_item", {})
            self.db.add_response("put_item", {})
        else:
            self.db.add_response("transact_write_items", {})

    def trade_items(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(event item, guard item) of the one trade written: the transaction's order
        (eventual), or the reverse order of the puts (strong: guard first)."""
        first, second = self.written_items()
        return (second, first) if self.strong else (first, second)

    def guard_taken(self, guard: dict[str, Any]) -> None:
        """A trade's guard is held by ``guard`` (another event id): the transaction cancelled
        on its guard (eventual), or the guard's put refused with the stored guard returned,
        then the consistent read of the event's own item finding none (strong)."""
        if self.strong:
            self.db.add_client_error(
                "put_item", "ConditionalCheckFailedException", modeled_fields={"Item": guard}
            )
            self.db.add_response("get_item", {})
            return
        self.db.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            modeled_fields={
                "CancellationReasons": [
                    {"Code": "None"},
                    {"Code": "ConditionalCheckFailed", "Item": guard},
                ]
            },
        )

    def accept_message(self, message_id: str = "msg-1") -> None:
        self.queue.add_response("send_message", {"MessageId": message_id})

    def already_stored(self, item: dict[str, Any]) -> None:
        """The conditional put fails and returns ``item`` (ALL_OLD), as DynamoDB does."""
        self.db.add_client_error(
            "put_item", "ConditionalCheckFailedException", modeled_fields={"Item": item}
        )


class Output:
    """What the code printed: Powertools log lines (a stream of their own) and EMF lines."""

    def __init__(self, capsys: Any) -> None:
        self.capsys = capsys
        self.logs = io.StringIO()

    def read(self) -> tuple[list[dict[str, Any]], list[Metric]]:
        """(log lines, metrics) printed since the last read."""
        text = self.logs.getvalue() + self.capsys.readouterr().out
        self.logs.seek(0)
        self.logs.truncate()
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        logs = [line for line in lines if "_aws" not in line]
        return logs, sorted(_metrics(lines))


def _metrics(lines: list[dict[str, Any]]) -> Iterator[Metric]:
    """Every metric value of CloudWatch Embedded Metric Format lines (ColdStart left out: it
    is Powertools' own, once per execution environment)."""
    for line in lines:
        for directive in line.get("_aws", {}).get("CloudWatchMetrics", []):
            for definition in directive["Metrics"]:
                name = definition["Name"]
                if name == "ColdStart":
                    continue
                assert list(directive["Dimensions"]) == [list(directive["Dimensions"][0])]
                dimensions = tuple(sorted((d, line[d]) for d in directive["Dimensions"][0]))
                values = line[name] if isinstance(line[name], list) else [line[name]]
                for value in values:
                    yield Metric(
                        directive["Namespace"], name, value, definition["Unit"], dimensions
                    )
