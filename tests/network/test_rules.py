"""The network rules pass on the private stack and each fails on the mistake it exists for."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.rules import edit_policy, run_rule
from trade_pipeline import resource_types as rt
from trade_pipeline.policies import evaluate_plan, rule_by_name
from trade_pipeline.preview import Plan, PlannedResource

NETWORK_RULES = (
    "network-functions-in-vpc",
    "network-no-open-security-group-rules",
    "network-no-internet-path",
    "network-service-routes",
    "network-endpoint-policies-scoped",
    "network-region-cidrs-disjoint",
)


@pytest.fixture
def plan(private_plan: Plan) -> Plan:
    return copy.deepcopy(private_plan)


def one(plan: Plan, type_: str, region: str = "us-east-1", name: str = "") -> PlannedResource:
    found = [r for r in plan.in_region(region) if r.type == type_ and name in r.name]
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def messages(rule: str, plan: Plan) -> list[str]:
    return [f.message for f in run_rule(rule_by_name(rule), plan)]


def test_the_private_stack_passes_every_rule(private_plan: Plan) -> None:
    report = evaluate_plan(private_plan)
    assert report.passed, report.failure_lines()
    examined = {row["rule"]: row["examined"] for row in report.to_dict()}
    assert all(examined[rule] > 0 for rule in NETWORK_RULES)


def test_a_function_outside_the_vpc_fails(plan: Plan) -> None:
    del one(plan, rt.FUNCTION, name="conflicts").inputs["vpcConfig"]
    assert messages("network-functions-in-vpc", plan) == [
        "not attached to a VPC (no vpcConfig subnets and security groups)"
    ]


def test_a_function_in_one_zone_or_another_vpc_or_without_eni_permissions_fails(plan: Plan) -> None:
    fn = one(plan, rt.FUNCTION, name="pipeline")
    fn.inputs["vpcConfig"]["subnetIds"] = fn.inputs["vpcConfig"]["subnetIds"][:1]
    other = one(plan, rt.FUNCTION, "us-west-2", "pipeline")
    other.inputs["vpcConfig"]["securityGroupIds"] = ["sg-0somewhereelse"]
    plan.resources.remove(
        one(plan, rt.ROLE_POLICY, "eu-west-1", "pipeline-eu-west-1-function-vpc-a")
    )
    found = messages("network-functions-in-vpc", plan)
    assert "subnets in 1 availability zone(s); at least 2" in found
    assert "security groups ['sg-0somewhereelse'] are not groups of network-us-west-2-vpc" in found
    assert "its role cannot create the network interfaces Lambda attaches it with" in found


def test_a_region_without_a_vpc_fails(plan: Plan) -> None:
    plan.resources.remove(one(plan, rt.VPC, "eu-west-1"))
    found = messages("network-functions-in-vpc", plan)
    assert "eu-west-1 has no VPC" in found and "no VPC in eu-west-1" in found


@pytest.mark.parametrize(
    ("type_", "name", "key", "value"),
    [
        (rt.SG_EGRESS_RULE, "to-dynamodb", "cidrIpv4", "0.0.0.0/0"),
        (rt.SG_INGRESS_RULE, "from-functions", "cidrIpv6", "::/0"),
        (rt.SECURITY_GROUP, "functions-sg", "egress", [{"cidrBlocks": ["0.0.0.0/0"]}]),
        (rt.DEFAULT_SECURITY_GROUP, "default", "ingress", [{"ipv6CidrBlocks": ["::/0"]}]),
    ],
)
def test_an_open_security_group_rule_fails(
    plan: Plan, type_: str, name: str, key: str, value: Any
) -> None:
    one(plan, type_, name=name).inputs[key] = value
    (finding,) = messages("network-no-open-security-group-rules", plan)
    assert finding.startswith(f"{key} allows ")


@pytest.mark.parametrize(
    ("type_", "inputs", "expected"),
    [
        (rt.INTERNET_GATEWAY, {}, "ec2:InternetGateway gives the VPC a path to the internet"),
        (rt.NAT_GATEWAY, {}, "ec2:NatGateway gives the VPC a path to the internet"),
        (rt.ROUTE, {"destinationCidrBlock": "0.0.0.0/0"}, "route to 0.0.0.0/0"),
    ],
)
def test_a_path_to_the_internet_fails(
    plan: Plan, type_: str, inputs: dict[str, Any], expected: str
) -> None:
    extra = copy.deepcopy(one(plan, rt.ROUTE_TABLE))
    extra.type, extra.name, extra.inputs, extra.urn = type_, "added", inputs, "urn:added"
    plan.resources.append(extra)
    assert messages("network-no-internet-path", plan) == [expected]


def test_public_ips_on_launch_fail(plan: Plan) -> None:
    one(plan, rt.SUBNET, name="private-0").inputs["mapPublicIpOnLaunch"] = True
    assert messages("network-no-internet-path", plan) == ["subnet gives public IPs on launch"]


def test_a_service_without_an_endpoint_fails(plan: Plan) -> None:
    plan.resources.remove(one(plan, rt.VPC_ENDPOINT, "us-west-2", "sqs"))
    # both functions of the region (processor, conflict detector) send to rejected-events
    assert messages("network-service-routes", plan) == 2 * [
        "calls sqs but network-us-west-2-vpc has no interface endpoint com.amazonaws.us-west-2.sqs"
    ]


def test_an_interface_endpoint_without_private_dns_is_no_route(plan: Plan) -> None:
    one(plan, rt.VPC_ENDPOINT, name="sqs").inputs["privateDnsEnabled"] = False
    assert len(messages("network-service-routes", plan)) == 2  # processor and detector


def test_a_newly_called_service_needs_its_endpoint(plan: Plan) -> None:
    policy = one(plan, rt.ROLE_POLICY, name="pipeline-us-east-1-role-policy")

    def add_sns(doc: dict[str, Any]) -> None:
        doc["Statement"].append(
            {
                "Effect": "Allow",
                "Action": "sns:Publish",
                "Resource": "arn:aws:sns:us-east-1:123456789012:t",
            }
        )

    edit_policy(policy, "policy", add_sns)
    assert messages("network-service-routes", plan) == [
        "calls sns but network-us-east-1-vpc has no interface endpoint com.amazonaws.us-east-1.sns"
    ]


def test_logs_xray_and_kms_via_dynamodb_need_no_endpoint(plan: Plan) -> None:
    policy = one(plan, rt.ROLE_POLICY, name="pipeline-us-east-1-role-policy")
    doc = json.loads(policy.inputs["policy"])
    assert {a.split(":")[0] for s in doc["Statement"] for a in s["Action"]} >= {"logs", "xray"}
    assert messages("network-service-routes", plan) == []


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc["Statement"][0].update({key: value})


@pytest.mark.parametrize(
    "change",
    [
        None,
        _set("Resource", "*"),
        _set("Action", "sqs:*"),
        lambda doc: doc["Statement"][0].pop("Resource"),
    ],
    ids=["no-policy", "resource-star", "wildcard-action", "no-resource"],
)
def test_an_open_endpoint_policy_fails(
    plan: Plan, change: Callable[[dict[str, Any]], None] | None
) -> None:
    endpoint = one(plan, rt.VPC_ENDPOINT, name="sqs")
    if change is None:
        del endpoint.inputs["policy"]  # AWS then attaches its full-access default
    else:
        edit_policy(endpoint, "policy", change)
    assert len(messages("network-endpoint-policies-scoped", plan)) == 1


def test_overlapping_vpcs_fail(plan: Plan) -> None:
    one(plan, rt.VPC, "eu-west-1").inputs["cidrBlock"] = "10.40.4.0/22"
    assert messages("network-region-cidrs-disjoint", plan) == [
        "10.40.0.0/20 (us-east-1) overlaps 10.40.4.0/22 (eu-west-1)"
    ]


def test_an_eni_wildcard_is_accepted_only_in_the_shapes_aws_documents(plan: Plan) -> None:
    policy = one(plan, rt.ROLE_POLICY, name="pipeline-us-east-1-function-vpc-access")
    teardown = one(plan, rt.ROLE_POLICY, name="pipeline-us-east-1-function-vpc-teardown")
    rule = "iam-no-wildcard-resource-arns"
    assert messages(rule, plan) == []
    assert messages("iam-parliament-clean", plan) == []
    # creation: network-interface/* only beside the exact subnets
    edit_policy(
        policy,
        "policy",
        lambda doc: doc["Statement"][0].update(Resource=doc["Statement"][0]["Resource"][:1]),
    )
    assert len(messages(rule, plan)) == 1
    # ...and for creation only: not for another interface action, beside subnets or under an
    # ec2:Vpc condition, a shape Lambda's creation-time check refuses
    edit_policy(
        teardown,
        "policy",
        lambda doc: doc["Statement"].append(
            {
                "Effect": "Allow",
                "Action": ["ec2:DeleteNetworkInterface"],
                "Resource": [
                    "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
                    "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a1b2c3d",
                ],
                "Condition": {
                    "ArnEquals": {"ec2:Vpc": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1"}
                },
            }
        ),
    )
    assert len(messages(rule, plan)) == 2
    # the allowlisted all-resource-ids form: for the three interface actions only...
    edit_policy(
        teardown,
        "policy",
        lambda doc: doc["Statement"][0]["Action"].append("ec2:DeleteSubnet"),
    )
    assert len(messages(rule, plan)) == 3
    # ...and in one region of one account
    edit_policy(
        teardown,
        "policy",
        lambda doc: doc["Statement"][0].update(
            Action=["ec2:DeleteNetworkInterface"], Resource=["arn:aws:ec2:*:123456789012:*/*"]
        ),
    )
    assert len(messages(rule, plan)) == 3


def test_eni_actions_with_a_resource_type_are_refused_on_star(plan: Plan) -> None:
    policy = one(plan, rt.ROLE_POLICY, name="pipeline-us-east-1-function-vpc-teardown")
    rule = "iam-resource-star-scoped"
    assert messages(rule, plan) == []  # the two Describe actions have no resource type
    edit_policy(policy, "policy", lambda doc: doc["Statement"][0].update(Resource="*"))
    found = messages(rule, plan)
    assert len(found) == 3 and all("can be scoped to network-interface" in m for m in found)


def test_calls_made_by_another_service_need_no_endpoint() -> None:
    """The table key is used by DynamoDB for the function (kms:ViaService), not by the function."""
    from trade_pipeline.iam import ProcessorGrants, processor_policy
    from trade_pipeline.iam.network_services import services_called

    grants = ProcessorGrants(
        region="us-east-1",
        table_arn="arn:aws:dynamodb:us-east-1:123456789012:table/t",
        log_group_arn="arn:aws:logs:us-east-1:123456789012:log-group:g",
        send_queue_arns=["arn:aws:sqs:us-east-1:123456789012:q"],
        table_key_arn="arn:aws:kms:us-east-1:123456789012:key/k",
    )
    statements = processor_policy(grants)["Statement"]
    assert any(a.startswith("kms:") for s in statements for a in s["Action"])
    assert services_called(statements) == ["dynamodb", "sqs"]


def test_a_subnet_or_group_that_does_not_outlive_the_teardown_grant_fails(plan: Plan) -> None:
    """Lambda deletes a deleted function's interfaces afterwards, with its role: a subnet or
    group not depending on the role's delete permission is deleted after that permission."""
    rule = "network-functions-in-vpc"
    assert messages(rule, plan) == []
    teardown = one(plan, rt.ROLE_POLICY, "us-west-2", "pipeline-us-west-2-function-vpc-teardown")
    subnet = one(plan, rt.SUBNET, "us-west-2", "private-1")
    subnet.dependencies = [d for d in subnet.dependencies if d != teardown.urn]
    assert messages(rule, plan) == [
        "network-us-west-2-private-1 depend on no policy of its role allowing "
        "ec2:DeleteNetworkInterface: a destroy deletes that permission before Lambda has "
        "released the function's interfaces in them"
    ]
    # a grant without the delete permission does not count
    edit_policy(teardown, "policy", lambda doc: doc["Statement"][0].update(Action=["ec2:Nope"]))
    assert len(messages(rule, plan)) == 1
    assert "network-us-west-2-default-sg, network-us-west-2-functions-sg" in messages(rule, plan)[0]
