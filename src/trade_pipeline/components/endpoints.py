"""One region's VPC endpoints: the only way out of the private subnets.

A gateway endpoint for DynamoDB (a route on the subnets' route table; no charge) and an
interface endpoint, private DNS on, in every subnet, for each other service the functions call
from inside the VPC: today SQS (the processor and the conflict detector send to the rejected-events
queue). Lambda delivers logs, EMF metrics (log lines) and X-Ray traces itself, outside the
function's network, so there is no endpoint for CloudWatch Logs, CloudWatch or X-Ray
(``trade_pipeline.iam.network_services``). Every endpoint has a policy naming the actions and the
exact resources of this stack, for principals of this account only.

Interface endpoints cost money per availability zone and hour (docs/network.md), which is why
each one must be justified by a call the code makes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.context import RegionalContext
from trade_pipeline.components.network import RegionalNetwork
from trade_pipeline.iam.network_services import GATEWAY_SERVICES, endpoint_service_name

__all__ = ["EndpointGrant", "RegionalEndpoints", "RegionalEndpointsArgs"]


@dataclass(frozen=True)
class EndpointGrant:
    """What the functions do to one service through its endpoint, on which resources."""

    service: str  # IAM prefix: dynamodb, sqs...
    actions: Sequence[str]
    resources: Sequence[pulumi.Input[str]]


@dataclass(frozen=True)
class RegionalEndpointsArgs:
    context: RegionalContext
    network: RegionalNetwork
    grants: Sequence[EndpointGrant]


class RegionalEndpoints(pulumi.ComponentResource):
    """A gateway or interface endpoint per service the region's functions call."""

    endpoints: dict[str, aws.ec2.VpcEndpoint]

    def __init__(
        self, name: str, args: RegionalEndpointsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalEndpoints", name, None, opts)
        self._logical_name, self._ctx, self._network = name, args.context, args.network
        self.endpoints = {grant.service: self._endpoint(grant) for grant in args.grants}
        self.register_outputs({s: e.id for s, e in self.endpoints.items()})

    def _endpoint(self, grant: EndpointGrant) -> aws.ec2.VpcEndpoint:
        ctx, network = self._ctx, self._network
        policy = pulumi.Output.all(ctx.account_id, *grant.resources).apply(
            lambda a: json.dumps(iam.vpc_endpoint_policy(grant.actions, a[1:], a[0]))
        )
        gateway = grant.service in GATEWAY_SERVICES
        return aws.ec2.VpcEndpoint(
            f"{self._logical_name}-{grant.service}",
            vpc_id=network.vpc.id,
            service_name=endpoint_service_name(ctx.region, grant.service),
            policy=policy,
            # A gateway endpoint is a route in the subnets' route table; an interface endpoint
            # is a network interface in every subnet, answering the service's own DNS name.
            vpc_endpoint_type="Gateway" if gateway else "Interface",
            route_table_ids=[network.route_table.id] if gateway else None,
            subnet_ids=None if gateway else network.subnet_ids,
            security_group_ids=None if gateway else [network.endpoint_security_group.id],
            private_dns_enabled=None if gateway else True,
            tags={"Name": f"{ctx.naming.prefix}-{ctx.naming.suffix}-{grant.service}"},
            opts=ctx.child_options(self),
        )
