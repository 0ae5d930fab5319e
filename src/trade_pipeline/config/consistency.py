"""The table's consistency mode and the rules AWS sets for multi-Region strong consistency.

A DynamoDB global table is created in one of two modes, fixed for its life: multi-Region
eventual consistency (MREC, the default: asynchronous replication, last writer wins) or
multi-Region strong consistency (MRSC: a write is replicated synchronously before it returns,
and a conditional write evaluates its condition against the latest version in any region).

Sources:

- Modes, "You cannot change a global table's consistency mode after creation":
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
- "Global tables core concepts": an MRSC table has three replicas, or two and a witness (in a
  region other than the replicas'), cannot span region sets, and supports no TTL, no local
  secondary index and no transaction; a write racing one in another region fails with a
  conflict exception and can be retried:
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-CoreConcepts.html
- Three replicas, or two replicas and a witness, in one region set (the sets listed there):
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-globaltable-globaltablewitness.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Final

__all__ = [
    "CONSISTENCY_MODE_ENV",
    "MRSC_REGION_COUNT",
    "MRSC_REGION_SETS",
    "ConsistencyMode",
    "mrsc_problems",
    "region_set_of",
]

CONSISTENCY_MODE_ENV: Final = "TABLE_CONSISTENCY_MODE"
"""The processor's environment variable holding :class:`ConsistencyMode`'s value."""


class ConsistencyMode(StrEnum):
    """The global table's multi-Region consistency mode."""

    EVENTUAL = "eventual"
    STRONG = "strong"

    @property
    def replica_value(self) -> str:
        """The value of ``replica.consistency_mode`` (pulumi-aws ``TableReplicaArgs``:
        ``STRONG`` or ``EVENTUAL``)."""
        return self.value.upper()


MRSC_REGION_COUNT: Final = 3
"""Regions of an MRSC table: three replicas, or two replicas and a witness."""

MRSC_REGION_SETS: Final[Mapping[str, frozenset[str]]] = {
    "US": frozenset({"us-east-1", "us-east-2", "us-west-2"}),
    "EU": frozenset({"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"}),
    "AP": frozenset({"ap-northeast-1", "ap-northeast-2", "ap-northeast-3"}),
}
"""The region sets an MRSC table's regions (witness included) must all come from."""


def region_set_of(region: str) -> str | None:
    """The name of the MRSC region set ``region`` belongs to; None: in none."""
    return next((name for name, members in MRSC_REGION_SETS.items() if region in members), None)


def _set_problem(regions: Sequence[str]) -> str | None:
    sets = {region: region_set_of(region) for region in regions}
    outside = sorted(r for r, name in sets.items() if name is None)
    if outside:
        return f"every region in one MRSC region set; {', '.join(outside)} in none"
    if len(set(sets.values())) > 1:
        found = ", ".join(f"{r} ({name})" for r, name in sets.items())
        return f"every region in one MRSC region set (US, EU or AP); have {found}"
    return None


def mrsc_problems(
    mode: ConsistencyMode, table_regions: Sequence[str], witness: str | None
) -> list[str]:
    """What AWS would refuse about this table, one line each starting with the key it concerns
    (empty: nothing).

    ``table_regions``: the regions with a replica (primary first); ``witness``: the witness
    region, if any.
    """
    if mode is ConsistencyMode.EVENTUAL:
        return ["witnessRegion: a witness serves consistencyMode strong only"] if witness else []
    if witness is not None and witness in table_regions:
        return [f"witnessRegion: {witness} is also a replica region; a witness has no replica"]
    regions = [*table_regions, *([witness] if witness else [])]
    if len(regions) != MRSC_REGION_COUNT or (witness and len(table_regions) != 2):
        return [
            f"consistencyMode: strong needs exactly {MRSC_REGION_COUNT} regions (three "
            f"replicas, or two and witnessRegion); have {len(table_regions)} replica(s)"
            + (f" and the witness {witness}" if witness else "")
        ]
    problem = _set_problem(regions)
    return [f"consistencyMode: strong needs {problem}"] if problem else []
