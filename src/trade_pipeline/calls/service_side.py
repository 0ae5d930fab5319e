"""Calls AWS makes on the stack's behalf: with a function's execution role, or as a service
principal on the stack's resources. Each row states the AWS page it comes from.

A recorded call proves what the code asks for; these are the requests nobody's code makes but
that need the same permissions (Lambda reading the stream for the detector, writing logs and
traces, sending a failed event to a destination, managing interfaces in a VPC; EventBridge
invoking the function or dead-lettering to a queue; Scheduler putting the heartbeat on a bus;
CloudWatch publishing to the alarm topic).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from trade_pipeline.calls.model import Principal, Request, functions, role_principal
from trade_pipeline.preview import Plan, PlannedResource

__all__ = ["ROWS", "Row", "service_side_requests"]

SECURE = ("aws:SecureTransport", "true")  # AWS services and boto3 call over TLS
STREAM_STAND_IN = "2026/01/01/[$LATEST]0123456789abcdef"  # a log stream Lambda would create


@dataclass(frozen=True)
class Row:
    name: str
    source: str
    requests: Callable[[Plan, Row], Iterator[Request]]


def _account(plan: Plan) -> str:
    for function in functions(plan):
        return str(function.inputs.get("role", "")).split(":")[4]
    return "123456789012"


def _function_arn(plan: Plan, function: PlannedResource) -> str:
    return f"arn:aws:lambda:{function.region}:{_account(plan)}:function:{function.inputs['name']}"


def _as_role(row: Row, function: PlannedResource, action: str, resource: str) -> Request:
    region = function.region or ""
    context = [SECURE, ("aws:RequestedRegion", region)]
    if action.startswith("ec2:"):
        context.append(("ec2:Region", region))  # EC2 sets it on every request
    return Request(
        role_principal(function), action, resource, region, row.name, row.source, tuple(context)
    )


def _logs(plan: Plan, row: Row) -> Iterator[Request]:
    for function in functions(plan):
        group = (function.inputs.get("loggingConfig") or {}).get("logGroup")
        group = group or f"/aws/lambda/{function.inputs['name']}"
        stream = (
            f"arn:aws:logs:{function.region}:{_account(plan)}:log-group:{group}"
            f":log-stream:{STREAM_STAND_IN}"
        )
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            yield _as_role(row, function, action, stream)


def _xray(plan: Plan, row: Row) -> Iterator[Request]:
    for function in functions(plan):
        if (function.inputs.get("tracingConfig") or {}).get("mode") == "Active":
            for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords"):
                yield _as_role(row, function, action, "*")


def _mapped_function(plan: Plan, mapping: PlannedResource) -> PlannedResource | None:
    target = str(mapping.inputs.get("functionName", ""))
    return next(
        (
            f
            for f in functions(plan, mapping.region)
            if target in (f.inputs["name"], _function_arn(plan, f))
        ),
        None,
    )


def _stream_mappings(plan: Plan) -> Iterator[tuple[PlannedResource, PlannedResource]]:
    for mapping in plan.by_type("aws:lambda/eventSourceMapping:EventSourceMapping"):
        source = str(mapping.inputs.get("eventSourceArn", ""))
        function = _mapped_function(plan, mapping)
        if ":dynamodb:" in source and "/stream/" in source and function is not None:
            yield mapping, function


def _stream_read(plan: Plan, row: Row) -> Iterator[Request]:
    for mapping, function in _stream_mappings(plan):
        stream = str(mapping.inputs["eventSourceArn"])
        for action in (
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
        ):
            yield _as_role(row, function, action, stream)
        yield _as_role(row, function, "dynamodb:ListStreams", "*")


def table_key(plan: Plan, region: str) -> str | None:
    """The customer-managed key of the table's copy in ``region`` (None: AWS-owned key)."""
    for table in plan.by_type("aws:dynamodb/table:Table"):
        sse = table.inputs.get("serverSideEncryption") or {}
        if not sse.get("enabled"):
            return None
        if table.region == region:
            return sse.get("kmsKeyArn") or None
        for replica in table.inputs.get("replicas") or []:
            if replica.get("regionName") == region:
                return replica.get("kmsKeyArn") or None
    return None


def _stream_key(plan: Plan, row: Row) -> Iterator[Request]:
    for mapping, function in _stream_mappings(plan):
        key = table_key(plan, mapping.region or "")
        if key:
            yield _as_role(row, function, "kms:Decrypt", key)


