"""``drill``: fail the global endpoint over to the secondary region and back, measured.

The drill forces the primary unhealthy the way Route 53 honours, by **inverting** the health
check the endpoint follows, sends canary events through the endpoint, and measures:

- **failover time**: from the inversion until the first canary is seen routed to the secondary
  region; **fail-back time**: from the restore (``Inverted=False``) until the first canary is
  seen routed to the primary again;
- **events sent / stored / lost**: every valid canary must become readable in every replica of
  the table (``GetItem``, consistent read), as ``verify`` checks.

Which region a canary was routed to is read from the rejected-events queues, which are regional
(the table is replicated, so its items cannot say): each probe is a valid canary and an invalid
one (:mod:`trade_producer.canary`) in one ``PutEvents``; the invalid one is rejected to the
queue of the region whose bus took it. With event replication on, the other region gets a copy
one managed-rule hop later: the region where it is found first is the route; found in both in
the same poll, the probe proves neither (a shorter ``--poll-interval`` makes that rarer).
Only the canaries' own messages are deleted (a replicated copy found later stays: it is a
canary, see docs/operations.md#failover-drill).

The health check is restored in a ``finally``: an error, a timeout or Ctrl-C never leaves the
stack failed over; a restore that fails is reported with the command that ends it by hand.

Sources:

- "Because Route 53 health checks monitor CloudWatch data streams instead of the state of
  CloudWatch alarms, you can't force the status of a health check to change by using the
  CloudWatch SetAlarmState API operation" (How Amazon Route 53 determines whether a health
  check is healthy:
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
- "If you invert a health check, Route 53 considers the health check to be unhealthy when the
  status is healthy and vice versa" (Inverting health checks:
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-invert.html);
  ``UpdateHealthCheck``'s ``Inverted``
  (https://docs.aws.amazon.com/Route53/latest/APIReference/API_UpdateHealthCheck.html).
- While the health check is unhealthy, custom events sent to the endpoint go to the secondary
  region's bus, and back to the primary's once it is healthy; with the documented alarm
  settings "you can expect the RTO and RPO to be 360 seconds with a maximum of 420 seconds"
  (Making applications Regional-fault tolerant with global endpoints:
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-global-endpoints.html).
- ``PutEvents``' ``EndpointId`` is the URL's subdomain, pattern
  ``^[A-Za-z0-9\\-]+[\\.][A-Za-z0-9\\-]+$`` (botocore's ``events`` service model;
  https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.outputs import OutputsError, StackOutputs
from trade_pipeline.ops.verify import item_stored, take_rejections
from trade_producer import Publisher, PublishResult, RetryPolicy, TradingEventEntry
from trade_producer.canary import invalid_canary, valid_canary

if TYPE_CHECKING:
    from mypy_boto3_route53.client import Route53Client

__all__ = [
    "DOCUMENTED_FAILOVER_SECONDS",
    "DOCUMENTED_MAX_FAILOVER_SECONDS",
    "RUNTIME",
    "DrillPlan",
    "DrillResult",
    "Probe",
    "Router",
    "Runtime",
    "endpoint_router",
    "plan_drill",
    "run_drill",
]

DOCUMENTED_FAILOVER_SECONDS = 360.0
"""EventBridge's expected RTO with the documented alarm settings (module docstring)."""
DOCUMENTED_MAX_FAILOVER_SECONDS = 420.0
"""EventBridge's documented maximum."""
PHASE_TIMEOUT = DOCUMENTED_MAX_FAILOVER_SECONDS + 180.0
"""Default wait for each switch: the documented maximum plus time for a canary to be stored."""
PROBE_INTERVAL = 10.0
POLL_INTERVAL = 1.0
SETTLE_TIMEOUT = 120.0
FAILOVER, FAIL_BACK = "failover", "fail-back"

Router = Callable[[Sequence[TradingEventEntry]], PublishResult]
"""Sends entries the way ``PutEvents(EndpointId=...)`` does; returns what was accepted."""


