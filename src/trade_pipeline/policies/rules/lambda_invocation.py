"""How Lambda functions are invoked: failure destinations, async bounds, logs, permissions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trade_pipeline.policies.model import (
    Finding,
    ResourceView,
    Skip,
    StackView,
    is_unknown,
    run_per_resource,
)
from trade_pipeline.policies.registry import resource_rule, stack_rule
from trade_pipeline.policies.rules.sources import review_failure
from trade_pipeline.policies.values import get, is_set, known, number, read
from trade_pipeline.resource_types import EVENT_RULE, FUNCTION, INVOKE_CONFIG, LOG_GROUP, PERMISSION

__all__ = [
    "lambda_async_invoke_bounded",
    "lambda_failure_destination",
    "lambda_log_group_own_name",
    "lambda_log_group_retention",
    "lambda_permission_rule_arn",
    "lambda_permission_source_scoped",
]


def _function_keys(fn: ResourceView) -> set[str]:
    """Names by which other resources may refer to a function (name, ARN)."""
    values = (fn.props.get("name"), fn.outputs.get("arn"), fn.outputs.get("name"))
    return {v for v in values if isinstance(v, str) and v}


def _invoke_configs_of(stack: StackView, fn: ResourceView) -> tuple[list[ResourceView], bool]:
    """(invoke configs of the function, whether some config's function name was unknown)."""
    keys = _function_keys(fn)
    found, unknown = [], False
    for config in stack.of_type(INVOKE_CONFIG):
        if config.region != fn.region:
            continue
        ref = config.props.get("functionName")
        if is_unknown(ref):
            unknown = True
        elif isinstance(ref, str) and (ref in keys or ref.split(":")[-1] in keys):
            found.append(config)
    return found, unknown


@stack_rule(
    "lambda-failure-destination",
    types=[FUNCTION],
    message="Give every function an on-failure destination (FunctionEventInvokeConfig "
    "destination_config.on_failure, an SQS queue) or a dead_letter_config.",
    sources=(
        "checkov CKV_AWS_116",
        "cdk-nag Serverless-LambdaDLQ",
        "cdk-nag Serverless-LambdaAsyncFailureDestination",
    ),
)
def lambda_failure_destination(stack: StackView) -> Iterator[Finding]:
    """Events a Lambda function fails on land somewhere: a DLQ or an on-failure destination."""

    def check(fn: ResourceView) -> Iterator[str]:
        if is_set(get(fn.props, "deadLetterConfig", "targetArn")):
            return
        configs, unknown = _invoke_configs_of(stack, fn)
        path = ("destinationConfig", "onFailure", "destination")
        if any(is_set(get(c.props, *path)) for c in configs):
            return
        if unknown:
            raise Skip("invoke config's function")
        yield "no dead-letter queue and no on-failure destination"

    return run_per_resource(stack.of_type(FUNCTION), check)


@stack_rule(
    "lambda-async-invoke-bounded",
    types=[FUNCTION, INVOKE_CONFIG],
    message="Add an aws.lambda_.FunctionEventInvokeConfig per function with "
    "maximum_retry_attempts (0-2) and maximum_event_age_in_seconds (60-21600) set.",
    sources=("cdk-nag Serverless-LambdaAsyncFailureDestination",),
)
def lambda_async_invoke_bounded(stack: StackView) -> Iterator[Finding]:
    """Each function's async invoke config bounds retries and event age explicitly."""

    def check_config(config: ResourceView) -> Iterator[str]:
        retries = number(read(config.props, "maximumRetryAttempts"))
        age = number(read(config.props, "maximumEventAgeInSeconds"))
        if retries is None or not 0 <= retries <= 2:
            yield f"maximumRetryAttempts is {retries}"
        if age is None or not 60 <= age <= 21600:
            yield f"maximumEventAgeInSeconds is {age}"

    def check(fn: ResourceView) -> Iterator[str | Finding]:
        configs, unknown = _invoke_configs_of(stack, fn)
        if not configs and unknown:
            raise Skip("invoke config's function")
        if not configs:
            yield "no FunctionEventInvokeConfig: Lambda's defaults apply"
        yield from run_per_resource(configs, check_config)

    return run_per_resource(stack.of_type(FUNCTION), check)


@stack_rule(
    "lambda-log-group-retention",
    types=[FUNCTION, LOG_GROUP],
    message="Create each function's log group explicitly (aws.cloudwatch.LogGroup named as "
    "the function's logging_config.log_group) with retention_in_days set.",
    sources=(
        "checkov CKV_AWS_66",
        "cdk-nag Serverless-CloudWatchLogGroupRetentionPeriod",
        "cdk-nag HIPAA.Security-CloudWatchLogGroupRetentionPeriod",
    ),
)
def lambda_log_group_retention(stack: StackView) -> Iterator[Finding]:
    """Every function logs into a log group the stack creates, with a bounded retention."""
    groups = stack.of_type(LOG_GROUP)

    def check_group(group: ResourceView) -> Iterator[str]:
        days = number(read(group.props, "retentionInDays"))
        if days is None or days <= 0:
            yield "log group keeps logs forever (no retentionInDays)"

    def check_function(fn: ResourceView) -> Iterator[str]:
        wanted = get(fn.props, "loggingConfig", "logGroup")
        if not wanted and isinstance(fn.props.get("name"), str):
            wanted = f"/aws/lambda/{fn.props['name']}"
        if not known(wanted, "log group name"):
            raise Skip("log group name")
        if wanted not in {g.props.get("name") for g in groups if g.region == fn.region}:
            yield (
                f"logs go to {wanted}, which the stack does not create (Lambda would create "
                "it with no retention)"
            )

    yield from run_per_resource(groups, check_group)
    yield from run_per_resource(stack.of_type(FUNCTION), check_function)


LAMBDA_DEFAULT_LOG_GROUP_PREFIX: Final = "/aws/lambda/"


@stack_rule(
    "lambda-log-group-own-name",
    types=[FUNCTION, LOG_GROUP],
    message="Name each function's log group after the stack (Naming.log_group, e.g. "
    "/trade-pipeline/<suffix>/<function>) and point logging_config.log_group at it; never "
    "/aws/lambda/<function>, which Lambda creates by itself once the function ran.",
    sources=("AWS Lambda 'Working with Lambda function logs' (default log group)",),
)
def lambda_log_group_own_name(stack: StackView) -> Iterator[Finding]:
    """No log group of the stack is Lambda's own default group of one of its functions.

    Lambda creates ``/aws/lambda/<function>`` as soon as a function of that name logs; a stack
    that creates that group fails with ResourceAlreadyExistsException once the group exists
    (a redeploy after a destroy, a function that ran before the log group was created).
    """
    functions: dict[str, set[str | None]] = {}
    for fn in stack.of_type(FUNCTION):
        if isinstance(fn.props.get("name"), str):
            functions.setdefault(fn.props["name"], set()).add(fn.region)

    def check(group: ResourceView) -> Iterator[str]:
        name = str(read(group.props, "name"))
        owner = name.removeprefix(LAMBDA_DEFAULT_LOG_GROUP_PREFIX)
        regions = functions.get(owner, set())
        if name.startswith(LAMBDA_DEFAULT_LOG_GROUP_PREFIX) and (
            group.region in regions or None in regions
        ):
            yield f"log group {name} is Lambda's default group of function {owner}"

    yield from run_per_resource(stack.of_type(LOG_GROUP), check)


@resource_rule(
    "lambda-permission-source-scoped",
    types=[PERMISSION],
    message="A service principal gets lambda:InvokeFunction only with source_arn (the "
    "invoking resource's ARN output) and source_account.",
    sources=("checkov CKV_AWS_364", "cdk-nag NIST.800.53.R5-LambdaFunctionPublicAccessProhibited"),
)
def lambda_permission_source_scoped(permission: ResourceView) -> Iterator[str]:
    """A Lambda permission for a service principal names the source ARN and account."""
    principal = read(permission.props, "principal")
    if principal == "*":
        yield "principal is '*': anyone may invoke the function"
        return
    if isinstance(principal, str) and principal.endswith(".amazonaws.com"):
        if not is_set(permission.props.get("sourceArn")):
            yield f"principal {principal} without source_arn"
        if not is_set(permission.props.get("sourceAccount")):
            yield f"principal {principal} without source_account"


@stack_rule(
    "lambda-permission-rule-arn",
    types=[PERMISSION, EVENT_RULE],
    message="Pass the rule's own ARN output (source_arn=rule.arn), never an ARN assembled "
    "from strings.",
    sources=(review_failure(8),),
)
def lambda_permission_rule_arn(stack: StackView) -> Iterator[Finding]:
    """EventBridge's Lambda permissions name the ARN of a rule of the stack in their region."""

    def check(permission: ResourceView) -> Iterator[str]:
        if permission.props.get("principal") != "events.amazonaws.com":
            return
        source = known(permission.props.get("sourceArn"), "sourceArn")
        rules = [r for r in stack.of_type(EVENT_RULE) if r.region == permission.region]
        arns = [known(r.output("arn"), "rule ARNs") for r in rules]
        if source not in arns:
            yield (
                f"sourceArn {source!r} is not the ARN of any rule in {permission.region} "
                f"({', '.join(map(str, arns)) or 'none'})"
            )

    return run_per_resource(stack.of_type(PERMISSION), check)
