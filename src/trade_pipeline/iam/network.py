"""Policies of private networking: a function's VPC access, endpoints, flow logs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trade_pipeline.iam._base import PolicyDocument, _doc, _service_allow

ENI_CREATE_ACTIONS = ("ec2:CreateNetworkInterface",)
ENI_MANAGE_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:DeleteNetworkInterface",
    "ec2:UnassignPrivateIpAddresses",
)
# No resource type (the Service Authorization Reference): Resource "*" is the only form AWS
# accepts, so they are scoped by the ec2:Region condition instead.
ENI_DESCRIBE_ACTIONS = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
LAMBDA_VPC_ACTIONS = (*ENI_CREATE_ACTIONS, *ENI_MANAGE_ACTIONS, *ENI_DESCRIBE_ACTIONS)


@dataclass(frozen=True)
class FunctionNetwork:
    """The VPC, subnets and security group a region's functions are attached to."""

    partition: str
    region: str
    account_id: str
    vpc_id: str
    subnet_ids: Sequence[str]
    security_group_ids: Sequence[str]

    def arn(self, resource: str) -> str:
        return f"arn:{self.partition}:ec2:{self.region}:{self.account_id}:{resource}"


def function_vpc_access_policy(net: FunctionNetwork) -> PolicyDocument:
    """The network permissions Lambda uses, through a function's role, to attach it to a VPC.

    AWS picks the network interfaces' ids at run time, so they are named ``network-interface/*``
    and scoped by what AWS does let a policy name: creation needs the exact subnets and security
    group as well (the request names them, and each is a resource of the action); the other ENI
    actions carry an ``ec2:Vpc`` condition (the interface must be in this VPC); the two Describe
    actions have no resource type and are limited to this region.
    """
    interfaces = net.arn("network-interface/*")
    return _doc(
        {
            "Sid": "CreateInterfacesInOwnSubnets",
            "Effect": "Allow",
            "Action": list(ENI_CREATE_ACTIONS),
            "Resource": [
                interfaces,
                *sorted(net.arn(f"subnet/{s}") for s in net.subnet_ids),
                *sorted(net.arn(f"security-group/{g}") for g in net.security_group_ids),
            ],
        },
        {
            "Sid": "ManageInterfacesInOwnVpc",
            "Effect": "Allow",
            "Action": list(ENI_MANAGE_ACTIONS),
            "Resource": [interfaces],
            "Condition": {"ArnEquals": {"ec2:Vpc": net.arn(f"vpc/{net.vpc_id}")}},
        },
        {
            "Sid": "DescribeNoResourceType",
            "Effect": "Allow",
            "Action": list(ENI_DESCRIBE_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {"ec2:Region": net.region}},
        },
    )


def vpc_endpoint_policy(
    actions: Sequence[str], resources: Sequence[str], account_id: str
) -> PolicyDocument:
    """A VPC endpoint's policy: only these actions, on this stack's resources, by principals of
    this account. Everything else through the endpoint is refused, even with valid credentials."""
    return _doc(
        {
            "Sid": "ThisStackOnly",
            "Effect": "Allow",
            "Principal": "*",
            "Action": sorted(actions),
            "Resource": sorted(resources),
            "Condition": {"StringEquals": {"aws:PrincipalAccount": account_id}},
        }
    )


def flow_logs_trust_policy(account_id: str) -> PolicyDocument:
    """Only VPC Flow Logs, on behalf of this account, may assume the delivery role."""
    return _doc(
        _service_allow("FlowLogsAssumeRole", "vpc-flow-logs", "sts:AssumeRole", None, account_id)
    )


def flow_logs_policy(log_group_arn: str) -> PolicyDocument:
    """Flow-log delivery into its one log group (the actions AWS's flow-log guide lists, minus
    CreateLogGroup: the stack creates the group, with its retention)."""
    log_group = log_group_arn.removesuffix(":*")
    return _doc(
        {
            "Sid": "OwnLogGroupStreams",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group}:log-stream:*"],
        },
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:DescribeLogStreams"],
            "Resource": [log_group],
        },
        {
            "Sid": "DescribeNoResourceType",
            "Effect": "Allow",
            "Action": ["logs:DescribeLogGroups"],
            "Resource": "*",
        },
    )
