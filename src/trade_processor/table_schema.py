"""The trade table's key schema: the one place both the processor and the infrastructure read.

The processor writes items with these attribute names; the infrastructure program declares the
table and its global secondary indexes from the same constants, so the two cannot drift.
This module is imported inside Lambda: keep it free of heavy imports.

Key design (all key attributes are strings)
-------------------------------------------
One item per trading event. Every key value is a pure function of the event, so the same event
processed in two regions produces the same item, and a redelivery hits the same key.

- table: ``pk = EVENT#<event_id>``, ``sk = EVENT``
- ``by-order-time``: ``gsi3pk = ORDER#<order_id>``, ``gsi3sk = <occurred_at UTC>#<event_id>``
- ``by-symbol-time``: ``gsi1pk = SYMBOL#<symbol>#<detail-type>``,
  ``gsi1sk = <occurred_at UTC>#<event_id>``
- ``by-account-time``: ``gsi2pk = ACCOUNT#<account_id>``,
  ``gsi2sk = <occurred_at UTC>#<event_id>``

- The table key holds the event id alone, so the conditional put (``attribute_not_exists``)
  rejects *any* second write of an event id, even one whose order or symbol differs: that is how
  a duplicate with different content is detected instead of being stored beside the original.
- "All events of an order" is one Query on ``by-order-time`` (``gsi3pk = ORDER#<order_id>``),
  in time order.
- "Trades of a symbol in a time range" is one Query on ``by-symbol-time`` with
  ``gsi1pk = SYMBOL#<symbol>#TradeExecuted`` and ``gsi1sk BETWEEN <from> AND <to>~``; the
  detail-type in the hash key keeps orders out of a trade query without a filter.
- ``<occurred_at UTC>`` is :func:`trade_processor.scalars.to_utc_sort_time`'s fixed-width form
  (``2026-03-02T14:30:00.123456789Z``) so that string order is time order.

Which indexes exist is the stack's choice (``tableIndexes``, none by default: reads by event id
and by execution need none); the processor learns it from ``TABLE_INDEXES`` and writes the key
attributes of those indexes only. Their cost per query is in ``docs/cost.md``.

Canary items
------------
``trade-pipeline verify`` sends events with ``source`` :data:`CANARY_SOURCE`. Their items carry
:data:`EXPIRES_AT` (epoch seconds, :func:`canary_expires_at`: ``occurred_at`` + a day), the
attribute the table's TTL reads, and none of the index key attributes, so no trading index
ever returns a canary and DynamoDB deletes it a day later. No trade item carries
:data:`EXPIRES_AT`: trade records never expire. Like every attribute it is a pure function of
the event, so a canary processed in two regions is still one identical item.

Heartbeat items
---------------
A heartbeat (:func:`is_heartbeat`) is a canary the stack sends itself once a minute per region
(EventBridge Scheduler, ``trade_pipeline.components.heartbeat``): ``order_id`` starts with
:data:`HEARTBEAT_ORDER_PREFIX`. Being a canary, its item expires and is in no index. Its
``detail`` has no ``event_id`` (Scheduler cannot write a UUID): the event id is
:func:`heartbeat_event_id` of the order id, a pure function of the event like every key.

In a table without TTL (strong mode, MRSC: TTL is not supported) the order id, unique per
Scheduler execution, would leave one item a minute per region for good. There a heartbeat's item
has the key ``pk = HEARTBEAT#<region>`` (:func:`heartbeat_partition`), ``sk = HEARTBEAT``, no
``expires_at``, and is overwritten by each later heartbeat of its region: one item per region.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "CANARY_ACCOUNT",
    "CANARY_DETAIL_TYPE",
    "CANARY_ORDER_PREFIX",
    "CANARY_SOURCE",
    "CANARY_SYMBOL",
    "CANARY_TTL_SECONDS",
    "EVENT_SORT_KEY_VALUE",
    "EXPIRES_AT",
    "GLOBAL_SECONDARY_INDEXES",
    "HEARTBEAT_ORDER_PREFIX",
    "HEARTBEAT_SORT_KEY_VALUE",
    "INDEXES_BY_NAME",
    "INDEX_BY_ACCOUNT_TIME",
    "INDEX_BY_ORDER_TIME",
    "INDEX_BY_SYMBOL_TIME",
    "PARTITION_KEY",
    "SORT_KEY",
    "TABLE_INDEXES_ENV",
    "TRADE_SORT_KEY_VALUE",
    "IndexSpec",
    "account_partition",
    "canary_expires_at",
    "canary_expires_at_utc",
    "canary_shape_text",
    "event_partition",
    "heartbeat_event_id",
    "heartbeat_partition",
    "indexes_named",
    "is_canary",
    "is_heartbeat",
    "order_partition",
    "symbol_partition",
    "time_sort_key",
    "trade_partition",
]

PARTITION_KEY = "pk"
SORT_KEY = "sk"

EVENT_SORT_KEY_VALUE = "EVENT"
"""The sort key of an event item: constant, so that the event id alone identifies the item."""

TRADE_SORT_KEY_VALUE = "TRADE"
"""The sort key of a trade guard item (see :func:`trade_partition`)."""


@dataclass(frozen=True)
class IndexSpec:
    """A global secondary index: its name and its string-typed hash and range attributes."""

    name: str
    hash_key: str
    range_key: str


INDEX_BY_SYMBOL_TIME = IndexSpec(name="by-symbol-time", hash_key="gsi1pk", range_key="gsi1sk")
INDEX_BY_ACCOUNT_TIME = IndexSpec(name="by-account-time", hash_key="gsi2pk", range_key="gsi2sk")
INDEX_BY_ORDER_TIME = IndexSpec(name="by-order-time", hash_key="gsi3pk", range_key="gsi3sk")

GLOBAL_SECONDARY_INDEXES: tuple[IndexSpec, ...] = (
    INDEX_BY_SYMBOL_TIME,
    INDEX_BY_ACCOUNT_TIME,
    INDEX_BY_ORDER_TIME,
)
"""Every index the key design knows. A stack declares the ones it needs (``tableIndexes``)."""

INDEXES_BY_NAME: dict[str, IndexSpec] = {index.name: index for index in GLOBAL_SECONDARY_INDEXES}

TABLE_INDEXES_ENV = "TABLE_INDEXES"
"""The processor's environment variable naming the table's indexes (comma-separated; empty:
none). The item carries the key attributes of those indexes only: an index the table does not
have costs no bytes. Unset means every index (items stay correct, only larger)."""


def indexes_named(text: str) -> tuple[IndexSpec, ...]:
    """The indexes of a :data:`TABLE_INDEXES_ENV` value, in the key design's order.

    >>> [i.name for i in indexes_named("by-order-time, by-symbol-time")]
    ['by-symbol-time', 'by-order-time']
    >>> indexes_named("")
    ()
    """
    names = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(names - set(INDEXES_BY_NAME))
    if unknown:
        raise ValueError(f"unknown index {', '.join(unknown)}; known: {', '.join(INDEXES_BY_NAME)}")
    return tuple(index for index in GLOBAL_SECONDARY_INDEXES if index.name in names)


CANARY_SOURCE = "trading.canary"
"""The ``source`` of ``trade-pipeline verify``'s probes (matches the rule's ``trading.`` prefix)."""
CANARY_DETAIL_TYPE = "OrderPlaced"
"""A canary is an order placement: it never carries a ``trade_id``, so it has no trade guard."""
CANARY_ACCOUNT = "CANARY"
"""The ``account_id`` of every canary."""
CANARY_SYMBOL = "CANARY"
"""The ``symbol`` of every canary."""
CANARY_ORDER_PREFIX = "CANARY-"
"""Every canary's ``order_id`` starts with this (the rest names the region and the run)."""
CANARY_TTL_SECONDS = 24 * 3600
"""A day: long enough to inspect a failed run, short enough to cost nothing."""
EXPIRES_AT = "expires_at"
"""The table's TTL attribute (epoch seconds, a number): only canary items carry it."""


