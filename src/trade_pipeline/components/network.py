"""One region's private network (``networkMode: vpc``): VPC, subnets, security groups, flow logs.

    VPC (the region's CIDR, DNS support + hostnames; no internet gateway, no NAT)
      private subnets, one per availability zone, ranges split from the VPC's CIDR
      one route table (local routes only; the DynamoDB gateway endpoint adds its prefix list)
      security group "functions": egress HTTPS to the endpoints' group and to DynamoDB's
          prefix list, nothing else, no ingress
      security group "endpoints": ingress HTTPS from the functions' group only
      the VPC's default security group, stripped of every rule
      optional flow logs (all traffic) into a log group with bounded retention

Availability zones are chosen by id (``use1-az1``...), the first ``availabilityZones`` of the
region's zones that need no opt-in and where the interface endpoint services are offered, in id
order: ids name the same physical zone in every
account (names like ``us-east-1a`` are shuffled per account), so two accounts of one firm land
in the same zones. The endpoints come in :mod:`~trade_pipeline.components.endpoints`, once the
resources they grant access to exist; functions are attached by
:mod:`~trade_pipeline.components.attachment`.

Teardown: the subnets and the security groups Lambda's interfaces sit in depend on every
function's teardown grant (``<function>-vpc-teardown``, the interface permissions that name no
network resource), so ``pulumi destroy`` deletes them before the grants, while Lambda still
releases a deleted function's interfaces with the function's role. The grants are made after
the network (with the functions), so these dependencies are an output that resolves once the
program has declared everything (the program's code runs without yielding to the event loop,
so a callback scheduled on it runs after the last declaration; a resource created inside an
``apply`` comes later, and a function created there is refused with one line).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from trade_pipeline import iam
from trade_pipeline.components.context import RegionalContext
from trade_pipeline.config.errors import CONFIG_NAMESPACE, ConfigError
from trade_pipeline.config.network import parse_cidr, private_subnets
from trade_pipeline.iam.network_services import endpoint_service_name

__all__ = ["HTTPS", "RegionalNetwork"]

HTTPS = 443


# The interface endpoints go into every private subnet (components/endpoints.py), and an
# endpoint service is offered only in some zones: "The VPC endpoint service ... does not support
# the Availability Zone of the subnet" otherwise. Its zones are what DescribeVpcEndpointServices
# returns (https://repost.aws/knowledge-center/interface-endpoint-availability-zone).
INTERFACE_ENDPOINT_SERVICES = ("sqs",)


def _usable_zone_ids(
    wanted: int, region: str, services: Sequence[str]
) -> Callable[[Sequence[Any]], list[str]]:
    """The first ``wanted`` zone ids, in id order, among the region's zones without opt-in that
    every interface endpoint service is offered in (the services answer with zone names, which
    differ per account: they are mapped to ids through the account's own zone list)."""

    def pick(answers: Sequence[Any]) -> list[str]:
        names, ids, *offered = answers
        by_name = dict(zip(names, ids, strict=True))
        usable = set(by_name)
        for zones in offered:
            usable &= set(zones)
        chosen = sorted(by_name[name] for name in usable)
        if len(chosen) < wanted:  # the config asks for more than the region has: the user's input
            raise ConfigError(
                [
                    f"config error: {CONFIG_NAMESPACE}:availabilityZones = {wanted}: {region} "
                    f"offers {len(chosen)} zones without opt-in where the "
                    f"{', '.join(services)} endpoint service is offered"
                ]
            )
        return chosen[:wanted]

    return pick


def _nth(index: int) -> Callable[[Sequence[str]], str]:
    return lambda ids: ids[index]


class RegionalNetwork(pulumi.ComponentResource):
    """The VPC of one region, its private subnets and the functions' security group."""

    vpc: aws.ec2.Vpc
    subnets: list[aws.ec2.Subnet]
    route_table: aws.ec2.RouteTable
    default_security_group: aws.ec2.DefaultSecurityGroup
    function_security_group: aws.ec2.SecurityGroup
    endpoint_security_group: aws.ec2.SecurityGroup
    flow_log: aws.ec2.FlowLog | None

    def __init__(
        self, name: str, context: RegionalContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("trade-pipeline:index:RegionalNetwork", name, None, opts)
        self._logical_name, self._ctx = name, context
        self._teardown_grants: list[pulumi.Resource] = []
        self._teardown_closed: asyncio.Future[list[pulumi.Resource]] = asyncio.Future()
        asyncio.get_event_loop().call_soon(self._close_teardown_grants)
        self._create_vpc()
        self._create_subnets()
        self._create_security_groups()
        self.flow_log = self._create_flow_logs() if context.config.vpc_flow_logs else None
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "subnet_ids": self.subnet_ids,
                "function_security_group_id": self.function_security_group.id,
            }
        )

    @property
    def subnet_ids(self) -> list[pulumi.Output[str]]:
        return [subnet.id for subnet in self.subnets]

    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return self._ctx.child_options(self, *depends_on)

    # --- teardown: what holds Lambda's interfaces is deleted before the teardown grants ----
    def add_teardown_grant(self, grant: pulumi.Resource) -> None:
        """``grant`` (a function's ``<function>-vpc-teardown``) is deleted only after this
        network's subnets and security groups. It must not depend on the network."""
        if self._teardown_closed.done():
            raise ValueError(
                f"{self._logical_name}: teardown grant {grant.pulumi_resource_name} comes after "
                "the network's subnets were registered; declare every function in the "
                "program's own code, not inside an apply"
            )
        self._teardown_grants.append(grant)

    def _close_teardown_grants(self) -> None:
        """The program has declared everything: the subnets and groups register, depending on
        every grant added so far (also when the program failed: nothing waits forever)."""
        if not self._teardown_closed.done():
            self._teardown_closed.set_result(list(self._teardown_grants))

    def _holds_interfaces(self) -> pulumi.ResourceOptions:
        """Options of a subnet or group Lambda's interfaces sit in: deleted before the grants
        Lambda releases them with (Pulumi deletes a resource before what it depends on)."""
        after: pulumi.Output[list[pulumi.Resource]] = pulumi.Output.from_input(
            self._teardown_closed
        )
        return pulumi.ResourceOptions.merge(self._child(), pulumi.ResourceOptions(depends_on=after))

    def _tags(self, what: str) -> dict[str, str]:
        names = self._ctx.naming
        return {"Name": f"{names.prefix}-{names.suffix}-{self._ctx.region}-{what}"}

    # --- step 1: the VPC, its default security group locked down --------------------------
    def _create_vpc(self) -> None:
        cidr = parse_cidr(self._ctx.config.vpc_cidrs[self._ctx.region])
        self.vpc = aws.ec2.Vpc(
            f"{self._logical_name}-vpc",
            cidr_block=str(cidr),
            # Interface endpoints with private DNS need both.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags("vpc"),
            opts=self._child(),
        )
        # AWS gives every VPC a default group that allows all egress; nothing uses it, and
        # managing it with no rules removes them. It is also what a function's interfaces are
        # moved to before the function is deleted (components/attachment.py): no rule, no traffic.
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            f"{self._logical_name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags=self._tags("default-no-rules"),
            opts=self._holds_interfaces(),
        )

    # --- step 2: private subnets and their route table ------------------------------------
    def _create_subnets(self) -> None:
        cfg, region = self._ctx.config, self._ctx.region
        zones = aws.get_availability_zones_output(
            state="available",
            filters=[
                aws.GetAvailabilityZonesFilterArgs(
                    name="opt-in-status", values=["opt-in-not-required"]
                )
            ],
            opts=self._ctx.providers.invoke_opts(region),
        )
        services = [
            aws.ec2.get_vpc_endpoint_service_output(
                service_name=endpoint_service_name(region, service),
                service_type="Interface",
                opts=self._ctx.providers.invoke_opts(region),
            )
            for service in INTERFACE_ENDPOINT_SERVICES
        ]
        zone_ids = pulumi.Output.all(
            zones.names, zones.zone_ids, *(s.availability_zones for s in services)
        ).apply(_usable_zone_ids(cfg.availability_zones, region, INTERFACE_ENDPOINT_SERVICES))
        blocks = private_subnets(parse_cidr(cfg.vpc_cidrs[region]), cfg.availability_zones)
        self.route_table = aws.ec2.RouteTable(
            f"{self._logical_name}-private-routes",
            vpc_id=self.vpc.id,
            tags=self._tags("private"),
            opts=self._child(),
        )
        self.subnets = []
        for index, block in enumerate(blocks):
            subnet = aws.ec2.Subnet(
                f"{self._logical_name}-private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=str(block),
                availability_zone_id=zone_ids.apply(_nth(index)),
                map_public_ip_on_launch=False,
                tags=self._tags(f"private-{index}"),
                opts=self._holds_interfaces(),
            )
            aws.ec2.RouteTableAssociation(
                f"{self._logical_name}-private-{index}-routes",
                subnet_id=subnet.id,
                route_table_id=self.route_table.id,
                opts=self._child(),
            )
            self.subnets.append(subnet)

    # --- step 3: security groups -----------------------------------------------------------
    def _create_security_groups(self) -> None:
        name, names = self._logical_name, self._ctx.naming
        self.function_security_group = aws.ec2.SecurityGroup(
            f"{name}-functions-sg",
            name=names.security_group("functions"),
            description="Functions: HTTPS to the VPC endpoints and DynamoDB only",
            vpc_id=self.vpc.id,
            revoke_rules_on_delete=True,
            opts=self._holds_interfaces(),
        )
        self.endpoint_security_group = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            name=names.security_group("endpoints"),
            description="Interface endpoints: HTTPS from the functions only",
            vpc_id=self.vpc.id,
            revoke_rules_on_delete=True,
            opts=self._child(),
        )
        dynamodb = aws.ec2.get_managed_prefix_list_output(
            name=f"com.amazonaws.{self._ctx.region}.dynamodb",
            opts=self._ctx.providers.invoke_opts(self._ctx.region),
        )
        functions, endpoints = self.function_security_group, self.endpoint_security_group
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-functions-to-endpoints",
            security_group_id=functions.id,
            referenced_security_group_id=endpoints.id,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            description="HTTPS to the interface endpoints",
            opts=self._child(),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-functions-to-dynamodb",
            security_group_id=functions.id,
            prefix_list_id=dynamodb.id,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            description="HTTPS to DynamoDB through its gateway endpoint",
            opts=self._child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-from-functions",
            security_group_id=endpoints.id,
            referenced_security_group_id=functions.id,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            description="HTTPS from the functions",
            opts=self._child(),
        )

    # --- step 4: flow logs (optional) ------------------------------------------------------
    def _create_flow_logs(self) -> aws.ec2.FlowLog:
        ctx, name = self._ctx, self._logical_name
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=ctx.naming.flow_log_group,
            retention_in_days=ctx.config.vpc_flow_log_retention_days,
            opts=self._child(),
        )
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            name=ctx.naming.flow_log_role(ctx.region),
            description=f"VPC flow-log delivery in {ctx.region}",
            assume_role_policy=pulumi.Output.from_input(ctx.account_id).apply(
                lambda acct: json.dumps(iam.flow_logs_trust_policy(acct))
            ),
            opts=self._child(),
        )
        policy = aws.iam.RolePolicy(
            f"{name}-flow-logs-role-policy",
            name="flow-log-delivery",
            role=role.id,
            policy=log_group.arn.apply(lambda arn: json.dumps(iam.flow_logs_policy(arn))),
            opts=self._child(),
        )
        return aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._tags("flow-log"),
            opts=self._child(policy),
        )
