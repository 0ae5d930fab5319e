"""``replay``: events of a time window from a region's archive, back through its processor rule.

The request is ``StartReplay`` with the bus's archive as source, the bus as destination and
``Destination.FilterArns`` = the processor rule's ARN only, so a replay reaches the processor and
no other rule someone may have added to the bus. The archive is found by its source
(``ListArchives(EventSourceArn=bus)``), so no name is guessed. ``DescribeReplay`` is polled to
a final state; progress is ``EventLastReplayedTime`` within the window.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import OutputsError, StackOutputs

__all__ = ["FINAL_STATES", "ReplayResult", "archive_arn", "follow", "replay_request", "start"]

FINAL_STATES = frozenset({"COMPLETED", "CANCELLED", "FAILED"})


@dataclass
class ReplayResult:
    region: str
    name: str
    state: str
    reason: str | None
    window: tuple[str, str]
    last_replayed: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.state == "COMPLETED"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def archive_arn(clients: Clients, outputs: StackOutputs, region: str) -> str:
    """The ARN of the archive whose source is the region's bus."""
    bus = outputs.region(region).event_bus_arn
    archives = clients.events(region).list_archives(EventSourceArn=bus).get("Archives", [])
    names = [a["ArchiveName"] for a in archives if a.get("State") in ("ENABLED", None)]
    if not names:
        raise OutputsError(f"--region {region}: the bus {bus} has no enabled archive")
    account_part = bus.split(":event-bus/")[0]  # arn:aws:events:<region>:<account>
    return f"{account_part}:archive/{names[0]}"


def replay_request(
    archive: str, outputs: StackOutputs, region: str, start: datetime, end: datetime, name: str
) -> dict[str, Any]:
    """The ``StartReplay`` parameters (checked: a window in the past, start before end)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise OutputsError("--start/--end: give an offset (e.g. 2026-03-02T14:00:00Z)")
    if start >= end:
        raise OutputsError(f"--start {start.isoformat()}: must be before --end {end.isoformat()}")
    if end > datetime.now(UTC):
        raise OutputsError(f"--end {end.isoformat()}: must not be in the future")
    regional = outputs.region(region)
    return {
        "ReplayName": name,
        "Description": f"trade-pipeline replay {start.isoformat()} .. {end.isoformat()}",
        "EventSourceArn": archive,
        "EventStartTime": start,
        "EventEndTime": end,
        "Destination": {"Arn": regional.event_bus_arn, "FilterArns": [regional.rule_arn]},
    }


def replay_name() -> str:
    """A new replay's name: ``trade-replay-<utc>-<random>`` (at most 64 characters)."""
    return f"trade-replay-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def start(
    clients: Clients,
    outputs: StackOutputs,
    region: str,
    window: tuple[datetime, datetime],
    name: str | None = None,
    on_request: Callable[[], None] | None = None,
) -> str:
    """Start the replay ``name`` (default: a new :func:`replay_name`); return its name.
    ``on_request()`` is called just before ``StartReplay`` is sent (from then on the replay
    may exist although the call did not return)."""
    name = name or replay_name()
    request = replay_request(
        archive_arn(clients, outputs, region), outputs, region, window[0], window[1], name
    )
    if on_request:
        on_request()
    clients.events(region).start_replay(**request)
    return name


def follow(
    clients: Clients,
    region: str,
    name: str,
    window: tuple[datetime, datetime],
    *,
    timeout: float = 3600.0,
    poll_interval: float = 5.0,
    on_progress: Callable[[float, str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ReplayResult:
    """Poll ``DescribeReplay`` until a final state (or ``timeout``: state as last seen)."""
    started = clock()
    span = (window[1] - window[0]).total_seconds()
    while True:
        replay = clients.events(region).describe_replay(ReplayName=name)
        state = replay.get("State", "UNKNOWN")
        last = replay.get("EventLastReplayedTime")
        if on_progress:
            fraction = 1.0 if state == "COMPLETED" else 0.0
            if last and state != "COMPLETED":
                fraction = min(1.0, max(0.0, (last - window[0]).total_seconds() / span))
            on_progress(fraction, state)
        if state in FINAL_STATES or clock() - started > timeout:
            return ReplayResult(
                region=region,
                name=name,
                state=state,
                reason=replay.get("StateReason"),
                window=(window[0].isoformat(), window[1].isoformat()),
                last_replayed=last.isoformat() if last else None,
                seconds=round(clock() - started, 1),
            )
        sleep(poll_interval)
