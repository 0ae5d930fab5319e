"""The rejected-events queue: where an event that can never be stored is kept, with the reason.

One SQS message per rejected event. The body is JSON::

    {"reason_code": "invalid_detail",
     "reason": "detail.quantity: must be > 0; detail.currency: must be an ISO 4217 ...",
     "errors": [{"field": "detail.quantity", "rule": "must be > 0"}, ...],
     "event": <the original EventBridge event, unchanged>}

with message attributes ``reason_code`` and, when readable, ``event_id``, so an operator can
filter without parsing bodies. The SQS client is created on the first rejection only: rejections
are rare and a second client costs tens of milliseconds at cold start.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from trade_processor.models import FieldError, RejectReason

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageAttributeValueTypeDef

__all__ = ["MAX_MESSAGE_BYTES", "RejectedEventQueue", "rejection_body"]

MAX_MESSAGE_BYTES = 256 * 1024
"""SQS's classic message limit; bodies above it carry a truncated copy of the event."""


def rejection_body(event: Any, reason: RejectReason, errors: Sequence[FieldError]) -> str:
    """The JSON body of a rejection message (ASCII-only, so any input is a valid SQS body)."""
    body = {
        "reason_code": reason.value,
        "reason": "; ".join(str(error) for error in errors),
        "errors": [{"field": error.field, "rule": error.rule} for error in errors],
        "event": event,
    }
    text = json.dumps(body, default=_json_fallback)
    if len(text) > MAX_MESSAGE_BYTES:
        event_text = json.dumps(event, default=_json_fallback)
        body["event"] = {"truncated": True, "prefix": event_text[: MAX_MESSAGE_BYTES // 2]}
        text = json.dumps(body, default=_json_fallback)
    return text


class RejectedEventQueue:
    """Sends rejected events to one SQS queue.

    Parameters
    ----------
    queue_url
        The queue's URL (``DEAD_LETTER_QUEUE_URL``).
    client_factory
        Returns the SQS client; called once, on the first rejection.
    """

    def __init__(self, queue_url: str, client_factory: Callable[[], SQSClient]) -> None:
        self._queue_url = queue_url
        self._client_factory = client_factory
        self._client: SQSClient | None = None

    def send(
        self,
        event: Any,
        reason: RejectReason,
        errors: Sequence[FieldError],
        *,
        event_id: str | None = None,
    ) -> str:
        """Send one rejection message; return its SQS message id. Errors propagate."""
        if self._client is None:
            self._client = self._client_factory()
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            "reason_code": {"DataType": "String", "StringValue": reason.value}
        }
        if event_id:
            attributes["event_id"] = {"DataType": "String", "StringValue": event_id}
        response = self._client.send_message(
            QueueUrl=self._queue_url,
            MessageBody=rejection_body(event, reason, errors),
            MessageAttributes=attributes,
        )
        return response["MessageId"]


def _json_fallback(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    return repr(value)