@dataclass(frozen=True)
class DrillPlan:
    """What ``--apply`` would do, read from the stack's outputs and the options."""

    health_check_id: str
    endpoint_id: str
    bus: str
    primary: str
    secondary: str
    replicas: tuple[str, ...]
    interval: float = PROBE_INTERVAL
    failover_timeout: float = PHASE_TIMEOUT
    failback_timeout: float = PHASE_TIMEOUT
    settle_timeout: float = SETTLE_TIMEOUT
    poll_interval: float = POLL_INTERVAL

    @property
    def max_probes(self) -> int:
        """Probes at most: one when each switch starts, then one every ``interval``."""
        timeouts = (self.failover_timeout, self.failback_timeout)
        return sum(math.ceil(timeout / self.interval) + 1 for timeout in timeouts)

    @property
    def max_events(self) -> int:
        return 2 * self.max_probes  # a valid and an invalid canary per probe

    def to_dict(self) -> dict[str, Any]:
        return {
            "health_check_id": self.health_check_id,
            "endpoint_id": self.endpoint_id,
            "event_bus": self.bus,
            "primary_region": self.primary,
            "secondary_region": self.secondary,
            "replicas": list(self.replicas),
            "probe_interval_seconds": self.interval,
            "max_canary_events": self.max_events,
            "failover_timeout_seconds": self.failover_timeout,
            "failback_timeout_seconds": self.failback_timeout,
            "settle_timeout_seconds": self.settle_timeout,
            "poll_interval_seconds": self.poll_interval,
            "documented_failover_seconds": DOCUMENTED_FAILOVER_SECONDS,
            "documented_max_failover_seconds": DOCUMENTED_MAX_FAILOVER_SECONDS,
        }


def plan_drill(outputs: StackOutputs, **timing: float) -> DrillPlan:
    """The plan, or :class:`OutputsError` naming what the outputs lack (failover off...)."""
    endpoint = outputs.global_endpoint
    if endpoint is None:
        raise OutputsError(
            "globalEndpoint: not in the outputs: the drill needs a stack with failoverEnabled"
        )
    if not endpoint.health_check_id:
        raise OutputsError(
            "globalEndpoint.healthCheckId: not in the outputs; run `pulumi up` with this version "
            "to export it"
        )
    if len(endpoint.regions) != 2 or not set(endpoint.regions) <= set(outputs.regions):
        raise OutputsError(
            f"globalEndpoint.regions {endpoint.regions}: must be the primary and the "
            f"failover region, both among the stack's regions ({', '.join(outputs.regions)})"
        )
    primary, secondary = endpoint.regions
    return DrillPlan(
        health_check_id=endpoint.health_check_id,
        endpoint_id=endpoint.id,
        bus=outputs.regional[primary].bus_name,  # the same name in every region
        primary=primary,
        secondary=secondary,
        replicas=tuple(outputs.regions),
        **timing,
    )


@dataclass
class Probe:
    """A valid and an invalid canary sent together through the endpoint."""

    phase: str
    valid_id: str
    invalid_id: str
    sent_at: float
    accepted: int = 0  # entries PutEvents accepted (2: both)
    error: str | None = None
    stored_at: dict[str, float] = field(default_factory=dict)  # replica -> first readable
    rejected_at: dict[str, float] = field(default_factory=dict)  # region -> queue message found

    @property
    def sent(self) -> bool:
        return self.accepted == 2

    @property
    def route(self) -> str | None:
        """The region whose bus took it (None: not found yet, or in two regions at once)."""
        if not self.rejected_at:
            return None
        first = min(self.rejected_at.values())
        regions = [r for r, at in self.rejected_at.items() if at == first]
        return regions[0] if len(regions) == 1 else None