def _destinations(plan: Plan, row: Row) -> Iterator[Request]:
    for config in plan.by_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"):
        target = ((config.inputs.get("destinationConfig") or {}).get("onFailure") or {}).get(
            "destination"
        )
        function = _mapped_function(plan, config)
        if target and ":sqs:" in target and function is not None:
            yield _as_role(row, function, "sqs:SendMessage", target)


def _mapping_destinations(plan: Plan, row: Row) -> Iterator[Request]:
    for mapping, function in _stream_mappings(plan):
        on_failure = (mapping.inputs.get("destinationConfig") or {}).get("onFailure") or {}
        target = on_failure.get("destinationArn")
        if target and ":sqs:" in target:
            yield _as_role(row, function, "sqs:SendMessage", target)


def _vpc(plan: Plan, row: Row) -> Iterator[Request]:
    for function in functions(plan):
        vpc = function.inputs.get("vpcConfig") or {}
        if not vpc.get("subnetIds"):
            continue
        prefix = f"arn:aws:ec2:{function.region}:{_account(plan)}"
        interfaces = f"{prefix}:network-interface/*"  # created and checked before any exists
        create = [interfaces]
        create += [f"{prefix}:subnet/{s}" for s in vpc["subnetIds"]]
        groups = list(vpc.get("securityGroupIds") or [])
        if function.inputs.get("replaceSecurityGroupsOnDestroy"):
            # on destroy the provider moves the interfaces to these groups first: Lambda creates
            # interfaces in them (terraform-provider-aws replaceSecurityGroupsOnDestroy)
            groups += function.inputs.get("replacementSecurityGroupIds") or []
        create += [f"{prefix}:security-group/{g}" for g in groups]
        for resource in create:
            yield _as_role(row, function, "ec2:CreateNetworkInterface", resource)
        yield _as_role(row, function, "ec2:DescribeNetworkInterfaces", "*")
        for action in (
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
        ):
            yield _as_role(row, function, action, interfaces)


def _service(
    row: Row, service: str, action: str, resource: str, region: str, source_arn: str, account: str
) -> Request:
    context = (SECURE, ("aws:SourceArn", source_arn), ("aws:SourceAccount", account))
    return Request(
        Principal("service", service), action, resource, region, row.name, row.source, context
    )


def _rule_arn(plan: Plan, target: PlannedResource) -> str:
    bus, rule = target.inputs.get("eventBusName"), target.inputs["rule"]
    path = f"rule/{bus}/{rule}" if bus and bus != "default" else f"rule/{rule}"
    return f"arn:aws:events:{target.region}:{_account(plan)}:{path}"


def _eventbridge(plan: Plan, row: Row) -> Iterator[Request]:
    account = _account(plan)
    for target in plan.by_type("aws:cloudwatch/eventTarget:EventTarget"):
        rule, region = _rule_arn(plan, target), target.region or ""
        arn = str(target.inputs.get("arn", ""))
        if ":lambda:" in arn:
            yield _service(
                row, "events.amazonaws.com", "lambda:InvokeFunction", arn, region, rule, account
            )
        dlq = (target.inputs.get("deadLetterConfig") or {}).get("arn")
        if dlq:
            yield _service(
                row, "events.amazonaws.com", "sqs:SendMessage", dlq, region, rule, account
            )


def _alarm_actions(plan: Plan, row: Row) -> Iterator[Request]:
    account = _account(plan)
    for alarm in plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        arn = f"arn:aws:cloudwatch:{alarm.region}:{account}:alarm:{alarm.inputs['name']}"
        topics = {*alarm.inputs.get("alarmActions", []), *alarm.inputs.get("okActions", [])}
        for topic in sorted(t for t in topics if ":sns:" in t):
            yield _service(
                row,
                "cloudwatch.amazonaws.com",
                "sns:Publish",
                topic,
                alarm.region or "",
                arn,
                account,
            )


def _named_role(row: Row, role_arn: str, action: str, resource: str, region: str) -> Request:
    principal = Principal("role", role_arn.rsplit("/", 1)[-1], role_arn)
    context = (SECURE, ("aws:RequestedRegion", region))
    return Request(principal, action, resource, region, row.name, row.source, context)


