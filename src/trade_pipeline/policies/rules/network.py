"""Private networking (``networkMode: vpc``): functions in the VPC, no way out but endpoints.

The rules judge what the stack holds: a stack with no VPC (``networkMode: none``) has nothing
for them to examine and passes. As soon as one VPC exists, every function of every region must
be in its region's VPC, and the network must offer no route to the internet.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any, Final

from trade_pipeline import resource_types as rt
from trade_pipeline.iam.network import LAMBDA_VPC_PERMISSIONS_PAGE
from trade_pipeline.iam.network_services import (
    GATEWAY_SERVICES,
    endpoint_service_name,
    services_called,
)
from trade_pipeline.policies.model import Finding, ResourceView, StackView, run_per_resource
from trade_pipeline.policies.registry import resource_rule, stack_rule
from trade_pipeline.policies.values import (
    as_list,
    get,
    known,
    permission_policies,
    policy_document,
    read,
    statements,
)

__all__ = [
    "network_endpoint_policies_scoped",
    "network_functions_in_vpc",
    "network_no_internet_path",
    "network_no_open_security_group_rules",
    "network_region_cidrs_disjoint",
    "network_service_routes",
]

_OPEN: Final = frozenset({"0.0.0.0/0", "::/0"})
_SG_RULE_TYPES: Final = (
    rt.SECURITY_GROUP,
    rt.DEFAULT_SECURITY_GROUP,
    rt.SECURITY_GROUP_RULE,
    rt.SG_EGRESS_RULE,
    rt.SG_INGRESS_RULE,
)
_INTERNET_TYPES: Final = (rt.INTERNET_GATEWAY, rt.EGRESS_ONLY_INTERNET_GATEWAY, rt.NAT_GATEWAY)


# ----------------------------------------------------------------------- stack readers --
def _id(resource: ResourceView) -> Any:
    return known(resource.output("id"), f"{resource.name}.id")


def _vpc_of_region(stack: StackView) -> dict[str, ResourceView]:
    return {v.region: v for v in stack.of_type(rt.VPC) if v.region}


def _in_vpc(stack: StackView, type_: str, vpc: ResourceView) -> dict[str, ResourceView]:
    """id -> resource of ``type_`` whose ``vpcId`` is ``vpc``'s id."""
    vpc_id = _id(vpc)
    return {
        _id(r): r
        for r in stack.of_type(type_)
        if r.region == vpc.region and read(r.props, "vpcId") == vpc_id
    }


def _role_policy_resources(stack: StackView, fn: ResourceView) -> list[ResourceView]:
    """The ``RolePolicy`` resources of a function's role."""
    role_arn = read(fn.props, "role")
    roles = [r for r in stack.of_type(rt.ROLE) if r.output("arn") == role_arn]
    names = {str(role_arn).rsplit("/", 1)[-1]} | {str(r.props.get("name")) for r in roles}
    return [p for p in stack.of_type(rt.ROLE_POLICY) if read(p.props, "role") in names]


def _role_policies(stack: StackView, fn: ResourceView) -> list[dict[str, Any]]:
    """The permission policy documents of a function's role (inline and RolePolicy)."""
    role_arn = read(fn.props, "role")
    roles = [r for r in stack.of_type(rt.ROLE) if r.output("arn") == role_arn]
    docs = [doc for role in roles for _, doc in permission_policies(role)]
    for policy in _role_policy_resources(stack, fn):
        docs.extend(doc for _, doc in permission_policies(policy))
    return docs


def _allows(policy: ResourceView, action: str) -> bool:
    return any(
        s.get("Effect") == "Allow" and action in {str(a).lower() for a in as_list(s.get("Action"))}
        for _, doc in permission_policies(policy)
        for s in statements(doc)
    )


# Lambda releases a deleted function's interfaces afterwards, with the function's role ("Lambda
# uses your function's permissions to create and manage network interfaces",
# LAMBDA_VPC_PERMISSIONS_PAGE); a subnet or group that
# still holds one cannot be deleted (DependencyViolation,
# https://github.com/terraform-aws-modules/terraform-aws-lambda/issues/310). Pulumi deletes a
# resource before what it depends on: what holds the interfaces must depend on the permission.
def _not_outliving_the_network(
    stack: StackView, fn: ResourceView, holders: list[ResourceView]
) -> list[str]:
    """Names of ``holders`` that depend on no policy of ``fn``'s role allowing
    ``ec2:DeleteNetworkInterface``."""
    grants = {
        p.urn for p in _role_policy_resources(stack, fn) if _allows(p, "ec2:deletenetworkinterface")
    }
    return sorted(h.name for h in holders if not grants & set(h.dependencies))


