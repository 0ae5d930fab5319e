"""Wires the components into the whole multi-region stack and exports what operators need."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from trade_pipeline.components import (
    RegionalKey,
    RegionalKeyArgs,
    RegionalMonitoring,
    RegionalMonitoringArgs,
    RegionalPipeline,
    RegionalPipelineArgs,
    TradeTable,
    TradeTableArgs,
)
from trade_pipeline.components.pipeline import LambdaArtifactLike
from trade_pipeline.config import CONFIG_NAMESPACE, EncryptionMode, PipelineConfig
from trade_pipeline.iam import table_key_policy
from trade_pipeline.naming import Naming
from trade_pipeline.providers import AWSProviderManager

__all__ = ["PipelineStack", "build_stack", "config_from_pulumi", "run_program"]


def config_from_pulumi(environ: Mapping[str, str] | None = None) -> PipelineConfig:
    """Read ``trade-pipeline:*`` keys from the running Pulumi program, then the environment."""
    # The CLI's language host hands config over in the PULUMI_CONFIG environment variable;
    # the automation API and the mock engine set it in-process. Read both.
    all_config: dict[str, Any] = {
        **pulumi.runtime.config.get_config_env(),
        **pulumi.runtime.config.CONFIG.get(),
    }
    prefix = f"{CONFIG_NAMESPACE}:"
    stack_config = {
        key.removeprefix(prefix): _decode(value)
        for key, value in all_config.items()
        if key.startswith(prefix)
    }
    return PipelineConfig.from_sources(stack_config, os.environ if environ is None else environ)


def _decode(value: Any) -> Any:
    # The engine hands every value over as a string; lists and maps arrive as JSON.
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


@dataclass
class PipelineStack:
    config: PipelineConfig
    providers: AWSProviderManager
    table: TradeTable
    pipelines: dict[str, RegionalPipeline]
    monitoring: dict[str, RegionalMonitoring]


def build_stack(
    config: PipelineConfig, artifact: LambdaArtifactLike | None = None
) -> PipelineStack:
    """Register every resource of the stack. ``config`` is already validated."""
    if artifact is None:
        from trade_pipeline.packaging import build_lambda_artifact

        artifact = build_lambda_artifact(
            runtime=config.lambda_runtime, architecture=config.lambda_architecture.value
        )

    names = Naming(config.name_prefix, config.environment_suffix)
    providers = AWSProviderManager(config)
    primary = config.primary_region
    identity = aws.get_caller_identity_output(opts=providers.invoke_opts(primary))
    partition = aws.get_partition_output(opts=providers.invoke_opts(primary)).partition
    account_id = identity.account_id

    key_arns: dict[str, pulumi.Input[str]] = {}
    if config.encryption is EncryptionMode.CUSTOMER_MANAGED:
        for region in config.regions:
            key = RegionalKey(
                f"table-{region}",
                RegionalKeyArgs(
                    provider=providers.get(region),
                    alias=names.kms_alias("table"),
                    description=f"Trade table encryption ({region})",
                    policy=pulumi.Output.all(partition, account_id).apply(
                        lambda a: table_key_policy(a[0], a[1])
                    ),
                ),
            )
            key_arns[region] = key.arn

    table = TradeTable("trade", TradeTableArgs(config, names, providers, key_arns))

    pipelines: dict[str, RegionalPipeline] = {}
    monitoring: dict[str, RegionalMonitoring] = {}
    for region in config.regions:
        provider = providers.get(region)
        pipelines[region] = RegionalPipeline(
            f"pipeline-{region}",
            RegionalPipelineArgs(
                config=config,
                naming=names,
                region=region,
                provider=provider,
                account_id=account_id,
                table_name=table.name,
                replica_arn=table.replica_arns[region],
                artifact=artifact,
                table_key_arn=key_arns.get(region),
            ),
            # The function writes to its replica: the table (and its replicas) come first.
            opts=pulumi.ResourceOptions(depends_on=[table]),
        )
        monitoring[region] = RegionalMonitoring(
            f"monitoring-{region}",
            RegionalMonitoringArgs(
                config=config,
                naming=names,
                region=region,
                provider=provider,
                account_id=account_id,
                partition=partition,
                depends_on=[pipelines[region]],
            ),
        )

    pulumi.export("tableName", table.name)
    pulumi.export("regions", list(config.regions))
    pulumi.export("replicaArns", table.replica_arns)
    pulumi.export(
        "regional",
        {
            region: {
                "eventBusArn": pipelines[region].bus.arn,
                "ruleArn": pipelines[region].rule.arn,
                "functionArn": pipelines[region].function.arn,
                "queueUrls": {k.value: q.url for k, q in pipelines[region].queues.items()},
                "alarmTopicArn": monitoring[region].topic.arn,
            }
            for region in config.regions
        },
    )
    pulumi.export("lambdaArtifactSha256", artifact.source_code_hash)
    return PipelineStack(config, providers, table, pipelines, monitoring)


def run_program() -> None:
    """The Pulumi entry point: validate config first, then register resources.

    A config error is a user error: it is reported as one line per rejected value through
    ``pulumi.RunError``, which the CLI prints without a traceback.
    """
    from trade_pipeline.config import ConfigError

    try:
        config = config_from_pulumi()
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None
    build_stack(config)
