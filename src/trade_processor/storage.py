"""The trade table: how an event becomes an item, and the one conditional write that stores it.

All DynamoDB access of the processor is here. The item is a pure function of the event (no
processing time, no region, no EventBridge envelope id), so the same event written in two
regions is the same item and global tables' last-writer-wins cannot change it.

The write is ``PutItem`` with ``attribute_not_exists(pk)``. When the condition fails, the
stored item comes back with the error (``ReturnValuesOnConditionCheckFailure=ALL_OLD``; a
consistent ``GetItem`` if it does not) and its event content (:data:`CONTENT_ATTRIBUTES`) is
compared with the new one's: equal means a redelivery (no-op), different means a conflicting
duplicate (never overwritten). Derived attributes (keys, ``occurred_at_utc``,
``schema_version``) and attributes this version does not write are left out of the comparison,
so an event re-sent while regions run different versions is still a plain redelivery.
Every other error propagates: throttling and 5xx have already been retried by botocore, and the
caller lets Lambda retry the invocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from trade_processor.models import TradingEvent
from trade_processor.table_schema import (
    EVENT_SORT_KEY_VALUE,
    INDEX_BY_ACCOUNT_TIME,
    INDEX_BY_ORDER_TIME,
    INDEX_BY_SYMBOL_TIME,
    PARTITION_KEY,
    SORT_KEY,
    account_partition,
    event_partition,
    order_partition,
    symbol_partition,
    time_sort_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

__all__ = [
    "CONTENT_ATTRIBUTES",
    "ITEM_SCHEMA_VERSION",
    "Item",
    "PutOutcome",
    "PutResult",
    "TradeEventStore",
    "differing_attributes",
    "item_for",
    "number_text",
]

ITEM_SCHEMA_VERSION = 1
"""Bump when the item layout changes, so readers can tell old items from new."""

Item = dict[str, "AttributeValueTypeDef"]

CONTENT_ATTRIBUTES: tuple[str, ...] = (
    "event_type",
    "source",
    "event_id",
    "order_id",
    "account_id",
    "symbol",
    "occurred_at",
    "side",
    "quantity",
    "price",
    "currency",
    "trade_id",
    "venue",
    "reason",
)
"""The attributes that hold the event's own content (as sent, in stored form): the ones a
duplicate is compared on. Everything else in an item is derived from them or is layout."""


class PutOutcome(StrEnum):
    """What the conditional write found."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class PutResult:
    """Outcome of :meth:`TradeEventStore.put_new`; ``differences`` names conflicting attributes."""

    outcome: PutOutcome
    differences: tuple[str, ...] = ()


def number_text(value: Decimal) -> str:
    """A Decimal as DynamoDB number text: exact, no exponent, no trailing fractional zeros.

    Built from the digit tuple, never ``normalize()``, which rounds to 28 digits.

    >>> number_text(Decimal("100.50")), number_text(Decimal("1E+3")), number_text(Decimal("0.1"))
    ('100.5', '1000', '0.1')
    >>> number_text(Decimal("1234567890.12345678901234567890123"))
    '1234567890.12345678901234567890123'
    """
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int), "only finite numbers reach storage"
    trimmed = list(digits)
    while exponent < 0 and len(trimmed) > 1 and trimmed[-1] == 0:
        trimmed.pop()
        exponent += 1
    return f"{Decimal((sign, tuple(trimmed), exponent)):f}"


def item_for(event: TradingEvent) -> Item:
    """The item stored for ``event`` (low-level attribute values; only present fields)."""
    time_key = time_sort_key(event.occurred_at_utc, event.event_id)
    item: Item = {
        PARTITION_KEY: {"S": event_partition(event.event_id)},
        SORT_KEY: {"S": EVENT_SORT_KEY_VALUE},
        INDEX_BY_SYMBOL_TIME.hash_key: {"S": symbol_partition(event.symbol, event.detail_type)},
        INDEX_BY_SYMBOL_TIME.range_key: {"S": time_key},
        INDEX_BY_ACCOUNT_TIME.hash_key: {"S": account_partition(event.account_id)},
        INDEX_BY_ACCOUNT_TIME.range_key: {"S": time_key},
        INDEX_BY_ORDER_TIME.hash_key: {"S": order_partition(event.order_id)},
        INDEX_BY_ORDER_TIME.range_key: {"S": time_key},
        "schema_version": {"N": str(ITEM_SCHEMA_VERSION)},
        "event_type": {"S": event.detail_type},
        "source": {"S": event.source},
        "event_id": {"S": event.event_id},
        "order_id": {"S": event.order_id},
        "account_id": {"S": event.account_id},
        "symbol": {"S": event.symbol},
        "occurred_at": {"S": event.occurred_at},
        "occurred_at_utc": {"S": event.occurred_at_utc},
    }
    for name, text in (
        ("side", event.side),
        ("currency", event.currency),
        ("trade_id", event.trade_id),
        ("venue", event.venue),
        ("reason", event.reason),
    ):
        if text is not None:
            item[name] = {"S": text}
    for name, number in (("quantity", event.quantity), ("price", event.price)):
        if number is not None:
            item[name] = {"N": number_text(number)}
    return item


def differing_attributes(new: Item, stored: Item) -> tuple[str, ...]:
    """Content attributes whose values differ (numbers compared by value), sorted.

    >>> differing_attributes({"price": {"N": "1.50"}, "gsi1pk": {"S": "a"}},
    ...                      {"price": {"N": "1.5"}, "gsi1pk": {"S": "b"}, "venue": {"S": "X"}})
    ('venue',)
    """
    differences = []
    for name in sorted(CONTENT_ATTRIBUTES):
        left, right = new.get(name), stored.get(name)
        if left is None and right is None:
            continue
        if left is None or right is None:
            differences.append(name)
        elif "N" in left and "N" in right:
            if Decimal(left["N"]) != Decimal(right["N"]):
                differences.append(name)
        elif left != right:
            differences.append(name)
    return tuple(differences)


class TradeEventStore:
    """Conditional writes of event items into one table (the regional replica).

    Parameters
    ----------
    client
        A DynamoDB client (boto3, moto, or one with a botocore Stubber attached).
    table_name
        The table's name; replicas of a global table share it.
    """

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    @property
    def table_name(self) -> str:
        return self._table_name

    def put_new(self, item: Item) -> PutResult:
        """Store ``item`` unless its key exists; compare with the stored item if it does."""
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": PARTITION_KEY},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            returned = error.response.get("Item")
            stored: Item = dict(returned) if isinstance(returned, dict) else self._get(item)
            differences = differing_attributes(item, stored)
            if differences:
                return PutResult(PutOutcome.CONFLICT, differences)
            return PutResult(PutOutcome.DUPLICATE)
        return PutResult(PutOutcome.STORED)

    def _get(self, item: Item) -> Item:
        key = {PARTITION_KEY: item[PARTITION_KEY], SORT_KEY: item[SORT_KEY]}
        response = self._client.get_item(TableName=self._table_name, Key=key, ConsistentRead=True)
        stored = response.get("Item")
        if stored is None:
            # The condition saw an item that is gone now (deleted by hand?): let Lambda retry.
            raise RuntimeError(f"item {key} failed attribute_not_exists but cannot be read")
        return dict(stored)
