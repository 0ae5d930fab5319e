"""Wires the components into the whole multi-region stack and exports what operators need."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam, placeholders, secrets
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
from trade_pipeline.components.alarm_model import route53_metrics_region
from trade_pipeline.components.alarms import alarm_specs
from trade_pipeline.components.attachment import attach_every_function
from trade_pipeline.components.conflicts import (
    RegionalConflictDetector,
    RegionalConflictDetectorArgs,
)
from trade_pipeline.components.dashboard import PipelineDashboard, PipelineDashboardArgs
from trade_pipeline.components.endpoints import (
    EndpointGrant,
    RegionalEndpoints,
    RegionalEndpointsArgs,
)
from trade_pipeline.components.failover import HEALTH_ALARM, GlobalEndpoint, GlobalEndpointArgs
from trade_pipeline.components.heartbeat import RegionalHeartbeat, RegionalHeartbeatArgs
from trade_pipeline.components.network import RegionalNetwork
from trade_pipeline.components.pipeline import LambdaArtifactLike
from trade_pipeline.config.consistency import ConsistencyMode
from trade_pipeline.config.errors import CONFIG_NAMESPACE, ConfigError
from trade_pipeline.config.items import EncryptionMode
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.config.namespace import namespace_typos
from trade_pipeline.config.network import NetworkMode
from trade_pipeline.config.sources import LoadedConfig, decode_json, load_config
from trade_pipeline.errors import EnvironmentProblem
from trade_pipeline.iam import QUEUE_SEND_ACTIONS, TABLE_ACTIONS, table_key_policy
from trade_pipeline.naming import QueueKind
from trade_pipeline.providers import AWSProviderManager

__all__ = ["PipelineStack", "build_stack", "config_from_pulumi", "run_program"]


def config_from_pulumi(environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read ``trade-pipeline:*`` keys from the running Pulumi program, then the environment;
    the config comes with the announcements of what the environment changed.

    Keys Pulumi holds as secrets stay secrets (``trade_pipeline.secrets``): refused where the
    program cannot keep them, masked in error lines, wrapped as secret Outputs where used.
    """
    # The CLI's language host hands config over in the PULUMI_CONFIG environment variable;
    # the automation API and the mock engine set it in-process. Read both.
    all_config: dict[str, Any] = {
        **pulumi.runtime.config.get_config_env(),
        **pulumi.runtime.config.CONFIG.get(),
    }
    prefix = f"{CONFIG_NAMESPACE}:"
    namespace_typos(all_config)
    environ = os.environ if environ is None else environ
    secret_keys = secrets.program_secret_keys(k for k in all_config if k.startswith(prefix))
    secrets.check(secret_keys, environ)
    stack_config = {
        key.removeprefix(prefix): decode_json(value)
        for key, value in all_config.items()
        if key.startswith(prefix)
    }
    try:
        config, announcements = load_config(PipelineConfig, stack_config, environ)
    except ConfigError as exc:
        hidden = secrets.plain_values(stack_config[k.removeprefix(prefix)] for k in secret_keys)
        raise ConfigError(secrets.mask_lines(exc.lines, hidden)) from None
    config = secrets.mark(config, secret_keys)
    placeholders.check_real_deployment(config)  # example endpoints: refused by a real engine
    return LoadedConfig(config, announcements)


@dataclass
class PipelineStack:
    config: PipelineConfig
    providers: AWSProviderManager
    table: TradeTable
    pipelines: dict[str, RegionalPipeline]
    monitoring: dict[str, RegionalMonitoring]
    # eventual mode only: strong mode (MRSC) has no last-writer-wins replacement to detect
    detectors: dict[str, RegionalConflictDetector]
    endpoint: GlobalEndpoint | None
    producer_policy: aws.iam.Policy
    dashboard: PipelineDashboard
    # networkMode vpc only (empty otherwise)
    networks: dict[str, RegionalNetwork] = field(default_factory=dict)
    endpoints: dict[str, RegionalEndpoints] = field(default_factory=dict)
    heartbeats: dict[str, RegionalHeartbeat] = field(default_factory=dict)


