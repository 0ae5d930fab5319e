"""Every Lambda function of the stack, built one way: log group, role, function, async bounds.

The processor (``RegionalPipeline``) and the conflict detector (``RegionalConflictDetector``)
each call :func:`build_function` inside their own component, so the five resources keep their
logical names (``<name>-logs``, ``-role``, ``-role-policy``, ``-function``, ``-async``), their
parent and their URNs. What a function does apart is a field of :class:`FunctionSpec`; what
every function shares comes from the config here, in one place, so that a new function-wide
setting cannot miss a function:

- runtime, architecture, memory, timeout (``lambda*`` keys);
- X-Ray tracing ``Active``; JSON logs at ``logLevel`` (filtered by the function's logger;
  Lambda's application level never above INFO, so metric lines survive) and
  ``platformLogLevel`` (Lambda's own lines), into a log group the stack creates first, kept
  ``logRetentionDays``;
- the role's trust policy (Lambda, on behalf of this account only);
- async invocation bounds (``lambdaMaxRetryAttempts``, ``lambdaMaxEventAgeSeconds``) and an
  on-failure destination;
- the Powertools settings (metrics namespace, log level) beside the function's service name.

Not here, on purpose: the VPC attachment in ``networkMode: vpc`` is a stack transformation
(``components/attachment.py``) that reaches every function, this one's included.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.context import RegionalContext
from trade_processor.metric_names import NAMESPACE as METRIC_NAMESPACE

__all__ = [
    "BuiltFunction",
    "FunctionSpec",
    "LambdaArtifactLike",
    "build_function",
    "lambda_application_log_level",
]


class LambdaArtifactLike(Protocol):
    @property
    def path(self) -> Path: ...
    @property
    def source_code_hash(self) -> str: ...


PolicyFor = Callable[[pulumi.Output[str]], pulumi.Input[str]]
"""The role's inline policy (JSON) from the function's log group ARN."""


@dataclass(frozen=True)
class FunctionSpec:
    """What one function has of its own; everything else is function-wide (module docstring)."""

    logical_name: str  # prefix of the five resources' logical names (URNs depend on it)
    function_name: str  # physical names, from Naming
    log_group_name: str
    role_name: str
    role_description: str
    policy_name: str
    policy: PolicyFor
    handler: str
    description: str
    service_name: str  # POWERTOOLS_SERVICE_NAME: its logs, metrics and traces
    environment: Mapping[str, pulumi.Input[str]]
    on_failure_arn: pulumi.Input[str]  # where a failed asynchronous invocation goes
    artifact: LambdaArtifactLike
    # Each function's own key: lambdaReservedConcurrency, conflictDetectorReservedConcurrency
    reserved_concurrency: int | None
    log_key_arn: pulumi.Input[str] | None = None  # customer-managed: the region's key
    code_signing_config_arn: pulumi.Input[str] | None = None  # when code signing is on


@dataclass(frozen=True)
class BuiltFunction:
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    role_policy: aws.iam.RolePolicy
    function: aws.lambda_.Function
    invoke_config: aws.lambda_.FunctionEventInvokeConfig


def build_function(
    ctx: RegionalContext, parent: pulumi.Resource, spec: FunctionSpec
) -> BuiltFunction:
    """Log group, role and its policy, function, then its async invoke config, as children of
    ``parent`` in ``ctx``'s region."""
    artifact_path = _existing_artifact(spec.artifact)
    log_group = aws.cloudwatch.LogGroup(
        f"{spec.logical_name}-logs",
        name=spec.log_group_name,
        retention_in_days=ctx.config.log_retention_days,
        kms_key_id=spec.log_key_arn,
        opts=ctx.child_options(parent),
    )
    role, role_policy = _create_role(ctx, parent, spec, log_group)
    function = _create_function(ctx, parent, spec, artifact_path, role, log_group, role_policy)
    invoke_config = aws.lambda_.FunctionEventInvokeConfig(
        f"{spec.logical_name}-async",
        function_name=function.name,
        maximum_retry_attempts=ctx.config.lambda_max_retry_attempts,
        maximum_event_age_in_seconds=ctx.config.lambda_max_event_age_seconds,
        destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
            on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                destination=spec.on_failure_arn
            )
        ),
        # After the role's policy: the function's role is what sends to the destination.
        opts=ctx.child_options(parent, role_policy),
    )
    return BuiltFunction(log_group, role, role_policy, function, invoke_config)


