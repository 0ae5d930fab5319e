"""``send``: events from a JSON Lines file or generated samples, to a region, all, or the endpoint.

Every event is validated by the processor's rules before anything is sent (a bad line stops the
command naming the line and field). ``--all-regions`` spreads the events over every region's
bus (round robin, each event sent once); ``--endpoint`` sends them through the stack's global
endpoint (SigV4a: botocore's CRT extra).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from trade_pipeline.errors import UserError
from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import OutputsError, StackOutputs
from trade_producer import (
    InvalidEventError,
    Publisher,
    PublishResult,
    SigV4aUnavailableError,
    TradingEventEntry,
    event_from_json,
    jsonio,
    order_cancelled,
    order_placed,
    trade_executed,
)

__all__ = [
    "SendReport",
    "Target",
    "event_ids",
    "read_jsonl",
    "sample_events",
    "send_events",
    "targets_for",
]


@dataclass(frozen=True)
class Target:
    """Where a share of the events goes: a region's bus, or the global endpoint."""

    label: str
    region: str
    bus: str
    endpoint_id: str | None = None


@dataclass
class SendReport:
    """Per target: entries sent, failed (with AWS's error codes), requests made."""

    target: str
    attempted: int = 0
    sent: int = 0
    failed: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, str | None]] = field(default_factory=list)
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_jsonl(path: Path) -> list[TradingEventEntry]:
    """Validated events, one JSON object per line (blank lines skipped)."""
    try:
        lines = path.read_text().splitlines()
    except OSError as error:
        raise OutputsError(f"{path}: {error.strerror or error}") from None
    events = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            events.append(event_from_json(jsonio.loads(line)))
        except json.JSONDecodeError as error:
            raise OutputsError(f"{path}:{number}: not JSON ({error.msg})") from None
        except InvalidEventError as invalid:
            raise OutputsError(f"{path}:{number}: {invalid.message}") from None
    if not events:
        raise OutputsError(f"{path}: no events (one JSON object per line)")
    return events


def sample_events(count: int, rng: random.Random | None = None) -> list[TradingEventEntry]:
    """``count`` valid events: orders placed, cancelled and filled, on a few symbols."""
    rng = rng or random.Random()  # noqa: S311 - sample data, not secrets
    events: list[TradingEventEntry] = []
    symbols = ("AAPL", "MSFT", "BRK.B", "EUR/USD", "VOD.L")
    for _ in range(count):
        order = f"ORD-{uuid.uuid4().hex[:10]}"
        common: dict[str, Any] = {
            "order_id": order,
            "account_id": f"ACC-{rng.randint(1, 50):04d}",
            "symbol": rng.choice(symbols),
            "occurred_at": datetime.now(UTC),
            "event_id": uuid.UUID(int=rng.getrandbits(128), version=4),
        }
        quantity = Decimal(rng.randint(1, 10_000))
        price = Decimal(rng.randint(100, 100_000)) / 100
        kind = rng.random()
        if kind < 0.4:
            events.append(order_placed(**common, side="BUY", quantity=quantity))
        elif kind < 0.6:
            events.append(order_cancelled(**common, reason="sample"))
        else:
            events.append(
                trade_executed(
                    **common,
                    side=rng.choice(("BUY", "SELL")),
                    quantity=quantity,
                    price=price,
                    currency="USD",
                    trade_id=f"TRD-{uuid.uuid4().hex[:10]}",
                )
            )
    return events


def targets_for(
    outputs: StackOutputs, *, region: str | None, all_regions: bool, endpoint: bool
) -> list[Target]:
    """The targets the options name (exactly one of them)."""
    if sum((region is not None, all_regions, endpoint)) != 1:
        raise OutputsError("pass exactly one of --region R, --all-regions and --endpoint")
    if endpoint:
        if outputs.global_endpoint is None:
            raise OutputsError(
                "--endpoint: this stack has no globalEndpoint output (failover is off)"
            )
        home = outputs.global_endpoint.regions[0] if outputs.global_endpoint.regions else None
        home = home or outputs.primary_region
        bus = outputs.regional[outputs.primary_region].bus_name  # same name in every region
        endpoint_id = outputs.global_endpoint.id  # the URL's subdomain, checked on reading
        return [Target(f"endpoint {endpoint_id}", home, bus, endpoint_id)]
    regions = outputs.regions if all_regions else [region or ""]
    return [Target(name, name, outputs.region(name).event_bus_arn) for name in regions]


def send_events(
    clients: Clients,
    targets: Sequence[Target],
    events: Sequence[TradingEventEntry],
    *,
    rate: float | None = None,
    on_done: Callable[[int], None] | None = None,
    results: list[PublishResult] | None = None,
) -> list[SendReport]:
    """Send ``events`` spread round robin over ``targets``; one report per target.

    ``results``, when given, gets each target's :class:`~trade_producer.PublishResult` as its
    sending starts, filled as it goes: what was sent if the run stops early.

    The global endpoint needs SigV4a (botocore's CRT extra): without it, a
    :class:`~trade_pipeline.errors.UserError` saying what to install, before anything is sent.
    """
    shares: list[list[TradingEventEntry]] = [[] for _ in targets]
    for index, event in enumerate(events):
        shares[index % len(targets)].append(event)
    reports = []
    for target, share in zip(targets, shares, strict=True):
        try:
            publisher = Publisher(
                clients.events(target.region),
                event_bus=target.bus,
                endpoint_id=target.endpoint_id,
                rate=rate,  # targets are served one after the other
            )
        except SigV4aUnavailableError as missing:
            raise UserError(str(missing)) from None
        result = PublishResult()
        if results is not None:
            results.append(result)
        publisher.publish(share, on_done=on_done, result=result)
        reports.append(
            SendReport(
                target=target.label,
                attempted=len(share),
                sent=result.sent,
                failed=len(result.failed),
                error_codes=result.error_counts(),
                failures=[
                    {"event_id": f.event_id, "error_code": f.error_code, "message": f.error_message}
                    for f in result.failed
                ],
                requests=result.requests,
            )
        )
    return reports


def event_ids(events: Iterable[TradingEventEntry]) -> list[str]:
    """The events' ids (what ``send --json`` lists so a script can look them up)."""
    return [event.event_id for event in events]