def build_stack(
    config: PipelineConfig, artifact: LambdaArtifactLike | None = None
) -> PipelineStack:
    """Register every resource of the stack. ``config`` is already validated.

    Order: providers, networks (every function is attached to its region's), table keys, the
    table, the optional features, then per region pipeline, heartbeat, conflict detector and
    monitoring, then the global endpoint, dashboard, producer policy, network endpoints and
    outputs.
    ``artifact`` defaults to the Lambda artifact built for the configured runtime.
    """
    artifact = artifact if artifact is not None else _lambda_artifact(config)
    providers = AWSProviderManager(config)
    contexts = regional_contexts(config, providers)
    networks = _private_networks(contexts)  # before any function: they are attached to it
    key_arns = _table_keys(contexts)
    table = TradeTable("trade", TradeTableArgs(contexts[config.primary_region], key_arns))
    signing = _optional_features(config, contexts, table, key_arns)
    pipelines: dict[str, RegionalPipeline] = {}
    detectors: dict[str, RegionalConflictDetector] = {}
    monitoring: dict[str, RegionalMonitoring] = {}
    heartbeats: dict[str, RegionalHeartbeat] = {}
    for region, context in contexts.items():
        pipelines[region] = _pipeline(
            context, table, artifact, key_arns.get(region), signing.get(region)
        )
        heartbeats[region] = _heartbeat(context, pipelines[region])
        detector = _conflict_detector(
            context, table, pipelines[region], artifact, key_arns.get(region), signing.get(region)
        )
        if detector is not None:
            detectors[region] = detector
        watched = [pipelines[region], *([detector] if detector else [])]
        monitoring[region] = RegionalMonitoring(
            f"monitoring-{region}",
            RegionalMonitoringArgs(context=context, depends_on=watched),
        )
    endpoint = _global_endpoint(contexts, pipelines, monitoring)
    primary = contexts[config.primary_region]
    dashboard = PipelineDashboard(
        "dashboard",
        PipelineDashboardArgs(primary, endpoint.health_check.id if endpoint else None),
    )
    producer = _producer_policy(primary, pipelines, endpoint)
    stack = PipelineStack(
        config,
        providers,
        table,
        pipelines,
        monitoring,
        detectors,
        endpoint,
        producer,
        dashboard,
        networks,
        _endpoints(contexts, networks, table, pipelines),
        heartbeats,
    )
    _export_outputs(stack, artifact)
    return stack


def _heartbeat(context: RegionalContext, pipeline: RegionalPipeline) -> RegionalHeartbeat:
    """The region's heartbeat schedule, onto its bus."""
    return RegionalHeartbeat(
        f"heartbeat-{context.region}",
        RegionalHeartbeatArgs(context=context, bus_arn=pipeline.bus.arn),
        # the first heartbeat finds the rule, its target and the function in place
        opts=pulumi.ResourceOptions(depends_on=[pipeline]),
    )


def _lambda_artifact(config: PipelineConfig) -> LambdaArtifactLike:
    """The processor artifact built for the configured runtime and architecture."""
    from trade_pipeline.packaging import build_lambda_artifact

    return build_lambda_artifact(
        runtime=config.lambda_runtime, architecture=config.lambda_architecture.value
    )


