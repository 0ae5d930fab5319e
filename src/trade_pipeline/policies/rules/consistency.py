"""DynamoDB strong consistency (MRSC): what AWS requires of a table in that mode.

A table is in strong mode when a replica has ``consistencyMode`` STRONG. Sources: the modes and
what MRSC does not support (TTL and local secondary indexes; transaction operations return an
error; an MRSC table cannot span region sets), AWS's
"Global tables core concepts" (formerly "How global tables work"):
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-CoreConcepts.html,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html;
three replicas, or two and a witness, in one region set (the sets listed):
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-globaltable-globaltablewitness.html.
"""

from __future__ import annotations

from collections.abc import Iterator

from trade_pipeline.config.consistency import MRSC_REGION_COUNT, region_set_of
from trade_pipeline.policies.model import ResourceView
from trade_pipeline.policies.registry import resource_rule
from trade_pipeline.policies.values import as_list, get, read
from trade_pipeline.resource_types import TABLE

__all__ = [
    "dynamodb_strong_no_lsi",
    "dynamodb_strong_no_ttl",
    "dynamodb_strong_three_regions_one_set",
]

_MODES_PAGE = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html"
_CORE_PAGE = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-CoreConcepts.html"
_WITNESS_PAGE = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-properties-dynamodb-globaltable-globaltablewitness.html"
)


def _modes(table: ResourceView) -> list[str]:
    return [
        str(get(r, "consistencyMode") or "EVENTUAL") for r in as_list(read(table.props, "replicas"))
    ]


def _strong(table: ResourceView) -> bool:
    return "STRONG" in _modes(table)


def _witness(table: ResourceView) -> str | None:
    region = read(table.props, "globalTableWitness", "regionName")
    return str(region) if region else None


@resource_rule(
    "dynamodb-strong-three-regions-one-set",
    types=[TABLE],
    message="A strong-consistency table: every replica STRONG, exactly three regions (three "
    "replicas, or two and global_table_witness), all in one MRSC region set (US, EU or AP).",
    sources=(_CORE_PAGE, _MODES_PAGE, _WITNESS_PAGE),
)
def dynamodb_strong_three_regions_one_set(table: ResourceView) -> Iterator[str]:
    """Strong mode has the regions MRSC requires; a witness only in strong mode."""
    witness = _witness(table)
    if not _strong(table):
        if witness:
            yield f"witness {witness} on a table in eventual mode"
        return
    if set(_modes(table)) != {"STRONG"}:
        yield "replicas in different consistency modes"
    replicas = [str(get(r, "regionName")) for r in as_list(read(table.props, "replicas"))]
    regions = [str(table.region), *replicas, *([witness] if witness else [])]
    if len(set(regions)) != MRSC_REGION_COUNT:
        yield f"{len(set(regions))} regions ({', '.join(regions)}); MRSC needs exactly 3"
    sets = {region_set_of(r) for r in regions}
    if len(sets) != 1 or None in sets:
        yield f"regions {', '.join(regions)} are not all in one MRSC region set"


@resource_rule(
    "dynamodb-strong-no-ttl",
    types=[TABLE],
    message="A strong-consistency table has no ttl block: MRSC does not support TTL.",
    sources=(_CORE_PAGE, _MODES_PAGE),
)
def dynamodb_strong_no_ttl(table: ResourceView) -> Iterator[str]:
    """No TTL on a table in strong mode."""
    if _strong(table) and read(table.props, "ttl", "enabled") is True:
        yield f"TTL on {read(table.props, 'ttl', 'attributeName')} in strong mode"


@resource_rule(
    "dynamodb-strong-no-lsi",
    types=[TABLE],
    message="A strong-consistency table has no local secondary index: MRSC does not support "
    "them (use tableIndexes, which are global secondary indexes).",
    sources=(_CORE_PAGE, _MODES_PAGE),
)
def dynamodb_strong_no_lsi(table: ResourceView) -> Iterator[str]:
    """No local secondary index on a table in strong mode."""
    if _strong(table):
        for index in as_list(read(table.props, "localSecondaryIndexes")):
            yield f"local secondary index {get(index, 'name')} in strong mode"
