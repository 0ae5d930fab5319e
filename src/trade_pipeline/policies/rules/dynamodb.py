"""DynamoDB: encryption, point-in-time recovery, streams, regional keys, replica coverage."""

from __future__ import annotations

from collections.abc import Iterator

from trade_pipeline.components.table import ReplicaCoverageError, check_replica_coverage
from trade_pipeline.policies.model import Finding, ResourceView, StackView, run_per_resource
from trade_pipeline.policies.registry import resource_rule, stack_rule, value_rule
from trade_pipeline.policies.rules.sources import review_failure
from trade_pipeline.policies.values import arn_region, as_list, get, is_set, known, read
from trade_pipeline.resource_types import LEGACY_GLOBAL_TABLE, TABLE

__all__ = [
    "dynamodb_no_legacy_global_table",
    "dynamodb_pitr_table_and_replicas",
    "dynamodb_replica_keys_regional",
    "dynamodb_replicas_match_regions",
    "dynamodb_sse_enabled",
    "dynamodb_streams_for_replicas",
]

dynamodb_sse_enabled = value_rule(
    "dynamodb-sse-enabled",
    types=[TABLE],
    path=("serverSideEncryption", "enabled"),
    expected=True,
    description="DynamoDB tables have server-side encryption explicitly enabled.",
    failure="serverSideEncryption is not enabled explicitly",
    message="Set server_side_encryption=TableServerSideEncryptionArgs(enabled=True) (AWS-"
    "managed key) or with each region's customer-managed key.",
    sources=(
        "Pulumi AWSGuard dynamodb-table-encryption-enabled",
        "checkov CKV_AWS_119",
        review_failure(6),
    ),
)


@resource_rule(
    "dynamodb-pitr-table-and-replicas",
    types=[TABLE],
    message="Enable point_in_time_recovery on the table AND point_in_time_recovery=True on "
    "every TableReplicaArgs (replicas do not inherit it).",
    sources=("checkov CKV_AWS_28", "checkov CKV_AWS_165", "cdk-nag AwsSolutions-DDB3"),
)
def dynamodb_pitr_table_and_replicas(table: ResourceView) -> Iterator[str]:
    """Point-in-time recovery is on for the table and for every replica."""
    if read(table.props, "pointInTimeRecovery", "enabled") is not True:
        yield "point-in-time recovery is off on the table"
    for replica in as_list(read(table.props, "replicas")):
        if read(replica, "pointInTimeRecovery") is not True:
            yield f"point-in-time recovery is off on the replica in {get(replica, 'regionName')}"


@resource_rule(
    "dynamodb-streams-for-replicas",
    types=[TABLE],
    message="With replicas, set stream_enabled=True and stream_view_type='NEW_AND_OLD_IMAGES'.",
    sources=("AWS global tables 2019.11.21 requirement",),
)
def dynamodb_streams_for_replicas(table: ResourceView) -> Iterator[str]:
    """A table with replicas streams NEW_AND_OLD_IMAGES (global tables replicate through it)."""
    if not as_list(read(table.props, "replicas")):
        return
    if read(table.props, "streamEnabled") is not True:
        yield "streams are off on a table with replicas"
    view = read(table.props, "streamViewType")
    if view != "NEW_AND_OLD_IMAGES":
        yield f"streamViewType is {view!r}, not 'NEW_AND_OLD_IMAGES'"


def _aws_managed_key_problems(replicas: list[object]) -> Iterator[str]:
    for replica in replicas:
        if is_set(get(replica, "kmsKeyArn")):
            yield (
                f"replica in {get(replica, 'regionName')} has a customer-managed key but the "
                "table uses the AWS-managed key (keys cannot be mixed)"
            )


@resource_rule(
    "dynamodb-replica-keys-regional",
    types=[TABLE],
    message="With customer-managed encryption, give every replica kms_key_arn = the key of "
    "the replica's own region (and the table the key of its region).",
    sources=("AWS global tables CMK requirement",),
)
def dynamodb_replica_keys_regional(table: ResourceView) -> Iterator[str]:
    """With customer-managed keys, the table and each replica use a key of their own region."""
    table_key = read(table.props, "serverSideEncryption", "kmsKeyArn")
    replicas = as_list(read(table.props, "replicas"))
    if not table_key:
        yield from _aws_managed_key_problems(replicas)
        return
    if table.region and arn_region(table_key) not in (None, table.region):
        yield f"table key {table_key} is not in the table's region {table.region}"
    for replica in replicas:
        region = get(replica, "regionName")
        key = known(get(replica, "kmsKeyArn"), f"key of the replica in {region}")
        if not key:
            yield f"replica in {region} has no kms_key_arn (AWS rejects a CMK table like this)"
        elif arn_region(key) != region:
            yield f"replica in {region} uses key {key} of {arn_region(key)}"


@resource_rule(
    "dynamodb-no-legacy-global-table",
    types=[LEGACY_GLOBAL_TABLE],
    message="Use aws.dynamodb.Table(replicas=[...]) (global tables 2019.11.21); "
    "aws.dynamodb.GlobalTable is the legacy 2017.11.29 API AWS rejects for new tables.",
    sources=("AWS global tables version 2019.11.21",),
)
def dynamodb_no_legacy_global_table(resource: ResourceView) -> Iterator[str]:
    """The legacy aws.dynamodb.GlobalTable (2017.11.29) is not used."""
    yield "legacy GlobalTable resource"


@stack_rule(
    "dynamodb-replicas-match-regions",
    types=[TABLE],
    message="Create the table in the primary region with one replica per configured secondary "
    "region, each exactly once (TradeTable does this).",
    sources=(review_failure(9),),
)
def dynamodb_replicas_match_regions(stack: StackView) -> Iterator[Finding]:
    """The table lives in the primary region with a replica in exactly each secondary region."""
    tables = stack.of_type(TABLE)
    if not tables:
        yield Finding("the stack has no DynamoDB table")
        return

    def check(table: ResourceView) -> Iterator[str]:
        regions = [str(get(r, "regionName")) for r in as_list(read(table.props, "replicas"))]
        primary = stack.primary_region or table.region
        if stack.primary_region and table.region != stack.primary_region:
            yield f"table in {table.region}, not the primary region {stack.primary_region}"
        if not stack.regions or primary is None:
            return
        expected = [r for r in stack.regions if r != primary]
        try:
            check_replica_coverage(regions, primary, expected)
        except ReplicaCoverageError as exc:  # the component's own check, worded for the table
            yield f"replicas {regions}: {exc}"

    yield from run_per_resource(tables, check)
