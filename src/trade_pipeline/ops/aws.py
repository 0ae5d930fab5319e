"""AWS clients for the operator commands: the usual boto3 chain, one client per region.

Credentials, profile and endpoint come from boto3's own configuration (``AWS_PROFILE``,
``AWS_ENDPOINT_URL``, ``~/.aws/config``...), so the commands behave like the AWS CLI does.
Clients are built with the ``standard`` retry mode: throttling, 5xx and connection errors are
retried by botocore before a command sees an error, 5 attempts in all unless ``AWS_MAX_ATTEMPTS``
says otherwise, as for the AWS CLI (https://docs.aws.amazon.com/boto3/latest/guide/retries.html).
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)
from botocore.exceptions import (
    NoCredentialsError,
    PartialCredentialsError,
)

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.client import CloudWatchClient
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_route53.client import Route53Client
    from mypy_boto3_sqs.client import SQSClient

__all__ = ["Clients", "cannot_reach_aws", "queue_name"]

DEFAULT_MAX_ATTEMPTS = 5


def _config() -> Config:
    """Standard retries; a ``max_attempts`` given here would override ``AWS_MAX_ATTEMPTS``."""
    retries: dict[str, Any] = {"mode": "standard"}
    if not os.environ.get("AWS_MAX_ATTEMPTS"):
        retries["max_attempts"] = DEFAULT_MAX_ATTEMPTS
    return Config(retries=retries, connect_timeout=5, read_timeout=20)  # type: ignore[arg-type]


def cannot_reach_aws(error: BaseException) -> bool:
    """No credentials, or the endpoint cannot be reached (after botocore's retries): no other
    request of the command can succeed either, so it stops with this error instead of
    recording it per request."""
    return isinstance(error, NoCredentialsError | PartialCredentialsError | BotoConnectionError)


class Clients:
    """Per-region clients from one boto3 session (thread-safe to read once created)."""

    def __init__(self, session: boto3.session.Session | None = None) -> None:
        self._session = session or boto3.session.Session()

    @cache  # noqa: B019 - one Clients per command run; the cache lives as long as it does
    def _client(self, service: str, region: str) -> Any:
        return self._session.client(service, region_name=region, config=_config())  # type: ignore[call-overload]

    def events(self, region: str) -> EventBridgeClient:
        return self._client("events", region)  # type: ignore[no-any-return]

    def sqs(self, region: str) -> SQSClient:
        return self._client("sqs", region)  # type: ignore[no-any-return]

    def dynamodb(self, region: str) -> DynamoDBClient:
        return self._client("dynamodb", region)  # type: ignore[no-any-return]

    def cloudwatch(self, region: str) -> CloudWatchClient:
        return self._client("cloudwatch", region)  # type: ignore[no-any-return]

    def backup(self, region: str) -> Any:
        """AWS Backup (no type stubs installed for it: its answers are read as plain dicts)."""
        return self._client("backup", region)

    def route53(self, region: str) -> Route53Client:
        """Route 53 is global: any region's client reaches the one endpoint."""
        return self._client("route53", region)  # type: ignore[no-any-return]


def queue_name(url: str) -> str:
    """``https://sqs.r.amazonaws.com/123456789012/NAME`` -> ``NAME``."""
    return url.rstrip("/").rsplit("/", 1)[-1]
