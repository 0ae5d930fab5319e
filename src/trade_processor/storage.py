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

A trade (an event with ``trade_id``) also writes a guard item keyed by its execution (order and
trade id), so the same execution sent under a second event id is caught. How depends on the
table's consistency mode (:class:`ConsistencyMode`):

* ``eventual`` (multi-Region eventual consistency): the event item and the guard are one
  ``TransactWriteItems``, all or nothing.
* ``strong`` (multi-Region strong consistency, MRSC): transactions are not supported (a
  transaction operation on an MRSC replica returns an error,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-CoreConcepts.html),
  so the
  guard and the event item are two conditional ``PutItem`` calls, **guard first**. Under MRSC a
  conditional write is evaluated against the latest version of the item in every region
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
  "Consistency modes"), so the guard claims the execution for exactly one event id. A crash (or
  an error) after the guard and before the event item leaves the guard alone; the redelivery of
  the same event finds its guard with its own event id and equal content, and goes on to write
  the event item. The other order would be wrong: an event item stored without its guard would
  let a second event id of the same execution pass the guard and be stored as well.
  What the guard-first order can leave: a guard whose event never gets its item (the event
  failed for good after the guard: it is in the failure destination); a later event id of the
  same execution is then a duplicate of it, and replaying the failed event completes it.
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
    EXPIRES_AT,
    GLOBAL_SECONDARY_INDEXES,
    HEARTBEAT_SORT_KEY_VALUE,
    INDEX_BY_ACCOUNT_TIME,
    INDEX_BY_ORDER_TIME,
    INDEX_BY_SYMBOL_TIME,
    PARTITION_KEY,
    SORT_KEY,
    TRADE_SORT_KEY_VALUE,
    IndexSpec,
    account_partition,
    canary_expires_at_utc,
    event_partition,
    heartbeat_partition,
    is_canary,
    is_heartbeat,
    order_partition,
    symbol_partition,
    time_sort_key,
    trade_partition,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, PutItemInputTypeDef

