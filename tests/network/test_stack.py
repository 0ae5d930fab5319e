"""The private stack's plan: per region a VPC, private subnets in distinct zones, endpoints,
security groups and every function attached; the dev stack has none of it."""

from __future__ import annotations

import graphlib
import ipaddress
import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from tests.support.order import assert_same_items
from tests.support.plans import policy_doc
from trade_pipeline import resource_types as rt
from trade_pipeline.commands.network_report import network_summary, vpc_monthly_cost
from trade_pipeline.config.errors import ConfigError
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.preview import Plan, run_preview

REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
NETWORK_TYPES = (rt.VPC, rt.SUBNET, rt.SECURITY_GROUP, rt.VPC_ENDPOINT, rt.FLOW_LOG)


def of(plan: Plan, type_: str, region: str) -> list[Any]:
    return [r for r in plan.in_region(region) if r.type == type_]


def test_dev_stack_has_no_network_at_all(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    plan = run_preview(dev_stack_config, stack="dev", environ={}, artifact=lambda_artifact)
    assert not [r for r in plan.resources if r.type in NETWORK_TYPES]
    assert all("vpcConfig" not in f.inputs for f in plan.by_type(rt.FUNCTION))
    assert "network" not in plan.stack_outputs


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_has_a_private_vpc_with_subnets_in_distinct_zones(
    private_plan: Plan, region: str
) -> None:
    (vpc,) = of(private_plan, rt.VPC, region)
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True
    cidr = ipaddress.ip_network(private_plan.config["vpcCidrs"][region])
    assert vpc.inputs["cidrBlock"] == str(cidr)
    subnets = of(private_plan, rt.SUBNET, region)
    assert len(subnets) == private_plan.config["availabilityZones"] == 2
    assert len({s.inputs["availabilityZoneId"] for s in subnets}) == 2
    blocks = [ipaddress.ip_network(s.inputs["cidrBlock"]) for s in subnets]
    assert all(b.subnet_of(cidr) for b in blocks) and not blocks[0].overlaps(blocks[1])
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    for kind in (rt.INTERNET_GATEWAY, rt.NAT_GATEWAY, rt.EGRESS_ONLY_INTERNET_GATEWAY, rt.ROUTE):
        assert not private_plan.by_type(kind)
    (default_sg,) = of(private_plan, rt.DEFAULT_SECURITY_GROUP, region)
    assert default_sg.inputs["ingress"] == [] and default_sg.inputs["egress"] == []


@pytest.mark.parametrize("region", REGIONS)
def test_functions_reach_only_the_endpoints_and_dynamodb(private_plan: Plan, region: str) -> None:
    functions = of(private_plan, rt.FUNCTION, region)  # the processor and the detector
    assert len(functions) == 2
    subnets = {s.id for s in of(private_plan, rt.SUBNET, region)}
    assert all(set(f.inputs["vpcConfig"]["subnetIds"]) == subnets for f in functions)
    (sg_id,) = {g for f in functions for g in f.inputs["vpcConfig"]["securityGroupIds"]}
    groups = {g.name.rsplit("-", 2)[-2]: g for g in of(private_plan, rt.SECURITY_GROUP, region)}
    assert groups["functions"].id == sg_id
    egress = [r.inputs for r in of(private_plan, rt.SG_EGRESS_RULE, region)]
    assert {(e["securityGroupId"], e["fromPort"], e["toPort"]) for e in egress} == {
        (sg_id, 443, 443)
    }
    targets = {e.get("referencedSecurityGroupId") or e.get("prefixListId") for e in egress}
    (dynamodb,) = [e["prefixListId"] for e in egress if e.get("prefixListId")]
    assert targets == {groups["endpoints"].id, dynamodb}
    assert not any(e.get("cidrIpv4") or e.get("cidrIpv6") for e in egress)
    (ingress,) = of(private_plan, rt.SG_INGRESS_RULE, region)
    assert ingress.inputs["securityGroupId"] == groups["endpoints"].id
    assert ingress.inputs["referencedSecurityGroupId"] == sg_id


@pytest.mark.parametrize("region", REGIONS)
def test_endpoints_are_dynamodb_gateway_and_sqs_interface_with_scoped_policies(
    private_plan: Plan, region: str
) -> None:
    endpoints = {e.inputs["serviceName"]: e for e in of(private_plan, rt.VPC_ENDPOINT, region)}
    assert set(endpoints) == {f"com.amazonaws.{region}.dynamodb", f"com.amazonaws.{region}.sqs"}
    gateway = endpoints[f"com.amazonaws.{region}.dynamodb"]
    (route_table,) = of(private_plan, rt.ROUTE_TABLE, region)
    assert gateway.inputs["vpcEndpointType"] == "Gateway"
    assert gateway.inputs["routeTableIds"] == [route_table.id]
    interface = endpoints[f"com.amazonaws.{region}.sqs"]
    assert interface.inputs["vpcEndpointType"] == "Interface"
    assert interface.inputs["privateDnsEnabled"] is True
    assert set(interface.inputs["subnetIds"]) == {s.id for s in of(private_plan, rt.SUBNET, region)}
    table_arn = private_plan.stack_outputs["replicaArns"][region]
    rejected = private_plan.stack_outputs["regional"][region]["queueUrls"]["rejected-events"]
    (queue_arn,) = [
        q.outputs["arn"] for q in of(private_plan, rt.QUEUE, region) if q.outputs["url"] == rejected
    ]
    for endpoint, resources in ((gateway, [table_arn]), (interface, [queue_arn])):
        (statement,) = policy_doc(endpoint)["Statement"]
        assert statement["Resource"] == resources
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}