HEARTBEAT_ORDER_PREFIX = "CANARY-HEARTBEAT-"
"""The order id of a heartbeat starts with this, then ``<region>-<unique part>``."""
HEARTBEAT_SORT_KEY_VALUE = "HEARTBEAT"
"""The sort key of a region's one heartbeat item in a table without TTL (strong mode)."""
_HEARTBEAT_REGION = re.compile(r"([a-z]{2}(?:-[a-z]+)+-[0-9]+)-")
_HEARTBEAT_NAMESPACE = uuid.UUID("6b1f3c0e-9d2a-5e47-8c1b-2f4a6d8e0b13")
"""Fixed namespace of :func:`heartbeat_event_id` (any constant UUID; never change it)."""


def is_heartbeat(source: object, order_id: object) -> bool:
    """Whether an event (or item) with this ``source`` and ``order_id`` is a heartbeat.

    >>> is_heartbeat("trading.canary", "CANARY-HEARTBEAT-eu-west-1-d32c5kddcf5bb8c3")
    True
    >>> is_heartbeat("trading.canary", "CANARY-eu-west-1-1a2b")
    False
    >>> is_heartbeat("trading.oms", "CANARY-HEARTBEAT-eu-west-1-d32c5kddcf5bb8c3")
    False
    """
    return (
        source == CANARY_SOURCE
        and isinstance(order_id, str)
        and order_id.startswith(HEARTBEAT_ORDER_PREFIX)
    )


def heartbeat_event_id(order_id: str) -> str:
    """The event id of a heartbeat: a name-based UUID (RFC 9562 version 5) of its order id.

    >>> a, b = "CANARY-HEARTBEAT-eu-west-1-a", "CANARY-HEARTBEAT-eu-west-1-b"
    >>> heartbeat_event_id(a) == heartbeat_event_id(a) != heartbeat_event_id(b)
    True
    """
    return str(uuid.uuid5(_HEARTBEAT_NAMESPACE, order_id))


