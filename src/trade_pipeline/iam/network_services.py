"""Which AWS services a function inside a VPC reaches through the VPC, and by which endpoint.

Pure data and functions (no Pulumi), shared by the endpoint component and the compliance rule
that checks every service a function calls has a route, so the two cannot disagree.

A function's calls are read from its role: each allowed action's service prefix, except

- services Lambda itself serves outside the function's VPC: CloudWatch Logs (Lambda ships the
  function's stdout, EMF metrics included), X-Ray (Lambda's tracing sends the segments) and the
  EC2 network-interface actions (Lambda manages the function's interfaces);
- statements whose ``kms:ViaService`` condition says another service makes the call (DynamoDB
  uses the table key on the function's behalf).

>>> services_called([{"Effect": "Allow", "Action": ["sqs:SendMessage", "logs:PutLogEvents"]}])
['sqs']
>>> endpoint_service_name("us-east-1", "cloudwatch")
'com.amazonaws.us-east-1.monitoring'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

__all__ = [
    "GATEWAY_SERVICES",
    "SERVED_OUTSIDE_THE_VPC",
    "endpoint_service_name",
    "services_called",
]

# IAM prefixes whose calls Lambda makes outside the function's network path.
SERVED_OUTSIDE_THE_VPC: Final = frozenset({"logs", "xray", "ec2"})
# Services reached through a gateway endpoint (a route in the subnets' route tables, free).
GATEWAY_SERVICES: Final = frozenset({"dynamodb", "s3"})
# IAM prefix -> endpoint service name where the two differ.
_ENDPOINT_NAMES: Final = {"cloudwatch": "monitoring"}


def endpoint_service_name(region: str, service: str) -> str:
    """The VPC endpoint service name of an IAM service prefix in ``region``."""
    return f"com.amazonaws.{region}.{_ENDPOINT_NAMES.get(service, service)}"


def _via_another_service(statement: Mapping[str, Any]) -> bool:
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    return any(
        isinstance(block, Mapping) and any(str(k).lower() == "kms:viaservice" for k in block)
        for block in condition.values()
    )


def services_called(statements: Iterable[Mapping[str, Any]]) -> list[str]:
    """IAM service prefixes a function with these Allow statements calls from its network."""
    services: set[str] = set()
    for statement in statements:
        if statement.get("Effect") != "Allow" or _via_another_service(statement):
            continue
        actions = statement.get("Action")
        for action in actions if isinstance(actions, list) else [actions]:
            prefix = str(action).partition(":")[0].lower()
            if prefix and prefix not in SERVED_OUTSIDE_THE_VPC:
                services.add(prefix)
    return sorted(services)