def _pipeline(
    context: RegionalContext,
    table: TradeTable,
    artifact: LambdaArtifactLike,
    key_arn: pulumi.Input[str] | None,
    code_signing_config_arn: pulumi.Input[str] | None,
) -> RegionalPipeline:
    """The region's bus, rule, queues and processor, writing to the region's replica (the
    table key, when customer-managed, also encrypts the function's log group)."""
    region = context.region
    return RegionalPipeline(
        f"pipeline-{region}",
        RegionalPipelineArgs(
            context=context,
            table_name=table.name,
            replica_arn=table.replica_arns[region],
            artifact=artifact,
            table_key_arn=key_arn,
            log_key_arn=key_arn,
            code_signing_config_arn=code_signing_config_arn,
        ),
        # The function writes to its replica: the table (and its replicas) come first.
        opts=pulumi.ResourceOptions(depends_on=[table]),
    )


def _conflict_detector(
    context: RegionalContext,
    table: TradeTable,
    pipeline: RegionalPipeline,
    artifact: LambdaArtifactLike,
    log_key_arn: pulumi.Input[str] | None,
    code_signing_config_arn: pulumi.Input[str] | None,
) -> RegionalConflictDetector | None:
    """The region's detector on the stream of the region's own replica; none in strong mode,
    where replication replaces no stored version (docs/architecture.md, "Consistency modes")."""
    if context.config.consistency_mode is ConsistencyMode.STRONG:
        return None
    region = context.region
    return RegionalConflictDetector(
        f"conflicts-{region}",
        RegionalConflictDetectorArgs(
            context=context,
            stream_arn=table.stream_arns[region],
            table_name=table.name,
            rejected_queue_arn=pipeline.queues[QueueKind.REJECTED_EVENTS].arn,
            rejected_queue_url=pipeline.queues[QueueKind.REJECTED_EVENTS].url,
            failures_queue_arn=pipeline.queues[QueueKind.PROCESSING_FAILURES].arn,
            artifact=artifact,
            log_key_arn=log_key_arn,
            table_key_arn=log_key_arn,
            code_signing_config_arn=code_signing_config_arn,
        ),
        opts=pulumi.ResourceOptions(depends_on=[table]),
    )


def _global_endpoint(
    contexts: Mapping[str, RegionalContext],
    pipelines: Mapping[str, RegionalPipeline],
    monitoring: Mapping[str, RegionalMonitoring],
) -> GlobalEndpoint | None:
    """The global endpoint when failover is on; its health-check alarm in us-east-1 when that
    is one of the stack's regions (Route 53 publishes HealthCheckStatus there only)."""
    config = next(iter(contexts.values())).config
    if config.failover_target is None:
        return None
    primary = config.primary_region
    status_region = route53_metrics_region()
    status_monitoring = monitoring.get(status_region)
    status_spec = None
    if status_monitoring is not None:
        ctx = contexts[status_region]
        (status_spec,) = [
            s
            for s in alarm_specs(config, ctx.naming, status_region, config.regions)
            if s.what == "failover-health-check-status"
        ]
    return GlobalEndpoint(
        "failover",
        GlobalEndpointArgs(
            context=contexts[primary],
            bus_arns={region: p.bus.arn for region, p in pipelines.items()},
            health_alarm=monitoring[primary].alarms[HEALTH_ALARM],
            status_monitoring=status_monitoring,
            status_spec=status_spec,
        ),
    )


def _producer_policy(
    primary: RegionalContext,
    pipelines: Mapping[str, RegionalPipeline],
    endpoint: GlobalEndpoint | None,
) -> aws.iam.Policy:
    """The managed policy producers attach: PutEvents on the buses and, when on, the endpoint.

    IAM is global; the policy is created through the primary region's provider."""
    endpoint_arn = endpoint.endpoint.arn if endpoint else None
    document = pulumi.Output.all(endpoint_arn, *(p.bus.arn for p in pipelines.values())).apply(
        lambda a: json.dumps(iam.producer_policy(a[1:], a[0]))
    )
    return aws.iam.Policy(
        "producer-policy",
        name=primary.naming.producer_policy,
        description="Put trading events on the trade pipeline's buses (and global endpoint)",
        policy=document,
        opts=primary.providers.opts(primary.region),
    )


