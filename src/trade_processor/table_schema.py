"""The trade table's key schema: the one place both the processor and the infrastructure read.

The processor writes items with these attribute names; the infrastructure program declares the
table and its global secondary indexes from the same constants, so the two cannot drift.
This module is imported inside Lambda: keep it free of heavy imports.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GLOBAL_SECONDARY_INDEXES", "PARTITION_KEY", "SORT_KEY", "IndexSpec"]

PARTITION_KEY = "pk"
SORT_KEY = "sk"


@dataclass(frozen=True)
class IndexSpec:
    """A global secondary index: its name and its string-typed hash and range attributes."""

    name: str
    hash_key: str
    range_key: str


GLOBAL_SECONDARY_INDEXES: tuple[IndexSpec, ...] = (
    IndexSpec(name="by-symbol-time", hash_key="gsi1pk", range_key="gsi1sk"),
    IndexSpec(name="by-account-time", hash_key="gsi2pk", range_key="gsi2sk"),
)