def _network_policies(plan: Plan, region: str, fn: Any) -> tuple[Any, Any]:
    """A function's ``<function>-vpc-access`` and ``<function>-vpc-teardown`` policies."""
    policies = {p.name: p for p in of(plan, rt.ROLE_POLICY, region)}
    return policies[f"{fn.name}-vpc-access"], policies[f"{fn.name}-vpc-teardown"]


def test_each_role_gets_the_eni_permissions_scoped_to_its_network(private_plan: Plan) -> None:
    for region, fn in ((r, f) for r in REGIONS for f in of(private_plan, rt.FUNCTION, r)):
        access, teardown = _network_policies(private_plan, region, fn)
        for policy in (access, teardown):
            assert fn.inputs["role"].endswith("/" + policy.inputs["role"])
            # Lambda checks every interface permission when it creates the function
            assert policy.urn in fn.dependencies
        (create,) = policy_doc(access)["Statement"]
        assert create["Sid"] == "CreateInterfacesInOwnSubnets"
        assert create["Action"] == ["ec2:CreateNetworkInterface"]
        assert_same_items(
            (r.rsplit("/", 1)[-1] for r in create["Resource"] if ":subnet/" in r),
            (s.id for s in of(private_plan, rt.SUBNET, region)),
            "subnets the function may create interfaces in",
        )
        statements = {s["Sid"]: s for s in policy_doc(teardown)["Statement"]}
        assert set(statements) == {"ManageInterfacesAllResourceIds", "DescribeNoResourceType"}
        manage, describe = (
            statements["ManageInterfacesAllResourceIds"],
            statements["DescribeNoResourceType"],
        )
        # Lambda checks these at creation, before any interface exists: "either specify a unique
        # resource ID, or include all resource IDs" (its VPC page); no interface condition
        assert manage["Resource"] == [f"arn:aws:ec2:{region}:123456789012:*/*"]
        assert "Condition" not in manage
        assert set(manage["Action"]) == {
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
        }
        assert describe["Resource"] == "*"
        assert describe["Condition"] == {"StringEquals": {"ec2:Region": region}}


@pytest.mark.parametrize("region", REGIONS)
def test_destroy_moves_interfaces_to_the_ruleless_default_group_which_creation_may_use(
    private_plan: Plan, region: str
) -> None:
    (default_sg,) = of(private_plan, rt.DEFAULT_SECURITY_GROUP, region)
    for fn in of(private_plan, rt.FUNCTION, region):
        assert fn.inputs["replaceSecurityGroupsOnDestroy"] is True
        assert fn.inputs["replacementSecurityGroupIds"] == [default_sg.id]
        assert default_sg.urn in fn.dependencies
        access, _ = _network_policies(private_plan, region, fn)
        (create,) = policy_doc(access)["Statement"]
        # the provider's update to the default group makes Lambda create interfaces in it
        assert (
            f"arn:aws:ec2:{region}:123456789012:security-group/{default_sg.id}"
            in (create["Resource"])
        )


