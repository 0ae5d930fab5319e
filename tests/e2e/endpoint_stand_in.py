"""Stand-ins for what moto lacks in a failover drill: the global endpoint's routing, and time.

:class:`EndpointStandIn` is where ``PutEvents(EndpointId=...)`` goes: the primary region's bus,
unless moto's Route 53 health check has been inverted for ``failover_delay`` seconds (then the
secondary's, until it has been restored for ``failback_delay`` seconds), the way EventBridge
follows the health check a few minutes late. Events are put on that region's real bus in moto,
so the rule, the processor stand-in, the table and the queues all play their part.

:class:`FakeClock` is the drill's clock: it moves only when the drill sleeps (and pauses for a
moment of real time, so the processor stand-in works meanwhile). No assertion reads real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from trade_pipeline.ops.aws import Clients
from trade_pipeline.ops.drill import DrillPlan, Router, Runtime, health_check_inverted
from trade_producer import Publisher, PublishResult, TradingEventEntry

__all__ = ["EndpointStandIn", "FakeClock"]


@dataclass
class FakeClock:
    """The drill's clock in tests: a sleep lets the stand-in process handle what it was sent
    (until ``settled`` says so, within ``bound`` real seconds; without ``settled``, one
    ``pause``), then moves fake time on. So figures do not depend on how busy the machine is."""

    now: float = 0.0
    pause: float = 0.02
    settled: Callable[[], bool] | None = None
    bound: float = 30.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if self.settled is None:
            time.sleep(self.pause)
        else:
            deadline = time.monotonic() + self.bound
            while not self.settled() and time.monotonic() < deadline:
                time.sleep(self.pause)
        self.now += seconds


@dataclass
class EndpointStandIn:
    clock: FakeClock
    failover_delay: float
    failback_delay: float
    on_put: Callable[[int], None] | None = None  # called with the put's number, before it
    puts: int = 0
    routed: list[str] = field(default_factory=list)
    _inverted: bool = False
    _changed_at: float = float("-inf")

    def runtime(self) -> Runtime:
        return Runtime(router=self.router, clock=self.clock, sleep=self.clock.sleep)

    def router(self, clients: Clients, plan: DrillPlan) -> Router:
        def send(events: Sequence[TradingEventEntry]) -> PublishResult:
            self.puts += 1
            if self.on_put is not None:
                self.on_put(self.puts)
            region = self._route(clients, plan)
            self.routed.append(region)
            return Publisher(clients.events(region), event_bus=plan.bus).publish(events)

        return send

    def _route(self, clients: Clients, plan: DrillPlan) -> str:
        inverted = health_check_inverted(clients, plan)
        if inverted != self._inverted:
            self._inverted, self._changed_at = inverted, self.clock()
        delay = self.failover_delay if inverted else self.failback_delay
        switched = self.clock() - self._changed_at >= delay
        unhealthy = inverted if switched else not inverted
        return plan.secondary if unhealthy else plan.primary
