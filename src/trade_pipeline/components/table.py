"""The trade table: one DynamoDB global table (version 2019.11.21), a replica in every region.

Built as ``aws.dynamodb.Table`` with ``replicas=[...]`` in the primary region. The legacy
``aws.dynamodb.GlobalTable`` (2017.11.29) is not used: AWS no longer accepts it for new tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from trade_pipeline.components.context import RegionalContext
from trade_pipeline.config.consistency import ConsistencyMode
from trade_pipeline.config.items import TableIndex
from trade_pipeline.config.model import PipelineConfig
from trade_processor.table_schema import (
    EXPIRES_AT,
    INDEXES_BY_NAME,
    PARTITION_KEY,
    SORT_KEY,
)

__all__ = ["ReplicaCoverageError", "TradeTable", "TradeTableArgs", "check_replica_coverage"]


class ReplicaCoverageError(ValueError):
    """The replicas do not match the configured secondary regions exactly."""


def check_replica_coverage(
    replica_regions: Sequence[str], primary_region: str, secondary_regions: Sequence[str]
) -> None:
    """Refuse a table whose replicas are not exactly the secondary regions, once each.

    Called on the replica list before the table is registered, and again on the replicas the
    engine reports back, so neither a code change nor a drifted state goes unnoticed.
    """
    problems = []
    missing = sorted(set(secondary_regions) - set(replica_regions))
    extra = sorted(set(replica_regions) - set(secondary_regions))
    twice = sorted({r for r in replica_regions if list(replica_regions).count(r) > 1})
    if missing:
        problems.append(f"no replica in {', '.join(missing)}")
    if extra:
        problems.append(f"replica in unconfigured region(s) {', '.join(extra)}")
    if primary_region in replica_regions:
        problems.append(f"replica in the primary region {primary_region}")
    if twice:
        problems.append(f"more than one replica in {', '.join(twice)}")
    if problems:
        raise ReplicaCoverageError(
            "trade table replicas must cover exactly the secondary regions "
            f"({', '.join(secondary_regions) or 'none'}): " + "; ".join(problems)
        )


@dataclass(frozen=True)
class TradeTableArgs:
    context: RegionalContext  # of the primary region, where the table resource lives
    # Customer-managed mode: region -> key ARN, one per configured region. Empty otherwise.
    key_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


class TradeTable(pulumi.ComponentResource):
    """The global table and the ARN of each region's replica."""

    table: aws.dynamodb.Table
    name: pulumi.Output[str]
    #: region -> ARN of that region's copy (the primary's is the table's own ARN).
    replica_arns: dict[str, pulumi.Output[str]]
    #: region -> ARN of the stream of that region's copy. Each replica has its own stream; the
    #: engine reports it as ``replicas[].stream_arn`` (the primary's is ``stream_arn``).
    stream_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: TradeTableArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:TradeTable", name, None, opts)
        cfg = args.context.config
        if args.key_arns and set(args.key_arns) != set(cfg.regions):
            raise ValueError(
                "customer-managed encryption needs a key in every region: have "
                f"{sorted(args.key_arns)}, need {sorted(cfg.regions)}"
            )
        self._config = cfg
        self.table = self._create_table(name, args)
        self.name = self.table.name
        self.replica_arns = {cfg.primary_region: self.table.arn}
        self.replica_arns.update({r: self._replica_arn(r) for r in cfg.secondary_regions})
        self.stream_arns = {cfg.primary_region: self.table.stream_arn}
        self.stream_arns.update({r: self._replica_stream_arn(r) for r in cfg.secondary_regions})
        self.register_outputs(
            {"name": self.name, "arn": self.table.arn, "replica_arns": self.replica_arns}
        )

    def _create_table(self, name: str, args: TradeTableArgs) -> aws.dynamodb.Table:
        """The table in the primary region, with its replicas; coverage checked first."""
        ctx, cfg = args.context, args.context.config
        replicas = _replicas(cfg, args.key_arns)
        check_replica_coverage(
            [str(r.region_name) for r in replicas], cfg.primary_region, cfg.secondary_regions
        )
        return aws.dynamodb.Table(
            f"{name}-table",
            name=ctx.naming.table,
            billing_mode="PAY_PER_REQUEST",
            hash_key=PARTITION_KEY,
            range_key=SORT_KEY,
            # only the indexes the stack chose (tableIndexes): each is a write per item and region
            attributes=_attributes(cfg.table_indexes),
            global_secondary_indexes=_global_secondary_indexes(cfg.table_indexes),
            # Global tables replicate through streams; NEW_AND_OLD_IMAGES is what AWS requires.
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                # enabled=True without a key ARN means the AWS-managed key alias/aws/dynamodb.
                enabled=True,
                kms_key_arn=args.key_arns.get(cfg.primary_region),
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            # Only canary items carry expires_at (trade_processor.table_schema): DynamoDB deletes
            # them a day after they occurred. A global table's TTL setting is one for all
            # replicas (set here, replicated by DynamoDB); replica args have no TTL of their own.
            # Strong mode (MRSC) has no TTL: no ttl block at all (_ttl).
            ttl=_ttl(cfg),
            deletion_protection_enabled=cfg.table_deletion_protection,
            replicas=replicas,
            global_table_witness=_witness(cfg),
            # the data itself: protected whenever deletion protection is on
            opts=ctx.data_options(self),
        )

    def _replica_arn(self, region: str) -> pulumi.Output[str]:
        """The ARN the engine reports for ``region``'s replica, after re-checking coverage."""
        cfg = self._config

        def pick(reported: Sequence[aws.dynamodb.outputs.TableReplica] | None) -> str:
            reported = reported or []
            check_replica_coverage(
                [r.region_name for r in reported], cfg.primary_region, cfg.secondary_regions
            )
            (match,) = [r for r in reported if r.region_name == region]
            if not match.arn:
                raise ReplicaCoverageError(f"replica in {region} reported no ARN")
            return match.arn

        return self.table.replicas.apply(pick)

    def _replica_stream_arn(self, region: str) -> pulumi.Output[str]:
        """The stream ARN the engine reports for ``region``'s replica; never built by hand
        (a stream ARN ends in a label only DynamoDB knows)."""

        cfg = self._config

        def pick(reported: Sequence[aws.dynamodb.outputs.TableReplica] | None) -> str:
            reported = reported or []
            check_replica_coverage(
                [r.region_name for r in reported], cfg.primary_region, cfg.secondary_regions
            )
            matches = [r for r in reported if r.region_name == region]
            if len(matches) != 1 or not matches[0].stream_arn:
                raise ReplicaCoverageError(f"replica in {region} reported no stream ARN")
            return matches[0].stream_arn

        return self.table.replicas.apply(pick)