def _delete_order(plan: Plan) -> list[str]:
    """URNs in an order ``pulumi destroy`` may delete them in: a resource only after every
    resource that depends on it and every child of it (the engine schedules deletes from
    dependencies and parents, pkg/resource/graph/dependency_graph.go, pulumi/pulumi). Raises
    ``graphlib.CycleError`` on a dependency cycle, which the engine could not register."""
    first: dict[str, set[str]] = {r.urn: set() for r in plan.resources}
    for resource in plan.resources:
        for needed in [*resource.dependencies, *([resource.parent] if resource.parent else [])]:
            first.setdefault(needed, set()).add(resource.urn)
    return list(graphlib.TopologicalSorter(first).static_order())


def assert_destroy_keeps_the_teardown_grants_last(plan: Plan) -> None:
    """In every region: each function, then the subnets and groups its interfaces sit in, then
    its teardown grant and its role. Each step is a direct dependency edge, so it holds in every
    order the engine may choose, not only in the one :func:`_delete_order` returns."""
    by_urn = plan.by_urn()
    position = {urn: index for index, urn in enumerate(_delete_order(plan))}
    for region in REGIONS:
        holders = [
            *of(plan, rt.SUBNET, region),
            *of(plan, rt.DEFAULT_SECURITY_GROUP, region),
            *[g for g in of(plan, rt.SECURITY_GROUP, region) if g.name.endswith("-functions-sg")],
        ]
        assert len(holders) == len(of(plan, rt.SUBNET, region)) + 2, region
        for fn in of(plan, rt.FUNCTION, region):
            access, teardown = _network_policies(plan, region, fn)
            role = by_urn[teardown.dependencies[0]] if len(teardown.dependencies) == 1 else None
            # the grant reads the role and nothing of the network (no cycle)
            assert role is not None and role.type == rt.ROLE, teardown.dependencies
            assert fn.inputs["role"] == role.outputs["arn"]
            for holder in holders:
                assert holder.urn in fn.dependencies  # the function goes first
                assert teardown.urn in holder.dependencies, (holder.name, teardown.name)
                assert position[fn.urn] < position[holder.urn] < position[teardown.urn]
            assert position[teardown.urn] < position[role.urn]
            # the access policy names the subnets: it goes before them, and is not needed then
            assert position[access.urn] < min(position[h.urn] for h in holders)


def test_destroy_deletes_the_network_before_the_grants_lambda_releases_interfaces_with(
    private_plan: Plan,
) -> None:
    assert_destroy_keeps_the_teardown_grants_last(private_plan)


def test_flow_logs_go_to_a_log_group_with_retention_through_a_scoped_role(
    private_plan: Plan,
) -> None:
    for region in REGIONS:
        (flow_log,) = of(private_plan, rt.FLOW_LOG, region)
        (vpc,) = of(private_plan, rt.VPC, region)
        assert flow_log.inputs["vpcId"] == vpc.id and flow_log.inputs["trafficType"] == "ALL"
        (group,) = [g for g in of(private_plan, rt.LOG_GROUP, region) if "flow-logs" in g.name]
        assert flow_log.inputs["logDestination"] == group.outputs["arn"]
        assert group.inputs["retentionInDays"] == private_plan.config["vpcFlowLogRetentionDays"]
        (policy,) = [p for p in of(private_plan, rt.ROLE_POLICY, region) if "flow-logs" in p.name]
        resources = json.dumps([s["Resource"] for s in policy_doc(policy)["Statement"]])
        assert group.outputs["arn"] in resources and "log-group:*" not in resources


