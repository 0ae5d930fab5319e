"""Build and publish trading events that the pipeline's processor accepts.

Importable on its own: it needs boto3 and the processor's validation (``trade_processor``,
standard library only), never Pulumi. A producer service can depend on this package without the
infrastructure program.

Example
-------
>>> from decimal import Decimal
>>> event = trade_executed(order_id="O-1", account_id="A-1", symbol="BRK.B", side="SELL",
...                        quantity=Decimal("5"), price=Decimal("412.10"), currency="USD",
...                        trade_id="T-1")
>>> event.detail_type
'TradeExecuted'

Sending through a global endpoint (``Publisher(..., endpoint_id=...)``) is signed with SigV4a,
which botocore does only with its CRT extra: ``pip install 'botocore[crt]'``.
"""

from __future__ import annotations

from trade_producer.canary import CANARY_SOURCE, CANARY_TTL_SECONDS, canary_expires_at
from trade_producer.events import (
    InvalidEventError,
    Side,
    TradingEventEntry,
    event_from_json,
    order_cancelled,
    order_placed,
    trade_executed,
)
from trade_producer.publisher import (
    MAX_ENTRIES_PER_REQUEST,
    MAX_REQUEST_BYTES,
    FailedEntry,
    Publisher,
    PublishResult,
    RetryPolicy,
    SigV4aUnavailableError,
    batches,
    entry_size,
    sigv4a_available,
)

__all__ = [
    "CANARY_SOURCE",
    "CANARY_TTL_SECONDS",
    "MAX_ENTRIES_PER_REQUEST",
    "MAX_REQUEST_BYTES",
    "FailedEntry",
    "InvalidEventError",
    "PublishResult",
    "Publisher",
    "RetryPolicy",
    "Side",
    "SigV4aUnavailableError",
    "TradingEventEntry",
    "batches",
    "canary_expires_at",
    "entry_size",
    "event_from_json",
    "order_cancelled",
    "order_placed",
    "sigv4a_available",
    "trade_executed",
]
