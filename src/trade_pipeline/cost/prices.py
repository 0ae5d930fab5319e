"""The one price table of the cost estimate: every figure with its source page and read date.

us-east-1 is the baseline and the only region priced today. A region without its own entry in
:data:`REGIONAL_PRICES` is *flagged* by the estimate (a warning line, ``unpriced_regions`` in the
JSON) and priced at the baseline so the total stays comparable; it is never silently priced as
us-east-1. To price a region, add its figures to :data:`REGIONAL_PRICES` with their source.

A line marked ``assumed`` has no published figure behind it in the sources read: the note says
what was assumed and why. Free tiers are not applied (a stack shares them with the account).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BASELINE_REGION",
    "PRICES",
    "REGIONAL_PRICES",
    "Price",
    "price_of",
    "priced_regions",
]

BASELINE_REGION = "us-east-1"
READ_ON = "2026-11-29"

# Source pages, as read on READ_ON. Where AWS's own pricing page was not in the corpus read, the
# page that lists the figure is cited; the note names the official page where it helps.
_EVENTBRIDGE = "https://cloudburn.io/blog/amazon-eventbridge-pricing"
_EB_GLOBAL = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-global-endpoints.html"
_EB_REPLICATION = (
    "https://www.factualminds.com/blog/amazon-eventbridge-pricing-events-pipes-schema-archive/"
)
_LAMBDA = "https://cloudchipr.com/blog/aws-lambda-pricing"
_DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand"
_DYNAMODB_FIGURES = "https://airbyte.com/data-engineering-resources/dynamodb-pricing"
_SQS = "https://cloudburn.io/blog/amazon-sqs-pricing"
_CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/"
_CW_FIGURES = (
    "https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/"
)
_CW_LOGS = (
    "https://hivebook.wiki/wiki/cloudwatch-logs-cost-never-expire-retention-and-cardinality-blowups"
)
_CW_METRICS = "https://signoz.io/guides/cloudwatch-pricing"
_XRAY = "https://aws.amazon.com/de/xray/pricing/"
_KMS = "https://aws.amazon.com/kms/pricing/"
_KMS_REQUESTS = "https://www.wring.co/blog/aws-kms-pricing-guide"
_ROUTE53 = "https://aws.amazon.com/route53/pricing/"
_PRIVATELINK = "https://awsnegotiations.com/privatelink-cost-analysis.html"


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
        _EB_REPLICATION,
        "replication publishes the event again on the secondary bus: billed as a custom event",
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
        _DYNAMODB_FIGURES,
        "on-demand, $0.625 per million WRU (key terms: " + _DYNAMODB + ")",
    ),
    _p(
        "dynamodb.replicated_write_request_unit",
        "DynamoDB",
        "replicated write request unit (1 KB)",
        0.625e-6,
        _DYNAMODB_FIGURES,
        "global tables, on-demand: replicated writes cost as much as writes since November 2024",
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
        _CW_FIGURES,
        "alarms tiered by resolution; standard: $0.10 (" + _CLOUDWATCH + ")",
    ),
    _p(
        "cloudwatch.alarm_high_resolution",
        "CloudWatch",
        "high-resolution alarm metric-month",
        0.30,
        _CW_FIGURES,
        "period below 60 s",
    ),
    _p(
        "cloudwatch.dashboard",
        "CloudWatch",
        "dashboard-month",
        3.00,
        _CW_FIGURES,
        "$3 per dashboard",
    ),
    _p(
        "cloudwatch.custom_metric",
        "CloudWatch",
        "custom metric-month",
        0.30,
        _CW_METRICS,
        "first 10,000 metrics; one metric per name + dimension set (EMF included)",
    ),
    _p(
        "logs.ingestion_gb",
        "CloudWatch Logs",
        "GB ingested (standard class)",
        0.50,
        _CW_LOGS,
        "$0.50 per GB in most regions",
    ),
    _p(
        "logs.storage_gb_month",
        "CloudWatch Logs",
        "GB-month archived",
        0.03,
        _CW_LOGS,
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
        _KMS_REQUESTS,
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
"""Region -> its own prices. Only regions listed here are priced; others are flagged."""


def priced_regions() -> tuple[str, ...]:
    return tuple(sorted(REGIONAL_PRICES))


def price_of(key: str, region: str) -> tuple[Price, bool]:
    """The price of ``key`` in ``region`` and whether the table prices that region.

    An unpriced region gets the baseline figure with ``False``: the caller must flag it.
    """
    regional = REGIONAL_PRICES.get(region)
    if regional is not None and key in regional:
        return regional[key], True
    return PRICES[key], False