def test_a_function_added_later_is_attached_too(
    private_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    """What the conflict detector does: one more function per region, no network code."""
    from trade_pipeline.stack import build_stack

    def with_extra_function(config: PipelineConfig) -> None:
        stack = build_stack(config, lambda_artifact)
        for region, pipeline in stack.pipelines.items():
            aws.lambda_.Function(
                f"extra-{region}",
                role=pipeline.role.arn,
                runtime=config.lambda_runtime,
                handler="x.handler",
                code=pulumi.FileArchive(str(lambda_artifact.path)),
                opts=pulumi.ResourceOptions(parent=pipeline, provider=stack.providers.get(region)),
            )

    plan = run_preview(
        private_stack_config, stack="private", environ={}, program=with_extra_function
    )
    for region in REGIONS:
        functions = of(plan, rt.FUNCTION, region)
        assert len(functions) == 3  # processor, detector, the extra one
        subnets = {s.id for s in of(plan, rt.SUBNET, region)}
        assert all(set(f.inputs["vpcConfig"]["subnetIds"]) == subnets for f in functions)
        assert network_summary(plan, region)["functions"] == "3/3"
    assert_destroy_keeps_the_teardown_grants_last(plan)  # the extra ones' grants too


def test_three_zones_give_three_subnets_and_more_than_a_region_has_fails(
    private_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    plan = run_preview(
        {**private_stack_config, "trade-pipeline:availabilityZones": 3},
        stack="private",
        environ={},
        artifact=lambda_artifact,
    )
    assert all(
        len({s.inputs["availabilityZoneId"] for s in of(plan, rt.SUBNET, r)}) == 3 for r in REGIONS
    )
    assert vpc_monthly_cost(plan, "us-east-1") == (3 * 730, pytest.approx(3 * 730 * 0.01), True)
    # Asking for more zones than a region offers stops the deployment naming the region (tested
    # on the picker itself: a failing program leaves the in-process mock engine unusable).
    from trade_pipeline.components.network import _usable_zone_ids

    names, ids = ["r-a", "r-b", "r-c"], ["r-az2", "r-az1", "r-az3"]  # names map per account
    assert _usable_zone_ids(2, "r", ["sqs"])([names, ids, names]) == ["r-az1", "r-az2"]
    with pytest.raises(ConfigError, match="availabilityZones = 4: r offers 3 zones"):
        _usable_zone_ids(4, "r", ["sqs"])([names, ids, names])


def test_zones_are_chosen_where_the_interface_endpoint_service_is_offered() -> None:
    from trade_pipeline.components.network import _usable_zone_ids

    names, ids = ["r-a", "r-b", "r-c"], ["r-az2", "r-az1", "r-az3"]
    # the endpoint service is not offered in r-b (r-az1): the first two usable ids are az2, az3
    assert _usable_zone_ids(2, "r", ["sqs"])([names, ids, ["r-a", "r-c"]]) == ["r-az2", "r-az3"]
    with pytest.raises(ConfigError) as error:
        _usable_zone_ids(3, "r", ["sqs"])([names, ids, ["r-a", "r-c"]])
    assert error.value.lines == [
        "config error: trade-pipeline:availabilityZones = 3: r offers 2 zones without opt-in "
        "where the sqs endpoint service is offered"
    ]


def test_the_preview_states_what_vpc_mode_adds_per_region(private_plan: Plan) -> None:
    """The figure ``trade-pipeline cost`` reads from the same plan, per region."""
    from trade_pipeline.cost.plan_facts import read_plan

    facts = read_plan(private_plan)
    for region in REGIONS:
        summary = network_summary(private_plan, region)
        # one interface endpoint (SQS) in two zones, all month
        assert summary["az_hours"] == 2 * 730 == facts.interface_endpoint_azs[region] * 730
        assert summary["monthly_usd"] == pytest.approx(14.6)
        assert_same_items(summary["endpoints"], ["dynamodb (gateway)", "sqs (interface)"])


def test_cidrs_alone_build_nothing_the_mode_decides(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    cidrs = {"us-east-1": "10.40.0.0/20", "us-west-2": "10.41.0.0/20", "eu-west-1": "10.42.0.0/20"}
    plan = run_preview(
        {**dev_stack_config, "trade-pipeline:vpcCidrs": cidrs},
        stack="dev",
        environ={},
        artifact=lambda_artifact,
    )
    assert not [r for r in plan.resources if r.type in NETWORK_TYPES]


def test_a_teardown_grant_after_the_network_has_registered_is_refused() -> None:
    """A function created inside an ``apply`` comes after the subnets' dependencies resolved:
    its grant could not be among them, so it is refused in one line rather than left out."""
    import asyncio
    from types import SimpleNamespace

    from trade_pipeline.components.network import RegionalNetwork

    loop = asyncio.new_event_loop()
    try:
        network = object.__new__(RegionalNetwork)
        network._logical_name, network._teardown_grants = "network-r", []
        network._teardown_closed = loop.create_future()
        network.add_teardown_grant(SimpleNamespace(pulumi_resource_name="early"))  # type: ignore[arg-type]
        network._close_teardown_grants()
        assert network._teardown_closed.result() == network._teardown_grants
        with pytest.raises(ValueError, match=r"^network-r: teardown grant late comes after"):
            network.add_teardown_grant(SimpleNamespace(pulumi_resource_name="late"))  # type: ignore[arg-type]
    finally:
        loop.close()
