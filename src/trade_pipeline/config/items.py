"""The choices and list entries a key can hold: enumerations, one table index, one waiver.

An entry model checks its own fields beside them; the rule of a table index reads its three
fields together (a known name, ``include`` with projection INCLUDE only, attributes an item
carries), so it is the entry's one model validator.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from trade_pipeline.config.types import repeated

__all__ = [
    "CodeSigningPolicy",
    "EncryptionMode",
    "IndexProjection",
    "LambdaArchitecture",
    "PolicyWaiver",
    "TableIndex",
    "TableIndexes",
]


class EncryptionMode(StrEnum):
    """How the trade table is encrypted at rest."""

    AWS_MANAGED = "aws-managed"
    CUSTOMER_MANAGED = "customer-managed"


class CodeSigningPolicy(StrEnum):
    """What Lambda does with code that fails a signature check (``UntrustedArtifactOnDeployment``,
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html): ``Warn``
    deploys it and records a CloudWatch metric and a CloudTrail entry; ``Enforce`` blocks it."""

    WARN = "Warn"
    ENFORCE = "Enforce"


class LambdaArchitecture(StrEnum):
    ARM64 = "arm64"
    X86_64 = "x86_64"


class IndexProjection(StrEnum):
    """What a global secondary index copies from the item (each entry is a billed write)."""

    KEYS_ONLY = "KEYS_ONLY"
    INCLUDE = "INCLUDE"
    ALL = "ALL"


class TableIndex(BaseModel):
    """One query index of the trade table, chosen by a stack (``tableIndexes``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="One of by-order-time, by-symbol-time, by-account-time.")
    projection: IndexProjection = Field(
        default=IndexProjection.KEYS_ONLY,
        description="KEYS_ONLY (table and index keys), INCLUDE (plus `include`) or ALL.",
    )
    include: tuple[str, ...] = Field(
        default=(), description="Attributes an INCLUDE index copies (empty otherwise)."
    )

    @model_validator(mode="after")
    def _known(self) -> TableIndex:
        """A known index; ``include`` only with INCLUDE, naming attributes an item can carry."""
        from trade_processor.storage import CONTENT_ATTRIBUTES
        from trade_processor.table_schema import INDEXES_BY_NAME

        if self.name not in INDEXES_BY_NAME:
            raise ValueError(f"name {self.name!r}: must be one of {', '.join(INDEXES_BY_NAME)}")
        if (self.projection is IndexProjection.INCLUDE) != bool(self.include):
            raise ValueError("include: a non-empty list with projection INCLUDE, and only then")
        known = (*CONTENT_ATTRIBUTES, "occurred_at_utc", "schema_version")
        unknown = sorted(set(self.include) - set(known))
        if unknown:
            raise ValueError(f"include: {', '.join(unknown)}: not an item attribute")
        return self


def _each_index_once(value: tuple[TableIndex, ...]) -> tuple[TableIndex, ...]:
    twice = repeated(index.name for index in value)
    if twice:
        raise ValueError(f"index {', '.join(twice)} listed more than once")
    return value


TableIndexes = Annotated[tuple[TableIndex, ...], AfterValidator(_each_index_once)]


class PolicyWaiver(BaseModel):
    """A reviewed exception to an advisory compliance rule, shown in the preview's table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = Field(min_length=1, description="Name of the advisory rule waived.")
    resources: tuple[str, ...] = Field(
        default=("*",), description="Logical names (URN suffixes) concerned, or * for all."
    )
    reason: str = Field(min_length=10, description="Why, for the reviewer.")