def _strong(cfg: PipelineConfig) -> bool:
    return cfg.consistency_mode is ConsistencyMode.STRONG


def _ttl(cfg: PipelineConfig) -> aws.dynamodb.TableTtlArgs | None:
    """Eventual mode: canary items expire by TTL. Strong mode: none; MRSC tables do not
    support TTL (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
    V2globaltables_HowItWorks.html, "Multi-Region strong consistency")."""
    if _strong(cfg):
        return None
    return aws.dynamodb.TableTtlArgs(attribute_name=EXPIRES_AT, enabled=True)


def _witness(cfg: PipelineConfig) -> aws.dynamodb.TableGlobalTableWitnessArgs | None:
    """The MRSC witness of a two-region strong table: pulumi-aws "must be used alongside a
    single replica with consistency_mode set to STRONG" (``Table.global_table_witness``)."""
    if cfg.witness_region is None:
        return None
    return aws.dynamodb.TableGlobalTableWitnessArgs(region_name=cfg.witness_region)


def _replicas(
    cfg: PipelineConfig, key_arns: Mapping[str, pulumi.Input[str]]
) -> list[aws.dynamodb.TableReplicaArgs]:
    # Every replica in one mode (AWS refuses a table mixing them); eventual is the provider's
    # default, left unset so that an eventual stack's plan is what it was.
    mode = cfg.consistency_mode.replica_value if _strong(cfg) else None
    return [
        aws.dynamodb.TableReplicaArgs(
            region_name=region,
            # Each replica on its own region's key: AWS rejects a CMK table otherwise.
            kms_key_arn=key_arns.get(region),
            # Replicas do not inherit PITR or deletion protection from the table.
            point_in_time_recovery=True,
            deletion_protection_enabled=cfg.table_deletion_protection,
            propagate_tags=True,
            consistency_mode=mode,
        )
        for region in cfg.secondary_regions
    ]


def _attributes(chosen: Sequence[TableIndex]) -> list[aws.dynamodb.TableAttributeArgs]:
    """Key attributes of the table and of the chosen indexes (all strings).

    DynamoDB refuses an attribute definition no key uses, so an index left out takes its
    attributes with it.
    """
    names = {PARTITION_KEY, SORT_KEY}
    for choice in chosen:
        index = INDEXES_BY_NAME[choice.name]
        names |= {index.hash_key, index.range_key}
    return [aws.dynamodb.TableAttributeArgs(name=attr, type="S") for attr in sorted(names)]


def _global_secondary_indexes(
    chosen: Sequence[TableIndex],
) -> list[aws.dynamodb.TableGlobalSecondaryIndexArgs]:
    indexes = []
    for choice in chosen:
        index = INDEXES_BY_NAME[choice.name]
        indexes.append(
            aws.dynamodb.TableGlobalSecondaryIndexArgs(
                name=index.name,
                key_schemas=[
                    aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                        attribute_name=index.hash_key, key_type="HASH"
                    ),
                    aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                        attribute_name=index.range_key, key_type="RANGE"
                    ),
                ],
                projection_type=choice.projection.value,
                non_key_attributes=list(choice.include) or None,
            )
        )
    return indexes