# ---------------------------------------------------------------------------- rules --
@stack_rule(
    "network-functions-in-vpc",
    types=[rt.FUNCTION, rt.VPC],
    message="Let components/attachment.py attach every function: create it with its region's "
    "provider after build_stack's _private_networks; never set vpc_config by hand (the "
    "attachment also makes the subnets and groups depend on the function's teardown grant).",
    sources=(
        "checkov CKV_AWS_117",
        "AWS Security Hub Lambda.3",
        LAMBDA_VPC_PERMISSIONS_PAGE,
        "https://github.com/terraform-aws-modules/terraform-aws-lambda/issues/310",
    ),
)
def network_functions_in_vpc(stack: StackView) -> Iterator[Finding]:
    """With a VPC in the stack, every region has one and every function runs in its region's
    private subnets (two zones at least), with its security group and the ENI permissions; the
    subnets and groups its interfaces sit in depend on the policy that lets Lambda delete them,
    so that a destroy deletes that policy only after them."""
    vpcs = _vpc_of_region(stack)
    if not vpcs:
        return iter(())
    missing = [r for r in stack.regions if r not in vpcs]

    def check(fn: ResourceView) -> Iterator[str]:
        vpc = vpcs.get(fn.region or "")
        if vpc is None:
            yield f"no VPC in {fn.region}"
            return
        subnets, groups = _in_vpc(stack, rt.SUBNET, vpc), _in_vpc(stack, rt.SECURITY_GROUP, vpc)
        subnet_ids = as_list(read(fn.props, "vpcConfig", "subnetIds"))
        group_ids = as_list(read(fn.props, "vpcConfig", "securityGroupIds"))
        if not subnet_ids or not group_ids:
            yield "not attached to a VPC (no vpcConfig subnets and security groups)"
            return
        if foreign := [s for s in subnet_ids if s not in subnets]:
            yield f"subnets {foreign} are not private subnets of {vpc.name}"
        zones = {read(subnets[s].props, "availabilityZoneId") for s in subnet_ids if s in subnets}
        if len(zones) < 2:
            yield f"subnets in {len(zones)} availability zone(s); at least 2"
        if foreign_groups := [g for g in group_ids if g not in groups]:
            yield f"security groups {foreign_groups} are not groups of {vpc.name}"
        actions = {
            str(a).lower()
            for doc in _role_policies(stack, fn)
            for s in statements(doc)
            if s.get("Effect") == "Allow"
            for a in as_list(s.get("Action"))
        }
        if "ec2:createnetworkinterface" not in actions:
            yield "its role cannot create the network interfaces Lambda attaches it with"
        replacements = as_list(read(fn.props, "replacementSecurityGroupIds"))
        defaults = {_id(d): d for d in stack.of_type(rt.DEFAULT_SECURITY_GROUP)}
        holders = [
            *(subnets[s] for s in subnet_ids if s in subnets),
            *(groups[g] for g in group_ids if g in groups),
            *(defaults[g] for g in replacements if g in defaults),
        ]
        if early := _not_outliving_the_network(stack, fn, holders):
            yield (
                f"{', '.join(early)} depend on no policy of its role allowing "
                "ec2:DeleteNetworkInterface: a destroy deletes that permission before Lambda "
                "has released the function's interfaces in them"
            )

    findings = [Finding(f"{r} has no VPC", f"region {r}") for r in missing]
    return iter([*findings, *run_per_resource(stack.of_type(rt.FUNCTION), check)])


