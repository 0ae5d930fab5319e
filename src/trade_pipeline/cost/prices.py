"""The one price table of the cost estimate: every figure with its AWS source and read date.

Every price is read from AWS's own pricing page of the service
(``https://aws.amazon.com/<service>/pricing/``) on :data:`READ_ON`; where the figure sits on a
page of AWS's documentation instead (the global endpoint's "no additional charge"), that page.
No third-party page is a source.

Regions: :data:`REGIONAL_PRICES` maps a region to its own figures. The baseline,
:data:`BASELINE_REGION`, is priced in full. A region without an entry (or without a key) is
priced *at us-east-1 rates*: it gets the baseline figure and the estimate says so in every place
the region appears (the preview's line, each of its lines in the cost table, the JSON
``regions_at_us_east_1_rates``, docs/cost.md), never silently. The repository's stack files
plan us-east-1, us-west-2 and eu-west-1; AWS's pages render the regional rates in the browser,
so us-west-2 and eu-west-1 figures could not be read offline and are priced at us-east-1 rates.
To price a region, add ``REGIONAL_PRICES["<region>"] = {key: Price(...)}`` with each figure's
page and date (one entry per key; a key left out stays at the baseline rate, flagged).

Adding a line: one :func:`_p` (or :func:`_assumed`) entry in :data:`_TABLE`, in the service's
group, with the page it was read from. A line marked ``assumed`` is a figure the page read did
not state in its text: the note says what was assumed and why. Free tiers are not applied (a
stack shares them with the account).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AT_BASELINE",
    "BASELINE_REGION",
    "PRICES",
    "READ_ON",
    "REGIONAL_PRICES",
    "Price",
    "price_of",
    "priced_regions",
]

BASELINE_REGION = "us-east-1"
READ_ON = "2026-12-03"
AT_BASELINE = f"priced at {BASELINE_REGION} rates"
"""How every output names a region whose figures are the baseline's (never "unpriced")."""

# AWS's pricing pages, as read on READ_ON (US East (N. Virginia) figures).
_EVENTBRIDGE = "https://aws.amazon.com/eventbridge/pricing/"
_EB_GLOBAL = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-global-endpoints.html"
_LAMBDA = "https://aws.amazon.com/lambda/pricing/"
_DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand/"
_SQS = "https://aws.amazon.com/sqs/pricing/"
_CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/"
_XRAY = "https://aws.amazon.com/xray/pricing/"
_KMS = "https://aws.amazon.com/kms/pricing/"
_ROUTE53 = "https://aws.amazon.com/route53/pricing/"
_PRIVATELINK = "https://aws.amazon.com/privatelink/pricing/"


@dataclass(frozen=True)
class Price:
    """One unit price in US dollars, with where it came from."""

    key: str
    service: str
    unit: str
    usd: float
    source: str
    read_on: str = READ_ON
    note: str = ""
    assumed: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "service": self.service,
            "unit": self.unit,
            "usd": self.usd,
            "source": self.source,
            "read_on": self.read_on,
            "note": self.note,
            "assumed": self.assumed,
        }


def _p(key: str, service: str, unit: str, usd: float, source: str, note: str = "") -> Price:
    return Price(key, service, unit, usd, source, note=note)


def _assumed(key: str, service: str, unit: str, usd: float, source: str, note: str) -> Price:
    return Price(key, service, unit, usd, source, note=f"assumed: {note}", assumed=True)