@dataclass
class DrillResult:
    plan: DrillPlan
    probes: list[Probe] = field(default_factory=list)
    inverted_at: float | None = None
    restored_at: float | None = None
    failover_seconds: float | None = None
    failback_seconds: float | None = None
    restore_error: BaseException | None = None

    @property
    def still_inverted(self) -> bool:
        return self.inverted_at is not None and self.restored_at is None

    @property
    def sent(self) -> int:
        return sum(1 for probe in self.probes if probe.sent)

    @property
    def stored(self) -> int:
        replicas = set(self.plan.replicas)
        return sum(1 for p in self.probes if p.sent and set(p.stored_at) >= replicas)

    @property
    def not_sent(self) -> int:
        return sum(1 for probe in self.probes if not probe.sent)

    @property
    def lost(self) -> int:
        return self.sent - self.stored

    def replica_seconds(self) -> dict[str, float | None]:
        """Per replica: the slowest send-to-readable time of the canaries stored there."""
        found: dict[str, float | None] = {}
        for region in self.plan.replicas:
            times = [p.stored_at[region] - p.sent_at for p in self.probes if region in p.stored_at]
            found[region] = max(times) if times else None
        return found

    def routes(self) -> dict[str, dict[str, int]]:
        """Per phase: how many probes were routed to each region (``both``: undecided)."""
        counts: dict[str, dict[str, int]] = {FAILOVER: {}, FAIL_BACK: {}}
        for probe in self.probes:
            if probe.sent and probe.rejected_at:
                where = probe.route or "both"
                counts[probe.phase][where] = counts[probe.phase].get(where, 0) + 1
        return counts

    @property
    def ok(self) -> bool:
        return (
            self.failover_seconds is not None
            and self.failback_seconds is not None
            and self.lost == 0
            and self.not_sent == 0
            and not self.still_inverted
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "plan": self.plan.to_dict(),
            "failover_seconds": _rounded(self.failover_seconds),
            "failback_seconds": _rounded(self.failback_seconds),
            "events": {
                "probes": len(self.probes),
                "sent": self.sent,
                "not_sent": self.not_sent,
                "stored": self.stored,
                "lost": self.lost,
            },
            "routes": self.routes(),
            "replica_seconds": {k: _rounded(v) for k, v in self.replica_seconds().items()},
            "health_check_restored": not self.still_inverted,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def endpoint_router(clients: Clients, plan: DrillPlan) -> Router:
    """``PutEvents`` through the global endpoint (SigV4a: raises when botocore lacks CRT)."""
    publisher = Publisher(
        clients.events(plan.primary),
        event_bus=plan.bus,
        endpoint_id=plan.endpoint_id,
        retry=RetryPolicy(max_attempts=3),
    )
    return publisher.publish


@dataclass(frozen=True)
class Runtime:
    """Where events go and what time it is: the one seam the end-to-end tests replace (moto
    has no global endpoints: their stand-in routes by the health check's ``Inverted``)."""

    router: Callable[[Clients, DrillPlan], Router] = endpoint_router
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


RUNTIME = Runtime()


@dataclass
class _Drill:
    clients: Clients
    outputs: StackOutputs
    plan: DrillPlan
    runtime: Runtime
    send: Router
    result: DrillResult

    def probe(self, phase: str) -> None:
        occurred_at = datetime.now(UTC)
        valid = valid_canary(self.plan.primary, occurred_at)
        invalid = invalid_canary(self.plan.primary, occurred_at)
        probe = Probe(phase, valid.event_id, invalid.event_id, self.runtime.clock())
        self.result.probes.append(probe)
        published = self.send([valid, invalid])
        probe.accepted = published.sent
        if published.failed:
            probe.error = "; ".join(f"{f.error_code}: {f.error_message}" for f in published.failed)

    def poll(self) -> None:
        """Look once for every canary not yet stored everywhere, and every unrouted probe."""
        replicas = set(self.plan.replicas)
        for probe in self.result.probes:
            for region in sorted(replicas - set(probe.stored_at)) if probe.sent else ():
                if item_stored(self.clients, self.outputs.table_name, region, probe.valid_id):
                    probe.stored_at[region] = self.runtime.clock()
        unrouted = {p.invalid_id: p for p in self.result.probes if p.sent and not p.rejected_at}
        if not unrouted:
            return
        now = self.runtime.clock()  # one time for the round: same round, same time (a tie)
        for region in (self.plan.primary, self.plan.secondary):
            for event_id in take_rejections(self.clients, self.outputs, region, set(unrouted)):
                unrouted[event_id].rejected_at[region] = now

    def switch(self, phase: str, to: str, since: float, timeout: float) -> float | None:
        """Probe every ``interval`` until one is routed to ``to``; seconds since ``since``."""
        clock, plan = self.runtime.clock, self.plan
        next_probe = clock()
        while True:
            if clock() >= next_probe:
                self.probe(phase)
                next_probe = clock() + plan.interval
            self.poll()
            routed = [
                p.rejected_at[to] for p in self.result.probes if p.phase == phase and p.route == to
            ]
            if routed:
                return max(0.0, min(routed) - since)
            if clock() - since > timeout:
                return None
            self.runtime.sleep(plan.poll_interval)

    def settle(self) -> None:
        """Wait until every accepted canary is readable in every replica, or the timeout."""
        clock, deadline = self.runtime.clock, self.runtime.clock() + self.plan.settle_timeout
        while self.result.lost and clock() <= deadline:
            self.runtime.sleep(self.plan.poll_interval)
            self.poll()


def _set_inverted(route53: Route53Client, plan: DrillPlan, inverted: bool) -> None:
    route53.update_health_check(HealthCheckId=plan.health_check_id, Inverted=inverted)


def health_check_inverted(clients: Clients, plan: DrillPlan) -> bool:
    found = clients.route53(plan.primary).get_health_check(HealthCheckId=plan.health_check_id)
    return bool(found["HealthCheck"]["HealthCheckConfig"].get("Inverted", False))


def _restore(drill: _Drill, route53: Route53Client) -> None:
    """``Inverted=False``; a failure is kept (raised after a normal run, reported always)."""
    if drill.result.inverted_at is None:
        return
    try:
        _set_inverted(route53, drill.plan, False)
    except (ClientError, BotoCoreError) as error:
        drill.result.restore_error = error
        return
    drill.result.restored_at = drill.runtime.clock()


def run_drill(
    clients: Clients,
    outputs: StackOutputs,
    plan: DrillPlan,
    *,
    runtime: Runtime | None = None,
    result: DrillResult | None = None,
) -> DrillResult:
    """Invert, measure the failover, restore, measure the fail-back, wait for the canaries."""
    runtime = runtime or RUNTIME
    drill = _Drill(
        clients,
        outputs,
        plan,
        runtime,
        runtime.router(clients, plan),  # before the inversion: a missing extra stops here
        result or DrillResult(plan),
    )
    route53 = clients.route53(plan.primary)
    if health_check_inverted(clients, plan):
        raise OutputsError(
            f"health check {plan.health_check_id} is already inverted (another drill?); "
            "end it first: aws route53 update-health-check --health-check-id "
            f"{plan.health_check_id} --no-inverted"
        )
    try:
        _set_inverted(route53, plan, True)
        drill.result.inverted_at = runtime.clock()
        drill.result.failover_seconds = drill.switch(
            FAILOVER, plan.secondary, drill.result.inverted_at, plan.failover_timeout
        )
    finally:
        _restore(drill, route53)
    if drill.result.restore_error is not None:
        raise drill.result.restore_error
    assert drill.result.restored_at is not None
    drill.result.failback_seconds = drill.switch(
        FAIL_BACK, plan.primary, drill.result.restored_at, plan.failback_timeout
    )
    drill.settle()
    return drill.result
