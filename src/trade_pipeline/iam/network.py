"""Policies of private networking: a function's VPC access, endpoints, flow logs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trade_pipeline.iam._base import PolicyDocument, _doc, _service_allow

# Lambda's VPC page lists the execution role's permissions and the shape each must take:
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html (Required IAM permissions).
LAMBDA_VPC_PERMISSIONS_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html"
ENI_CREATE_ACTIONS = ("ec2:CreateNetworkInterface",)
# Lambda checks these when the function is created, before any interface exists, so no interface
# id (and no ec2:Vpc / ec2:Subnet, keys of an interface that does not exist yet) can satisfy the
# check: "Either specify a unique resource ID, or include all resource IDs, for example
# arn:aws:ec2:us-west-2:123456789012:*/*" (the page above). The refusal a network-interface/*
# grant gets: https://github.com/hashicorp/terraform-provider-aws/issues/20698. The allowlist
# entry LAMBDA_ENI_ALL_RESOURCES (policies/rules/iam.py) admits that form, for these actions only.
ENI_MANAGE_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:DeleteNetworkInterface",
    "ec2:UnassignPrivateIpAddresses",
)
# No resource type (the Service Authorization Reference): Resource "*" is the only form AWS
# accepts, and Lambda's page says DescribeNetworkInterfaces "only works if it's allowed on all
# resources"; ec2:Region is a condition key the reference lists for both, so it stays.
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


def all_resource_ids(partition: str, region: str, account_id: str) -> str:
    """``arn:<partition>:ec2:<region>:<account>:*/*``: the "all resource IDs" form Lambda's VPC
    page gives for the interface actions, limited to one region of one account."""
    return f"arn:{partition}:ec2:{region}:{account_id}:*/*"


def function_vpc_access_policy(net: FunctionNetwork) -> PolicyDocument:
    """The one network permission of a function's role that names the network: interfaces may
    be created only in its subnets, with its security groups (each is a resource of
    CreateNetworkInterface and the request names them; LAMBDA_VPC_PERMISSIONS_PAGE).

    The other interface actions are in :func:`function_vpc_teardown_policy`, which names no
    network resource, so that it can outlive the subnets and groups on destroy.
    """
    return _doc(
        {
            "Sid": "CreateInterfacesInOwnSubnets",
            "Effect": "Allow",
            "Action": list(ENI_CREATE_ACTIONS),
            "Resource": [
                net.arn("network-interface/*"),
                *sorted(net.arn(f"subnet/{s}") for s in net.subnet_ids),
                *sorted(net.arn(f"security-group/{g}") for g in net.security_group_ids),
            ],
        },
    )


def function_vpc_teardown_policy(partition: str, region: str, account_id: str) -> PolicyDocument:
    """The interface permissions Lambda uses, through a function's role, to release (and
    manage) its interfaces, in the shape its creation-time check accepts
    (LAMBDA_VPC_PERMISSIONS_PAGE): delete / assign / unassign on all resource ids of this region
    and account, without condition (the check runs before an interface exists, so an interface
    ARN or an ``ec2:Vpc`` condition fails it); the two Describe actions, which have no resource
    type, limited to this region.

    It takes no network on purpose: a policy that names no subnet or group depends on none, so
    the subnets and groups can depend on it and Pulumi deletes it only after them, while Lambda
    removes a deleted function's interfaces with this role (components/attachment.py).
    """
    return _doc(
        {
            "Sid": "ManageInterfacesAllResourceIds",
            "Effect": "Allow",
            "Action": list(ENI_MANAGE_ACTIONS),
            "Resource": [all_resource_ids(partition, region, account_id)],
        },
        {
            "Sid": "DescribeNoResourceType",
            "Effect": "Allow",
            "Action": list(ENI_DESCRIBE_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {"ec2:Region": region}},
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
