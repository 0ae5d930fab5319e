"""The IAM action(s) and resource ARN(s) one botocore call is authorised against.

ARNs come out with ``${Region}`` and ``${Account}`` in their region and account fields, so a
call recorded in one region and account stands for the same call in every region of a plan.
Operations not listed here authorise against ``*`` (their action has no resource type, or the
code names none: ``cloudwatch:GetMetricData``, ``cloudwatch:DescribeAlarms``,
``backup:DescribeRegionSettings``, which AWS Backup's table lists with no resource type:
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbackup.html...).

Sources:
- ARN formats per service: "Actions, resources, and condition keys for AWS services"
  (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
- A ``TransactWriteItems`` call is authorised as the action of each of its items (``Put`` ->
  ``dynamodb:PutItem``...): "Using IAM with DynamoDB transactions"
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["ACCOUNT", "REGION", "call_resources", "templated"]

REGION = "${Region}"
ACCOUNT = "${Account}"
REPLAY_NAME = "${ReplayName}"
HEALTH_CHECK_ID = "${HealthCheckId}"  # Route 53 assigns it at creation: one template for all

TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def templated(arn: str) -> str:
    """``arn`` with its region and account fields replaced by the placeholders (when set)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return arn
    if parts[3]:
        parts[3] = REGION
    if parts[4]:
        parts[4] = ACCOUNT
    return ":".join(parts)


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _table(params: dict[str, Any]) -> str:
    table = str(params["TableName"])
    if table.startswith("arn:"):
        return templated(table)
    index = params.get("IndexName")
    return _arn("dynamodb", f"table/{table}" + (f"/index/{index}" if index else ""))


def _queue(params: dict[str, Any]) -> str:
    if "QueueUrl" in params:
        name = str(params["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1]
    else:
        name = str(params["QueueName"])
    return _arn("sqs", name)


def _bus(name: str | None) -> str:
    name = name or "default"
    return templated(name) if name.startswith("arn:") else _arn("events", f"event-bus/{name}")


Resolver = Callable[[str, dict[str, Any]], Iterator[tuple[str, str]]]


def _dynamodb(operation: str, params: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if operation == "TransactWriteItems":
        for item in params.get("TransactItems", []):
            for kind, request in item.items():
                yield f"dynamodb:{TRANSACT_ACTIONS[kind]}", _table(request)
    elif operation == "BatchWriteItem":
        for table in params.get("RequestItems", {}):
            yield "dynamodb:BatchWriteItem", _table({"TableName": table})
    elif "StreamArn" in params:
        yield f"dynamodb:{operation}", templated(str(params["StreamArn"]))
    elif "TableName" in params:
        yield f"dynamodb:{operation}", _table(params)
    else:
        yield f"dynamodb:{operation}", "*"


def _sqs(operation: str, params: dict[str, Any]) -> Iterator[tuple[str, str]]:
    has_queue = "QueueUrl" in params or "QueueName" in params
    yield f"sqs:{operation}", _queue(params) if has_queue else "*"


def _events(operation: str, params: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if operation == "PutEvents":
        for entry in params.get("Entries", []):
            yield "events:PutEvents", _bus(entry.get("EventBusName"))
    elif operation in ("DescribeRule", "ListTargetsByRule"):
        name = params.get("Name") or params.get("Rule")
        bus = params.get("EventBusName")
        path = f"rule/{name}" if bus in (None, "default") else f"rule/{bus}/{name}"
        yield f"events:{operation}", _arn("events", path)
    elif operation in ("DescribeArchive",):
        yield f"events:{operation}", _arn("events", f"archive/{params['ArchiveName']}")
    elif operation in ("StartReplay", "DescribeReplay", "CancelReplay"):
        # the command names each replay after the time it starts: one template for all
        yield f"events:{operation}", _arn("events", f"replay/{REPLAY_NAME}")
    elif operation == "DescribeEventBus":
        yield f"events:{operation}", _bus(params.get("Name"))
    else:
        yield f"events:{operation}", "*"


def _route53(operation: str, params: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if "HealthCheckId" in params:
        yield f"route53:{operation}", f"arn:aws:route53:::healthcheck/{HEALTH_CHECK_ID}"
    else:
        yield f"route53:{operation}", "*"


RESOLVERS: dict[str, Resolver] = {
    "dynamodb": _dynamodb,
    "dynamodbstreams": lambda op, params: _dynamodb(op, params),
    "sqs": _sqs,
    "events": _events,
    "route53": _route53,
}


def call_resources(
    service: str, operation: str, params: dict[str, Any], region: str
) -> Iterator[tuple[str, str]]:
    """(IAM action, resource ARN) pairs the call is authorised against."""
    del region  # the ARNs carry ${Region}: the client's region is the resource's for our calls
    resolver = RESOLVERS.get(service)
    if resolver is None:
        yield f"{service}:{operation}", "*"
        return
    yield from resolver(operation, params)