def is_canary(
    *, source: str, detail_type: str, account_id: str, symbol: str, order_id: str
) -> bool:
    """Whether an event has the canary's shape: the one test of "this is a canary".

    Source :data:`CANARY_SOURCE`, detail-type :data:`CANARY_DETAIL_TYPE`, account and symbol
    :data:`CANARY_ACCOUNT` / :data:`CANARY_SYMBOL`, an order id starting
    :data:`CANARY_ORDER_PREFIX`. Only such events get a TTL; any other event with the canary's
    source is rejected (the source is reserved), so a producer's trade never expires.

    >>> is_canary(source="trading.canary", detail_type="OrderPlaced", account_id="CANARY",
    ...           symbol="CANARY", order_id="CANARY-eu-west-1-0123456789ab")
    True
    >>> is_canary(source="trading.canary", detail_type="OrderPlaced", account_id="ACC-1",
    ...           symbol="CANARY", order_id="CANARY-eu-west-1-0123456789ab")
    False
    """
    return (
        source == CANARY_SOURCE
        and detail_type == CANARY_DETAIL_TYPE
        and account_id == CANARY_ACCOUNT
        and symbol == CANARY_SYMBOL
        and order_id.startswith(CANARY_ORDER_PREFIX)
    )


def canary_shape_text() -> str:
    """The canary's shape in words, for the rejection of an event that only claims its source."""
    return (
        f"is reserved for canaries (detail-type {CANARY_DETAIL_TYPE}, account_id "
        f"{CANARY_ACCOUNT}, symbol {CANARY_SYMBOL}, order_id starting {CANARY_ORDER_PREFIX})"
    )


def canary_expires_at(occurred_at: datetime) -> int:
    """The canary item's TTL value: ``occurred_at`` plus :data:`CANARY_TTL_SECONDS`, epoch s.

    >>> canary_expires_at(datetime(2026, 3, 2, 13, 30, 0, 999999, tzinfo=UTC))
    1772544600
    """
    return int(occurred_at.timestamp()) + CANARY_TTL_SECONDS


def canary_expires_at_utc(occurred_at_utc: str) -> int:
    """:func:`canary_expires_at` of a fixed-width UTC time (``2026-03-02T13:30:00.5Z``).

    Only the whole seconds count, as in :func:`canary_expires_at` (fractions are truncated).

    >>> canary_expires_at_utc("2026-03-02T13:30:00.000000001Z")
    1772544600
    >>> canary_expires_at_utc("0999-03-02T13:30:00.000000000Z")
    -30636441000
    """
    # field by field: strptime's %Y does not read every four-digit year on every platform
    date, time = occurred_at_utc[:10], occurred_at_utc[11:19]
    year, month, day = (int(part) for part in date.split("-"))
    hour, minute, second = (int(part) for part in time.split(":"))
    return canary_expires_at(datetime(year, month, day, hour, minute, second, tzinfo=UTC))


def event_partition(event_id: str) -> str:
    """Table hash key of an event (``event_id`` already in canonical lower-case UUID form)."""
    return f"EVENT#{event_id}"


def heartbeat_partition(order_id: str) -> str:
    """Table hash key of a heartbeat in a table without TTL (strong mode): one per region.

    The region is the one the order id names (``CANARY-HEARTBEAT-<region>-<execution id>``), so
    the key is a pure function of the event; an order id that names no region shares one key.

    >>> heartbeat_partition("CANARY-HEARTBEAT-eu-west-1-d32c5kddcf5bb8c3")
    'HEARTBEAT#eu-west-1'
    >>> heartbeat_partition("CANARY-HEARTBEAT-nowhere")
    'HEARTBEAT#unknown'
    """
    named = _HEARTBEAT_REGION.match(order_id, len(HEARTBEAT_ORDER_PREFIX))
    return f"HEARTBEAT#{named.group(1) if named else 'unknown'}"


def trade_partition(order_id: str, trade_id: str) -> str:
    """Table hash key of a trade guard: one per execution of an order, whatever its event id.

    Ids never contain a space, so the key is unambiguous.

    >>> trade_partition("ORD-1", "T-9")
    'TRADE#ORD-1 T-9'
    """
    return f"TRADE#{order_id} {trade_id}"


def order_partition(order_id: str) -> str:
    """``by-order-time`` hash key: every event of one order."""
    return f"ORDER#{order_id}"


def symbol_partition(symbol: str, detail_type: str) -> str:
    """``by-symbol-time`` hash key: events of one type for one symbol (trades: TradeExecuted)."""
    return f"SYMBOL#{symbol}#{detail_type}"


def account_partition(account_id: str) -> str:
    """``by-account-time`` hash key: every event of one account."""
    return f"ACCOUNT#{account_id}"


def time_sort_key(utc_time: str, event_id: str) -> str:
    """Range key of the time-ordered indexes: sortable UTC time, then the event id (unique)."""
    return f"{utc_time}#{event_id}"
