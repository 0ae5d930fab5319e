"""X-Ray traces of an Active Lambda function, at Lambda's fixed sampling.

Lambda samples "1 request per second and 5 percent of additional requests" and a function's
rate cannot be configured (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html),
so the stack plans no sampling rule and the estimate does not read one from the plan.
"""

from __future__ import annotations

from typing import Final, NamedTuple

XRAY_RESERVOIR_PER_SECOND: Final = 1
XRAY_FIXED_RATE: Final = 0.05
XRAY_SOURCE: Final = "Lambda's fixed sampling"


class TraceUsage(NamedTuple):
    """One priced quantity of ``xray.trace_recorded``: per event, or fixed per month."""

    what: str
    per_event: float
    fixed: float


def lambda_trace_usage(share: float, seconds_per_month: float) -> tuple[TraceUsage, ...]:
    """Traces recorded for the ``share`` of events a region processes: the reservoir (counted as
    fixed, traffic at least one event per second) and the rate (variable)."""
    return (
        TraceUsage(
            f"traces: {XRAY_FIXED_RATE:.1%} sampled ({XRAY_SOURCE})", share * XRAY_FIXED_RATE, 0
        ),
        TraceUsage(
            f"traces: {XRAY_RESERVOIR_PER_SECOND}/s reservoir ({XRAY_SOURCE})",
            0,
            XRAY_RESERVOIR_PER_SECOND * seconds_per_month,
        ),
    )
