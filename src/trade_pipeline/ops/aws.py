"""AWS clients for the operator commands: the usual boto3 chain, one client per region.

Credentials, profile and endpoint come from boto3's own configuration (``AWS_PROFILE``,
``AWS_ENDPOINT_URL``, ``~/.aws/config``...), so the commands behave like the AWS CLI does.
Clients are built with the ``standard`` retry mode: throttling and 5xx are retried by botocore
before a command sees an error.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.client import CloudWatchClient
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_route53.client import Route53Client
    from mypy_boto3_sqs.client import SQSClient

__all__ = ["Clients", "queue_name"]

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=20
)


class Clients:
    """Per-region clients from one boto3 session (thread-safe to read once created)."""

    def __init__(self, session: boto3.session.Session | None = None) -> None:
        self._session = session or boto3.session.Session()

    @cache  # noqa: B019 - one Clients per command run; the cache lives as long as it does
    def _client(self, service: str, region: str) -> Any:
        return self._session.client(service, region_name=region, config=_CONFIG)  # type: ignore[call-overload]

    def events(self, region: str) -> EventBridgeClient:
        return self._client("events", region)  # type: ignore[no-any-return]

    def sqs(self, region: str) -> SQSClient:
        return self._client("sqs", region)  # type: ignore[no-any-return]

    def dynamodb(self, region: str) -> DynamoDBClient:
        return self._client("dynamodb", region)  # type: ignore[no-any-return]

    def cloudwatch(self, region: str) -> CloudWatchClient:
        return self._client("cloudwatch", region)  # type: ignore[no-any-return]

    def route53(self, region: str) -> Route53Client:
        """Route 53 is global: any region's client reaches the one endpoint."""
        return self._client("route53", region)  # type: ignore[no-any-return]


def queue_name(url: str) -> str:
    """``https://sqs.r.amazonaws.com/123456789012/NAME`` -> ``NAME``."""
    return url.rstrip("/").rsplit("/", 1)[-1]