def _create_role(
    ctx: RegionalContext,
    parent: pulumi.Resource,
    spec: FunctionSpec,
    log_group: aws.cloudwatch.LogGroup,
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """The function's own role, trusted by Lambda for this account, with one inline policy."""
    role = aws.iam.Role(
        f"{spec.logical_name}-role",
        name=spec.role_name,
        description=spec.role_description,
        assume_role_policy=pulumi.Output.from_input(ctx.account_id).apply(
            lambda acct: json.dumps(iam.lambda_trust_policy(acct))
        ),
        opts=ctx.child_options(parent),
    )
    policy = aws.iam.RolePolicy(
        f"{spec.logical_name}-role-policy",
        name=spec.policy_name,
        role=role.id,
        policy=spec.policy(log_group.arn),
        opts=ctx.child_options(parent),
    )
    return role, policy


def _create_function(
    ctx: RegionalContext,
    parent: pulumi.Resource,
    spec: FunctionSpec,
    artifact_path: Path,
    role: aws.iam.Role,
    log_group: aws.cloudwatch.LogGroup,
    role_policy: aws.iam.RolePolicy,
) -> aws.lambda_.Function:
    cfg = ctx.config
    return aws.lambda_.Function(
        f"{spec.logical_name}-function",
        name=spec.function_name,
        description=spec.description,
        role=role.arn,
        runtime=cfg.lambda_runtime,
        architectures=[cfg.lambda_architecture.value],
        handler=spec.handler,
        code=pulumi.FileArchive(str(artifact_path)),
        # The artifact is reproducible, so this hash changes only when its content does.
        source_code_hash=spec.artifact.source_code_hash,
        memory_size=cfg.lambda_memory_mb,
        timeout=cfg.lambda_timeout_seconds,
        reserved_concurrent_executions=spec.reserved_concurrency,
        code_signing_config_arn=spec.code_signing_config_arn,
        tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(
            log_format="JSON",
            log_group=log_group.name,
            application_log_level=lambda_application_log_level(cfg.log_level),
            # WARN drops START/END/REPORT (about 450 bytes per invocation, billed as log
            # ingestion); Duration, Errors and Throttles stay CloudWatch metrics
            system_log_level=cfg.platform_log_level,
        ),
        environment=aws.lambda_.FunctionEnvironmentArgs(
            variables={
                **spec.environment,
                "POWERTOOLS_SERVICE_NAME": spec.service_name,
                "POWERTOOLS_METRICS_NAMESPACE": METRIC_NAMESPACE,
                # the level the logger filters at (trade_processor.observability)
                "POWERTOOLS_LOG_LEVEL": cfg.log_level,
            }
        ),
        # The log group must exist (with its retention) before the first invocation, and
        # the policy before the function can succeed at anything.
        opts=ctx.child_options(parent, log_group, role_policy),
    )


def lambda_application_log_level(log_level: str) -> str:
    """Lambda's application log level for ``logLevel``: never above INFO.

    With JSON logs Lambda drops the application's lines below its level, and a line without a
    level, which every metric (EMF) line is, counts as INFO ("When Lambda filters your
    function's application logs, any log message without a level will be assigned the log
    level INFO", https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-
    level.html). At WARN that filter would drop every custom metric; so WARN, ERROR and FATAL
    are applied by the function's logger at the source (``POWERTOOLS_LOG_LEVEL``, read by
    ``trade_processor.observability``) and Lambda keeps INFO. DEBUG stays DEBUG.
    """
    return "DEBUG" if log_level == "DEBUG" else "INFO"


def _existing_artifact(artifact: LambdaArtifactLike) -> Path:
    """The artifact's path; ``FileArchive`` does not check it, so fail at preview instead."""
    path = Path(artifact.path)
    if not path.is_file():
        raise FileNotFoundError(f"Lambda artifact {path} does not exist")
    return path
