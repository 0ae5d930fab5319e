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
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from trade_processor.models import FieldError, RejectReason, field_errors_text

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageAttributeValueTypeDef

__all__ = ["MAX_MESSAGE_BYTES", "RejectedEventQueue", "attributes_size", "rejection_body"]

MAX_MESSAGE_BYTES = 262_144
"""The rejected-events queue's maximum message size (256 KiB, set explicitly on the queue).

SQS counts the body *and* the message attributes (each name, data type and value) against it;
a body that does not fit with its attributes carries a truncated copy of the event instead."""


def rejection_body(
    event: Any,
    reason: RejectReason,
    errors: Sequence[FieldError],
    *,
    limit: int = MAX_MESSAGE_BYTES,
) -> str:
    """The JSON body of a rejection message, at most ``limit`` bytes.

    ASCII-only strict JSON (never ``NaN``/``Infinity``), so any input is a valid SQS body that
    any JSON reader parses, and its length is its size in bytes. When the event does not fit,
    or cannot be written as strict JSON (``not_json`` then says why), ``event`` becomes
    ``{"truncated": true, "bytes": <size of the event's JSON>, "prefix": <its longest prefix
    that fits>}``; the prefix is measured after it is
    encoded again, where every ``\\`` and ``"`` of the event's JSON doubles.

    >>> len(rejection_body({"blob": "\\\\" * 5000}, RejectReason.INVALID_DETAIL, [], limit=2000))
    2000
    """
    body = {
        "reason_code": reason.value,
        "reason": field_errors_text(errors),
        "errors": [{"field": error.field, "rule": error.rule} for error in errors],
        "event": event,
    }
    try:
        text = _dumps(body)
    except (ValueError, RecursionError):  # NaN/Infinity, or nested past the encoder's stack
        text, unrepresentable = "", True
    else:
        unrepresentable = False
        if len(text) <= limit:
            return text
    event_text = _lenient_text(event) if unrepresentable else _dumps(event)
    truncated: dict[str, Any] = {"truncated": True, "bytes": len(event_text), "prefix": ""}
    if unrepresentable:
        truncated["not_json"] = _NOT_JSON
    body["event"] = truncated
    room = limit - len(_dumps(body))
    truncated["prefix"] = event_text[: _longest_prefix(event_text, room)]
    return _dumps(body)


_NOT_JSON = (
    "the event holds a value strict JSON cannot (NaN, Infinity) or nests past the encoder's "
    "limit; prefix is a lenient rendering, not the event"
)


def attributes_size(attributes: Mapping[str, MessageAttributeValueTypeDef]) -> int:
    """Bytes SQS counts for message attributes: each name, data type and string value."""
    return sum(
        len(name.encode()) + len(value["DataType"].encode()) + len(value["StringValue"].encode())
        for name, value in attributes.items()
    )


def _longest_prefix(text: str, room: int) -> int:
    """The longest ``text[:n]`` whose JSON string encoding (quotes excluded) fits in ``room``."""
    low, high = 0, max(0, min(len(text), room))
    while low < high:
        middle = (low + high + 1) // 2
        if len(_dumps(text[:middle])) - 2 <= room:
            low = middle
        else:
            high = middle - 1
    return low


class RejectedEventQueue:
    """Sends rejected events to one SQS queue.

    Parameters
    ----------
    queue_url
        The queue's URL (``REJECTED_EVENTS_QUEUE_URL``).
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
        body = rejection_body(
            event, reason, errors, limit=MAX_MESSAGE_BYTES - attributes_size(attributes)
        )
        response = self._client.send_message(
            QueueUrl=self._queue_url, MessageBody=body, MessageAttributes=attributes
        )
        return response["MessageId"]


def _dumps(value: Any) -> str:
    """Strict JSON (RFC 8259: no ``NaN``/``Infinity``), ASCII-only."""
    return json.dumps(value, default=_json_fallback, allow_nan=False)


def _lenient_text(value: Any) -> str:
    """A JSON-like rendering of any value that never fails: iterative (no recursion limit),
    non-finite numbers written as ``NaN``/``Infinity``, unknown objects as their ``repr``. Only
    ever stored as a *string* (the truncated prefix), so the body stays strict JSON.
    """
    parts: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Literal):
            parts.append(item.text)
        elif isinstance(item, Mapping):
            stack.append(_Literal("}"))
            for position, (key, child) in reversed(list(enumerate(item.items()))):
                stack.append(child)
                stack.append(_Literal(("," if position else "") + json.dumps(str(key)) + ":"))
            stack.append(_Literal("{"))
        elif isinstance(item, list | tuple):
            stack.append(_Literal("]"))
            for position, child in reversed(list(enumerate(item))):
                stack.append(child)
                if position:
                    stack.append(_Literal(","))
            stack.append(_Literal("["))
        else:
            parts.append(json.dumps(item, default=_json_fallback))
    return "".join(parts)


class _Literal:
    """Text :func:`_lenient_text` writes as is (a bracket or a key)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _json_fallback(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    return repr(value)
