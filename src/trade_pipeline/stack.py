"""Wires the components into the whole multi-region stack and exports what operators need."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from trade_pipeline.components import (
    RegionalCodeSigning,
    RegionalContext,
    RegionalKey,
    RegionalKeyArgs,
    RegionalMonitoring,
    RegionalMonitoringArgs,
    RegionalPipeline,
    RegionalPipelineArgs,
    TableBackup,
    TableBackupArgs,
    TradeTable,
    TradeTableArgs,
    regional_contexts,
)
from trade_pipeline.components.pipeline import LambdaArtifactLike
from trade_pipeline.config import CONFIG_NAMESPACE, EncryptionMode, PipelineConfig
from trade_pipeline.config.sources import decode_json
from trade_pipeline.iam import table_key_policy
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
        key.removeprefix(prefix): decode_json(value)
        for key, value in all_config.items()
        if key.startswith(prefix)
    }
    return PipelineConfig.from_sources(stack_config, os.environ if environ is None else environ)


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
    providers = AWSProviderManager(config)
    contexts = regional_contexts(config, providers)
    key_arns = _table_keys(contexts)
    table = TradeTable("trade", TradeTableArgs(contexts[config.primary_region], key_arns))
    signing = _optional_features(config, contexts, table, key_arns)
    pipelines: dict[str, RegionalPipeline] = {}
    monitoring: dict[str, RegionalMonitoring] = {}
    for region, context in contexts.items():
        pipelines[region] = RegionalPipeline(
            f"pipeline-{region}",
            RegionalPipelineArgs(
                context=context,
                table_name=table.name,
                replica_arn=table.replica_arns[region],
                artifact=artifact,
                table_key_arn=key_arns.get(region),
                log_key_arn=key_arns.get(region),
                code_signing_config_arn=signing.get(region),
            ),
            # The function writes to its replica: the table (and its replicas) come first.
            opts=pulumi.ResourceOptions(depends_on=[table]),
        )
        monitoring[region] = RegionalMonitoring(
            f"monitoring-{region}",
            RegionalMonitoringArgs(context=context, depends_on=[pipelines[region]]),
        )
    stack = PipelineStack(config, providers, table, pipelines, monitoring)
    _export_outputs(stack, artifact)
    return stack


def _table_keys(contexts: Mapping[str, RegionalContext]) -> dict[str, pulumi.Input[str]]:
    """region -> ARN of the table's key there; empty unless encryption is customer-managed."""
    key_arns: dict[str, pulumi.Input[str]] = {}
    for region, context in contexts.items():
        if context.config.encryption is not EncryptionMode.CUSTOMER_MANAGED:
            continue
        key = RegionalKey(
            f"table-{region}",
            RegionalKeyArgs(
                context=context,
                purpose="table",
                description=f"Trade table encryption ({region})",
                # The region's processor log group is encrypted with this key too.
                policy=functools.partial(
                    table_key_policy, region=region, log_group_name=context.naming.log_group
                ),
            ),
        )
        key_arns[region] = key.arn
    return key_arns


def _optional_features(
    config: PipelineConfig,
    contexts: Mapping[str, RegionalContext],
    table: TradeTable,
    key_arns: Mapping[str, pulumi.Input[str]],
) -> dict[str, pulumi.Output[str]]:
    """Production options, off by default (issue 8): code signing and table backups.

    Returns region -> code signing config ARN (empty when code signing is off).
    """
    signing: dict[str, pulumi.Output[str]] = {}
    if config.code_signing:
        for region, context in contexts.items():
            signing[region] = RegionalCodeSigning(f"code-signing-{region}", context).arn
    if config.backup:
        TableBackup(
            "table-backup",
            TableBackupArgs(contexts=contexts, table_arn=table.table.arn, key_arns=key_arns),
        )
    return signing


def _export_outputs(stack: PipelineStack, artifact: LambdaArtifactLike) -> None:
    """The stack outputs operators and producers read (names are a public interface)."""
    regions = stack.config.regions
    pulumi.export("tableName", stack.table.name)
    pulumi.export("regions", list(regions))
    pulumi.export("replicaArns", stack.table.replica_arns)
    pulumi.export(
        "regional",
        {
            region: {
                "eventBusArn": stack.pipelines[region].bus.arn,
                "ruleArn": stack.pipelines[region].rule.arn,
                "functionArn": stack.pipelines[region].function.arn,
                "queueUrls": {k.value: q.url for k, q in stack.pipelines[region].queues.items()},
                "alarmTopicArn": stack.monitoring[region].topic.arn,
            }
            for region in regions
        },
    )
    pulumi.export("lambdaArtifactSha256", artifact.source_code_hash)


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
    for line in config.announcements:  # every value the environment changed, said out loud
        pulumi.log.warn(line)
    build_stack(config)