# --- private networking (networkMode vpc; docs/network.md) -----------------------------------
def _private_networks(contexts: Mapping[str, RegionalContext]) -> dict[str, RegionalNetwork]:
    """region -> its VPC, when networkMode is vpc; every function created afterwards is
    attached to its region's network (components/attachment.py)."""
    if next(iter(contexts.values())).config.network_mode is not NetworkMode.VPC:
        return {}
    networks = {
        region: RegionalNetwork(f"network-{region}", context)
        for region, context in contexts.items()
    }
    attach_every_function(contexts, networks)
    return networks


def _endpoints(
    contexts: Mapping[str, RegionalContext],
    networks: Mapping[str, RegionalNetwork],
    table: TradeTable,
    pipelines: Mapping[str, RegionalPipeline],
) -> dict[str, RegionalEndpoints]:
    """Per region, an endpoint for each service the functions call from inside the VPC, its
    policy naming exactly what they touch there: the replica (processor) and the
    rejected-events queue (processor and conflict detector). Not the on-failure destinations
    nor the detector's stream: Lambda reaches those outside the functions' network."""
    endpoints: dict[str, RegionalEndpoints] = {}
    for region, network in networks.items():
        grants = [
            EndpointGrant("dynamodb", TABLE_ACTIONS, [table.replica_arns[region]]),
            EndpointGrant(
                "sqs",
                QUEUE_SEND_ACTIONS,
                [pipelines[region].queues[QueueKind.REJECTED_EVENTS].arn],
            ),
        ]
        endpoints[region] = RegionalEndpoints(
            f"endpoints-{region}", RegionalEndpointsArgs(contexts[region], network, grants)
        )
    return endpoints


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
                holds_data=True,
                # The region's function log groups are encrypted with this key too.
                policy=functools.partial(
                    table_key_policy,
                    region=region,
                    log_group_names=(
                        context.naming.log_group,
                        context.naming.detector_log_group,
                    ),
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
    """Production options, off by default: code signing and table backups.

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
    pulumi.export("producerPolicyArn", stack.producer_policy.arn)
    pulumi.export("consistencyMode", stack.config.consistency_mode.value)
    copy_region = stack.config.backup_copy_target
    if stack.config.backup and copy_region is not None:
        # the regions whose AWS Backup settings the copy needs: `trade-pipeline status` reads them
        pulumi.export("backupRegions", [stack.config.primary_region, copy_region])
    if stack.endpoint is not None:
        endpoint = stack.endpoint.endpoint
        pulumi.export(
            "globalEndpoint",
            {
                # PutEvents' EndpointId: the URL's subdomain. The resource's own id is its name.
                "id": stack.endpoint.endpoint_id,
                "name": endpoint.name,
                "arn": endpoint.arn,
                "url": endpoint.endpoint_url,
                "regions": list(stack.endpoint.regions),
                # what `trade-pipeline drill` inverts (docs/operations.md#failover-drill)
                "healthCheckId": stack.endpoint.health_check.id,
            },
        )

    if stack.networks:
        pulumi.export(
            "network",
            {
                region: {
                    "vpcId": network.vpc.id,
                    "subnetIds": network.subnet_ids,
                    "functionSecurityGroupId": network.function_security_group.id,
                    "endpointIds": {s: e.id for s, e in stack.endpoints[region].endpoints.items()},
                }
                for region, network in stack.networks.items()
            },
        )


def run_program() -> None:
    """The Pulumi entry point: validate config first, then register resources.

    A config error is a user error: it is reported as one line per rejected value through
    ``pulumi.RunError``, which the CLI prints without a traceback.
    """
    try:
        config, announcements = config_from_pulumi()
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None
    for line in announcements:  # every value the environment changed, said out loud
        pulumi.log.warn(line)
    try:
        build_stack(config)
    except EnvironmentProblem as exc:  # e.g. no package index for the first artifact build
        raise pulumi.RunError(str(exc)) from None