_TABLE: tuple[Price, ...] = (
    _p(
        "eventbridge.custom_event",
        "EventBridge",
        "custom event (per 64 KB chunk)",
        1.00e-6,
        _EVENTBRIDGE,
        "$1.00 per million; each 64 KB of payload is one event",
    ),
    _p(
        "eventbridge.replicated_event",
        "EventBridge",
        "event replicated by a global endpoint",
        1.00e-6,
        _EVENTBRIDGE,
        "replication publishes the event again on the secondary bus: billed as a custom event "
        "(the page: custom events published to a global endpoint are billed as custom events)",
    ),
    _p(
        "eventbridge.global_endpoint",
        "EventBridge",
        "global endpoint-month",
        0.0,
        _EB_GLOBAL,
        "global endpoints come at no additional cost; the health check is billed by Route 53",
    ),
    _p(
        "eventbridge.archive_processing",
        "EventBridge",
        "GB archived",
        0.10,
        _EVENTBRIDGE,
        "archive: $0.10 per GB processed",
    ),
    _p(
        "eventbridge.archive_storage",
        "EventBridge",
        "GB-month archived",
        0.023,
        _EVENTBRIDGE,
        "archive: $0.023 per GB-month stored",
    ),
    _assumed(
        "scheduler.invocation",
        "EventBridge Scheduler",
        "scheduled invocation",
        1.00e-6,
        _EVENTBRIDGE,
        "$1.00 per million scheduled invocations after the first 14 million a month (free "
        "tiers not applied): the us-east-1 figure, not in the excerpt read",
    ),
    _p("lambda.request", "Lambda", "request", 0.20e-6, _LAMBDA, "$0.20 per million requests"),
    _p(
        "lambda.gb_second.arm64",
        "Lambda",
        "GB-second (arm64)",
        0.0000133334,
        _LAMBDA,
        "first 7.5 billion GB-s per month",
    ),
    _p(
        "lambda.gb_second.x86_64",
        "Lambda",
        "GB-second (x86_64)",
        0.0000166667,
        _LAMBDA,
        "first 6 billion GB-s per month",
    ),
    _p(
        "dynamodb.write_request_unit",
        "DynamoDB",
        "write request unit (1 KB)",
        0.625e-6,
        _DYNAMODB,
        "on-demand, $0.625 per million write request units",
    ),
    _p(
        "dynamodb.replicated_write_request_unit",
        "DynamoDB",
        "replicated write request unit (1 KB)",
        0.625e-6,
        _DYNAMODB,
        "global tables, on-demand: replicated writes cost as much as writes since November 2024",
    ),
    _assumed(
        "dynamodb.witness_write_request_unit",
        "DynamoDB",
        "write replicated to an MRSC witness (1 KB)",
        0.625e-6,
        _DYNAMODB,
        "multi-Region strong consistency: AWS prices MRSC tables as global tables (replicated "
        "writes in each replica region, the same rate as MREC); no figure for the witness was "
        "readable offline, so each write it receives is assumed billed as a replicated write "
        "(an upper bound) and it is given no storage, reads or backups (it serves none)",
    ),
    _assumed(
        "dynamodb.stream_read_request_unit",
        "DynamoDB",
        "streams read request unit",
        0.02e-5,
        _DYNAMODB,
        "$0.02 per 100,000 streams read units; reads by global-table replication and "
        "by Lambda event source mappings are not billed, so the estimate counts none",
    ),
    _assumed(
        "dynamodb.storage_gb_month",
        "DynamoDB",
        "GB-month stored",
        0.25,
        _DYNAMODB,
        "Standard table class $0.25 per GB-month: the figure was not in the excerpt read",
    ),
    _assumed(
        "dynamodb.pitr_gb_month",
        "DynamoDB",
        "GB-month of continuous backup",
        0.20,
        _DYNAMODB,
        "point-in-time recovery $0.20 per GB-month of table size: not in the excerpt read",
    ),
    _p(
        "sqs.request",
        "SQS",
        "standard request (per 64 KB chunk)",
        0.40e-6,
        _SQS,
        "$0.40 per million (first 100 billion per month)",
    ),
    _p(
        "cloudwatch.alarm_standard",
        "CloudWatch",
        "standard-resolution alarm metric-month",
        0.10,
        _CLOUDWATCH,
        "$0.10 per alarm metric (standard resolution)",
    ),
    _p(
        "cloudwatch.alarm_high_resolution",
        "CloudWatch",
        "high-resolution alarm metric-month",
        0.30,
        _CLOUDWATCH,
        "period below 60 s",
    ),
    _p(
        "cloudwatch.dashboard",
        "CloudWatch",
        "dashboard-month",
        3.00,
        _CLOUDWATCH,
        "$3 per dashboard",
    ),
    _p(
        "cloudwatch.custom_metric",
        "CloudWatch",
        "custom metric-month",
        0.30,
        _CLOUDWATCH,
        "first 10,000 metrics; one metric per name + dimension set (EMF included)",
    ),
    _p(
        "logs.ingestion_gb",
        "CloudWatch Logs",
        "GB ingested (standard class)",
        0.50,
        _CLOUDWATCH,
        "$0.50 per GB in most regions",
    ),
    _p(
        "logs.storage_gb_month",
        "CloudWatch Logs",
        "GB-month archived",
        0.03,
        _CLOUDWATCH,
        "billed on the compressed size",
    ),
    _p(
        "xray.trace_recorded", "X-Ray", "trace recorded", 5.00e-6, _XRAY, "$5.00 per million traces"
    ),
    _p(
        "kms.key_month",
        "KMS",
        "customer-managed key-month",
        1.00,
        _KMS,
        "each rotated backing key adds $1 per month; AWS-managed keys are free",
    ),
    _p(
        "kms.request",
        "KMS",
        "request",
        0.03e-4,
        _KMS,
        "$0.03 per 10,000 symmetric requests",
    ),
    _assumed(
        "route53.health_check",
        "Route 53",
        "health check-month (AWS endpoint)",
        0.50,
        _ROUTE53,
        "$0.50 per basic health check on an AWS resource: the figure was not in the pages read",
    ),
    _p(
        "vpc.interface_endpoint_az_hour",
        "VPC",
        "interface endpoint AZ-hour",
        0.01,
        _PRIVATELINK,
        "billed per endpoint per Availability Zone per hour",
    ),
    _p(
        "vpc.interface_endpoint_gb",
        "VPC",
        "GB processed by interface endpoints",
        0.01,
        _PRIVATELINK,
        "first 1 PB per month in a region",
    ),
)

PRICES: dict[str, Price] = {price.key: price for price in _TABLE}
"""Price key -> us-east-1 price."""

REGIONAL_PRICES: dict[str, dict[str, Price]] = {BASELINE_REGION: PRICES}
"""Region -> its own prices; a region (or key) not listed is priced at us-east-1 rates."""


def priced_regions() -> tuple[str, ...]:
    return tuple(sorted(REGIONAL_PRICES))


def price_of(key: str, region: str) -> tuple[Price, bool]:
    """The price of ``key`` in ``region`` and whether the table has that region's own figure.

    ``False``: the baseline (us-east-1) figure, which the caller must name as "priced at
    us-east-1 rates".
    """
    regional = REGIONAL_PRICES.get(region)
    if regional is not None and key in regional:
        return regional[key], True
    return PRICES[key], False