def _open_cidrs(value: Any) -> Iterator[str]:
    """Every open CIDR anywhere in a security group's or rule's inputs."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _open_cidrs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _open_cidrs(item)
    elif isinstance(value, str) and value.strip() in _OPEN:
        yield value.strip()


@resource_rule(
    "network-no-open-security-group-rules",
    types=_SG_RULE_TYPES,
    message="Open no security group to 0.0.0.0/0 or ::/0: reference the endpoints' group or a "
    "managed prefix list (components/network.py).",
    sources=("checkov CKV2_AWS_12", "AWS Security Hub EC2.2", "AWS Security Hub EC2.18"),
)
def network_no_open_security_group_rules(resource: ResourceView) -> Iterator[str]:
    """No security group rule allows 0.0.0.0/0 or ::/0, inbound or outbound."""
    keys = ("ingress", "egress", "cidrBlocks", "ipv6CidrBlocks", "cidrIpv4", "cidrIpv6")
    for key in keys:
        for cidr in sorted(set(_open_cidrs(known(resource.props.get(key), key)))):
            yield f"{key} allows {cidr}"


@resource_rule(
    "network-no-internet-path",
    types=[*_INTERNET_TYPES, rt.ROUTE, rt.ROUTE_TABLE, rt.SUBNET],
    message="Keep the subnets private: no internet or NAT gateway, no default route, no public "
    "IPs; reach AWS services through VPC endpoints.",
    sources=("checkov CKV_AWS_130", "AWS Security Hub EC2.15"),
)
def network_no_internet_path(resource: ResourceView) -> Iterator[str]:
    """No internet gateway, NAT gateway, default route or public IP on launch."""
    if resource.type in _INTERNET_TYPES:
        yield f"{rt.short(resource.type)} gives the VPC a path to the internet"
    elif resource.type == rt.SUBNET:
        if get(resource.props, "mapPublicIpOnLaunch") is True:
            yield "subnet gives public IPs on launch"
    else:
        routes = (
            as_list(resource.props.get("routes"))
            if resource.type == rt.ROUTE_TABLE
            else [resource.props]
        )
        for route in routes:
            for key in _ROUTE_DESTINATIONS:
                if get(route, key) in _OPEN:
                    yield f"route to {get(route, key)}"


_ROUTE_DESTINATIONS: Final = (
    "cidrBlock",
    "ipv6CidrBlock",
    "destinationCidrBlock",
    "destinationIpv6CidrBlock",
)


def _endpoints(stack: StackView, vpc: ResourceView) -> dict[str, ResourceView]:
    """service name -> endpoint of ``vpc`` that routes to it."""
    found = {}
    for endpoint in _in_vpc(stack, rt.VPC_ENDPOINT, vpc).values():
        kind = str(get(endpoint.props, "vpcEndpointType") or "Gateway")
        routes = {
            "Gateway": bool(as_list(get(endpoint.props, "routeTableIds"))),
            "Interface": get(endpoint.props, "privateDnsEnabled") is True,
        }
        if routes.get(kind):
            found[str(get(endpoint.props, "serviceName"))] = endpoint
    return found


@stack_rule(
    "network-service-routes",
    types=[rt.FUNCTION],
    message="Add an endpoint for the service in components/endpoints.py (gateway for DynamoDB "
    "and S3, interface with private DNS otherwise) with a policy naming the stack's resources.",
    sources=("AWS Lambda developer guide: VPC endpoints for functions without internet access",),
)
def network_service_routes(stack: StackView) -> Iterator[Finding]:
    """Every AWS service a function in a VPC calls has a route there: a gateway endpoint, or an
    interface endpoint with private DNS (the services are read from the function's role)."""
    vpcs = _vpc_of_region(stack)

    def check(fn: ResourceView) -> Iterator[str]:
        vpc = vpcs.get(fn.region or "")
        if vpc is None:
            return  # network-functions-in-vpc reports it
        routes = _endpoints(stack, vpc)
        calls = services_called(s for doc in _role_policies(stack, fn) for s in statements(doc))
        for service in calls:
            name = endpoint_service_name(str(fn.region), service)
            endpoint = routes.get(name)
            if endpoint is None:
                kind = "gateway" if service in GATEWAY_SERVICES else "interface"
                yield f"calls {service} but {vpc.name} has no {kind} endpoint {name}"

    if not vpcs:
        return iter(())
    return run_per_resource(stack.of_type(rt.FUNCTION), check)


def _is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS"))


@resource_rule(
    "network-endpoint-policies-scoped",
    types=[rt.VPC_ENDPOINT],
    message="Give every endpoint a policy (iam.vpc_endpoint_policy) naming exact actions and "
    "this stack's resources; without one AWS allows everything through it.",
    sources=("AWS PrivateLink guide: control access to VPC endpoints using endpoint policies",),
)
def network_endpoint_policies_scoped(resource: ResourceView) -> Iterator[str]:
    """Every VPC endpoint has a policy; none allows everyone without naming resources."""
    doc = policy_document(resource.props.get("policy"), "policy")
    if doc is None:
        yield "no endpoint policy: AWS's default allows any action on any resource"
        return
    for index, statement in enumerate(statements(doc)):
        if statement.get("Effect") != "Allow":
            continue
        where = statement.get("Sid") or f"Statement[{index}]"
        resources = [str(r) for r in as_list(statement.get("Resource"))]
        actions = [str(a) for a in as_list(statement.get("Action"))]
        if "NotResource" in statement or "NotAction" in statement:
            yield f"{where}: NotResource/NotAction in an Allow"
        if _is_everyone(statement.get("Principal")) and (not resources or "*" in resources):
            yield f"{where}: allows every principal on every resource"
        if any("*" in a for a in actions):
            yield f"{where}: wildcard action(s) {', '.join(a for a in actions if '*' in a)}"


@stack_rule(
    "network-region-cidrs-disjoint",
    types=[rt.VPC],
    message="Give each region its own range in vpcCidrs (they must not overlap: the VPCs may "
    "be peered or joined to a transit gateway later).",
    sources=("AWS VPC peering guide: overlapping CIDR blocks",),
)
def network_region_cidrs_disjoint(stack: StackView) -> Iterator[Finding]:
    """No two VPCs of the stack have overlapping CIDR blocks."""
    order = {region: index for index, region in enumerate(stack.regions)}
    networks = []
    for vpc in sorted(stack.of_type(rt.VPC), key=lambda v: (order.get(v.region or "", 99), v.name)):
        cidr = read(vpc.props, "cidrBlock")
        networks.append((vpc, ipaddress.ip_network(str(cidr), strict=False)))
    for index, (vpc, network) in enumerate(networks):
        for other, other_network in networks[index + 1 :]:
            if network.overlaps(other_network):
                yield Finding(
                    f"{network} ({vpc.region}) overlaps {other_network} ({other.region})",
                    other.name,
                    other.urn,
                )