def _flow_logs(plan: Plan, row: Row) -> Iterator[Request]:
    for flow in plan.by_type("aws:ec2/flowLog:FlowLog"):
        role, group = flow.inputs.get("iamRoleArn"), flow.inputs.get("logDestination")
        if not role or flow.inputs.get("logDestinationType") != "cloud-watch-logs" or not group:
            continue
        region = flow.region or ""
        stream = f"{group}:log-stream:eni-0123456789abcdef0-all"  # one stream per interface
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            yield _named_role(row, role, action, stream, region)
        yield _named_role(row, role, "logs:DescribeLogStreams", group, region)
        yield _named_role(row, role, "logs:DescribeLogGroups", "*", region)


# A managed rule EventBridge would create on a bus for replication (it picks the suffix).
MANAGED_RULE_STAND_IN = "GlobalEndpointManagedRule-0123456789abcdef"
MANAGED_RULE_ACTIONS = (
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
    "events:DeleteRule",
)


def _endpoint_replication(plan: Plan, row: Row) -> Iterator[Request]:
    """With the endpoint's role, on each bus: create its managed rule, point it at the other
    bus, put events, remove the rule again; and pass the role to EventBridge for the rule's
    target (the permissions trade_pipeline.iam.endpoint_replication_policy cites)."""
    for endpoint in plan.by_type("aws:cloudwatch/eventEndpoint:EventEndpoint"):
        role = endpoint.inputs.get("roleArn")
        if not role or (endpoint.inputs.get("replicationConfig") or {}).get("state") == "DISABLED":
            continue
        for bus in endpoint.inputs.get("eventBuses") or []:
            arn = str(bus["eventBusArn"])
            region, name = arn.split(":")[3], arn.rsplit("/", 1)[-1]
            rule = f"{arn.split(':event-bus/')[0]}:rule/{name}/{MANAGED_RULE_STAND_IN}"
            for action in MANAGED_RULE_ACTIONS:
                yield _named_role(row, role, action, rule, region)
            yield _named_role(row, role, "events:PutEvents", arn, region)
            passed = _named_role(row, role, "iam:PassRole", role, region)
            service = ("iam:PassedToService", "events.amazonaws.com")
            yield replace(passed, context=(*passed.context, service))


def _schedules(plan: Plan, row: Row) -> Iterator[Request]:
    """With each schedule's execution role, what Scheduler does at every invocation of a
    templated EventBridge target: PutEvents onto the target bus (the heartbeat)."""
    for schedule in plan.by_type("aws:scheduler/schedule:Schedule"):
        target = schedule.inputs.get("target") or {}
        role, bus = target.get("roleArn"), str(target.get("arn", ""))
        if role and ":event-bus/" in bus:
            yield _named_role(row, role, "events:PutEvents", bus, bus.split(":")[3])


ROWS: tuple[Row, ...] = (
    Row(
        "lambda-writes-logs",
        "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
        _logs,
    ),
    Row(
        "lambda-sends-traces",
        "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html",
        _xray,
    ),
    Row(
        "stream-mapping-reads-stream",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
        "iam-policy-example-lamda-process-dynamodb-streams.html",
        _stream_read,
    ),
    Row(
        "stream-mapping-decrypts-cmk-stream",
        # AWS's CDK grants it for this reason: aws-cdk issue 22796, fixed by PR 23400
        "https://github.com/aws/aws-cdk/issues/22796 (https://github.com/aws/aws-cdk/pull/23400)",
        _stream_key,
    ),
    Row(
        "stream-mapping-on-failure-destination",
        "https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html",
        _mapping_destinations,
    ),
    Row(
        "async-invoke-on-failure-destination",
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html",
        _destinations,
    ),
    Row(
        "lambda-manages-vpc-interfaces",
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html",
        _vpc,
    ),
    Row(
        "eventbridge-invokes-and-dead-letters",
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html; "
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html",
        _eventbridge,
    ),
    Row(
        "flow-logs-deliver-to-log-group",
        "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html",
        _flow_logs,
    ),
    Row(
        "global-endpoint-replicates-events",
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-global-endpoints.html "
        "(managed rules); the role of terraform-provider-aws "
        "internal/service/events/endpoint_test.go",
        _endpoint_replication,
    ),
    Row(
        "scheduler-puts-heartbeats",
        "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html (execution "
        "role); https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html",
        _schedules,
    ),
    Row(
        "cloudwatch-publishes-alarms",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
        _alarm_actions,
    ),
)


def service_side_requests(plan: Plan) -> list[Request]:
    """Every row's requests for ``plan``."""
    return [request for row in ROWS for request in row.requests(plan, row)]