__all__ = [
    "CONTENT_ATTRIBUTES",
    "ITEM_SCHEMA_VERSION",
    "ConsistencyMode",
    "Item",
    "PutOutcome",
    "PutResult",
    "TradeEventStore",
    "differing_attributes",
    "item_for",
    "number_text",
    "trade_guard_for",
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


class ConsistencyMode(StrEnum):
    """The global table's multi-Region consistency mode (the table's, set by the stack)."""

    EVENTUAL = "eventual"
    STRONG = "strong"


class PutOutcome(StrEnum):
    """What the conditional write found."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class PutResult:
    """Outcome of :meth:`TradeEventStore.put_new`.

    ``differences`` names the conflicting content attributes; ``stored_event_id`` is set when
    the stored match is the same trade under *another* event id (found by its guard item).
    """

    outcome: PutOutcome
    differences: tuple[str, ...] = ()
    stored_event_id: str | None = None


def number_text(value: Decimal) -> str:
    """A Decimal as DynamoDB number text: exact, no exponent, no trailing fractional zeros.

    Built from the digit tuple, never ``normalize()``, which rounds to 28 digits.

    >>> number_text(Decimal("100.50")), number_text(Decimal("1E+3")), number_text(Decimal("0.1"))
    ('100.5', '1000', '0.1')
    >>> number_text(Decimal("1.0")), number_text(Decimal("0.10")), number_text(Decimal("2.000"))
    ('1', '0.1', '2')
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


def item_for(
    event: TradingEvent,
    indexes: tuple[IndexSpec, ...] = GLOBAL_SECONDARY_INDEXES,
    *,
    ttl: bool = True,
) -> Item:
    """The item stored for ``event`` (low-level attribute values; only present fields).

    It carries the key attributes of ``indexes`` (the table's indexes) and no others. A
    canary (:func:`~trade_processor.table_schema.is_canary`: validation rejects any other event
    with the canary's source) gets no index key attribute (it is in no index) and, when the
    table has TTL (``ttl``: eventual mode), ``expires_at``. Without TTL (strong mode: MRSC does
    not support it) no item gets ``expires_at``, and a heartbeat's item has its region's one
    key (:func:`~trade_processor.table_schema.heartbeat_partition`), overwritten by the next
    heartbeat (:meth:`TradeEventStore.put_new`), so heartbeats keep one item per region.
    """
    item: Item = {
        PARTITION_KEY: {"S": event_partition(event.event_id)},
        SORT_KEY: {"S": EVENT_SORT_KEY_VALUE},
    }
    if is_canary(
        source=event.source,
        detail_type=event.detail_type,
        account_id=event.account_id,
        symbol=event.symbol,
        order_id=event.order_id,
    ):
        if ttl:
            item[EXPIRES_AT] = {"N": str(canary_expires_at_utc(event.occurred_at_utc))}
        elif is_heartbeat(event.source, event.order_id):
            item[PARTITION_KEY] = {"S": heartbeat_partition(event.order_id)}
            item[SORT_KEY] = {"S": HEARTBEAT_SORT_KEY_VALUE}
    else:
        item.update(_index_attributes(event, indexes))
    item.update(
        {
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
    )
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


def _index_attributes(event: TradingEvent, indexes: tuple[IndexSpec, ...]) -> Item:
    """The key attributes of ``indexes`` for ``event``."""
    time_key = time_sort_key(event.occurred_at_utc, event.event_id)
    partitions = {
        INDEX_BY_SYMBOL_TIME: symbol_partition(event.symbol, event.detail_type),
        INDEX_BY_ACCOUNT_TIME: account_partition(event.account_id),
        INDEX_BY_ORDER_TIME: order_partition(event.order_id),
    }
    item: Item = {}
    for index in indexes:
        item[index.hash_key] = {"S": partitions[index]}
        item[index.range_key] = {"S": time_key}
    return item


def trade_guard_for(item: Item) -> Item | None:
    """The guard item of a trade: its execution's key (order and trade id) and its content.

    Written with the event item (one transaction, or just before it in strong mode), it makes
    a second event id for the same execution fail its condition and come back to be compared.
    It has no index attributes, so it is in no index (readers of the indexes never see it).
    ``None`` for events without a ``trade_id``.
    """
    trade_id, order_id = item.get("trade_id"), item.get("order_id")
    if trade_id is None or order_id is None:
        return None
    guard: Item = {name: item[name] for name in CONTENT_ATTRIBUTES if name in item}
    guard[PARTITION_KEY] = {"S": trade_partition(order_id["S"], trade_id["S"])}
    guard[SORT_KEY] = {"S": TRADE_SORT_KEY_VALUE}
    guard["schema_version"] = {"N": str(ITEM_SCHEMA_VERSION)}
    if EXPIRES_AT in item:  # an expiring item's guard expires with it
        guard[EXPIRES_AT] = item[EXPIRES_AT]
    return guard


def differing_attributes(
    new: Item, stored: Item, *, ignore: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """Content attributes whose values differ (numbers compared by value), sorted.

    >>> differing_attributes({"price": {"N": "1.50"}, "gsi1pk": {"S": "a"}},
    ...                      {"price": {"N": "1.5"}, "gsi1pk": {"S": "b"}, "venue": {"S": "X"}})
    ('venue',)
    >>> differing_attributes({"quantity": {"N": "5"}}, {"quantity": {"S": "5"}})
    ('quantity',)
    """
    differences = []
    for name in sorted(set(CONTENT_ATTRIBUTES) - set(ignore)):
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
    indexes
        The table's global secondary indexes: items carry their key attributes only.
    mode
        The table's consistency mode: how a trade's guard is written (module docstring).
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        indexes: tuple[IndexSpec, ...] = GLOBAL_SECONDARY_INDEXES,
        mode: ConsistencyMode = ConsistencyMode.EVENTUAL,
    ) -> None:
        self._client = client
        self._table_name = table_name
        self._indexes = indexes
        self._mode = mode

    @property
    def table_name(self) -> str:
        return self._table_name

    @property
    def region(self) -> str:
        """The region of the table this store writes to (its client's)."""
        return str(self._client.meta.region_name)

    @property
    def indexes(self) -> tuple[IndexSpec, ...]:
        return self._indexes

    @property
    def mode(self) -> ConsistencyMode:
        return self._mode

    def put_new(self, item: Item) -> PutResult:
        """Store ``item`` unless its event (or, for a trade, its execution) is already stored.

        An event is one conditional ``PutItem``. A trade (an item with ``trade_id``) is written
        with its guard item (:func:`trade_guard_for`): in one transaction (eventual mode) or
        guard first, then the item (strong mode), so the same execution under a new event id
        is caught instead of being counted twice. A region's heartbeat item (strong mode,
        :func:`item_for`) is overwritten by a later heartbeat, never by an earlier one.
        """
        if item[SORT_KEY]["S"] == HEARTBEAT_SORT_KEY_VALUE:
            return self._put_latest_heartbeat(item)
        guard = trade_guard_for(item)
        if guard is None:
            return self._put_event(item)
        if self._mode is ConsistencyMode.STRONG:
            return self._put_guard_then_event(item, guard)
        return self._put_transaction(item, guard)

    def _put_latest_heartbeat(self, item: Item) -> PutResult:
        """Overwrite the region's heartbeat item unless it holds this heartbeat or a later one.

        A redelivery of the stored heartbeat, or one that arrives after a later one, is a
        duplicate (not measured again), so the item never goes back in time; another heartbeat
        due at the same time (a new Scheduler execution) replaces it, as it is stored beside it
        in a table with TTL.
        """
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item=item,
                ConditionExpression=(
                    "attribute_not_exists(#pk) OR #at < :at OR (#at = :at AND #id <> :id)"
                ),
                ExpressionAttributeNames={
                    "#pk": PARTITION_KEY,
                    "#at": "occurred_at_utc",
                    "#id": "event_id",
                },
                ExpressionAttributeValues={
                    ":at": item["occurred_at_utc"],
                    ":id": item["event_id"],
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return PutResult(PutOutcome.DUPLICATE)
        return PutResult(PutOutcome.STORED)

    def _put_event(self, item: Item) -> PutResult:
        """One conditional ``PutItem`` of the event item."""
        try:
            self._client.put_item(**self._conditional_put(item))
        except ClientError as error:
            return self._already_stored(error, item, None)
        return PutResult(PutOutcome.STORED)

    def _put_transaction(self, item: Item, guard: Item) -> PutResult:
        """The event item and its guard in one ``TransactWriteItems`` (eventual mode)."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": self._conditional_put(item)},
                    {"Put": self._conditional_put(guard)},
                ]
            )
        except ClientError as error:
            return self._already_stored(error, item, guard)
        return PutResult(PutOutcome.STORED)

    def _put_guard_then_event(self, item: Item, guard: Item) -> PutResult:
        """The guard's conditional put, then the event's (strong mode: no transaction)."""
        try:
            self._client.put_item(**self._conditional_put(guard))
        except ClientError as error:
            claimed = self._guard_taken(error, item, guard)
            if claimed is not None:
                return claimed
        return self._put_event(item)

    def _guard_taken(self, error: ClientError, item: Item, guard: Item) -> PutResult | None:
        """What is stored instead; ``None`` when the guard is this event's own (write the item).

        As in the transaction (whose event condition is read first), an event item stored under
        this event id decides; only without one does the other event's guard.
        """
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise error
        result = self._compare(item, error.response.get("Item"), guard=guard)
        own = result.stored_event_id == item["event_id"]["S"]
        if own and result.outcome is PutOutcome.DUPLICATE:
            return None  # a redelivery after the guard and before the item: finish it
        stored = self._read(item)
        return result if stored is None else self._compare(item, stored)

    def _conditional_put(self, item: Item) -> PutItemInputTypeDef:
        return {
            "TableName": self._table_name,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": PARTITION_KEY},
            # the stored item comes back with the failure: no second read per duplicate
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _already_stored(self, error: ClientError, item: Item, guard: Item | None) -> PutResult:
        """Which write's condition failed, compared with what is stored; re-raise otherwise."""
        code = error.response.get("Error", {}).get("Code")
        if code == "ConditionalCheckFailedException":
            return self._compare(item, error.response.get("Item"))
        if code != "TransactionCanceledException" or guard is None:
            raise error
        reasons = [*error.response.get("CancellationReasons", []), {}, {}]
        if reasons[0].get("Code") == "ConditionalCheckFailed":
            return self._compare(item, reasons[0].get("Item"))
        if reasons[1].get("Code") == "ConditionalCheckFailed":
            return self._compare(item, reasons[1].get("Item"), guard=guard)
        raise error  # a transaction conflict or throttling: Lambda retries

    def _compare(self, item: Item, returned: object, *, guard: Item | None = None) -> PutResult:
        """Compare with the stored event item, or with the stored guard of the same trade."""
        stored: Item = dict(returned) if isinstance(returned, dict) else self._get(guard or item)
        if guard is None:
            differences = differing_attributes(item, stored)
            stored_event_id = None
        else:
            differences = differing_attributes(item, stored, ignore=("event_id",))
            stored_event_id = stored.get("event_id", {}).get("S")
        outcome = PutOutcome.CONFLICT if differences else PutOutcome.DUPLICATE
        return PutResult(outcome, differences, stored_event_id)

    def _read(self, item: Item) -> Item | None:
        """The stored item with ``item``'s key (a consistent read), ``None`` when there is none."""
        key = {PARTITION_KEY: item[PARTITION_KEY], SORT_KEY: item[SORT_KEY]}
        response = self._client.get_item(TableName=self._table_name, Key=key, ConsistentRead=True)
        stored = response.get("Item")
        return None if stored is None else dict(stored)

    def _get(self, item: Item) -> Item:
        stored = self._read(item)
        if stored is None:
            # The condition saw an item that is gone now (deleted by hand?): let Lambda retry.
            key = {PARTITION_KEY: item[PARTITION_KEY], SORT_KEY: item[SORT_KEY]}
            raise RuntimeError(f"item {key} failed attribute_not_exists but cannot be read")
        return stored
