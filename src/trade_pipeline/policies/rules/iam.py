"""IAM: exact actions, exact ARNs, no AWS-managed policies, scoped trust, parliament."""

from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from trade_pipeline.iam import (
    ENDPOINT_MANAGED_RULE_ACTIONS,
    ENDPOINT_MANAGED_RULE_PREFIX,
    ENI_CREATE_ACTIONS,
    ENI_MANAGE_ACTIONS,
    LAMBDA_VPC_PERMISSIONS_PAGE,
)
from trade_pipeline.policies.model import ResourceView
from trade_pipeline.policies.registry import resource_rule
from trade_pipeline.policies.rules.sources import review_failure
from trade_pipeline.policies.values import (
    PERMISSION_POLICY_TYPES,
    allow_statements,
    as_list,
    condition_keys,
    get,
    permission_policies,
    policy_document,
    read,
    statements,
)
from trade_pipeline.resource_types import POLICY_ATTACHMENTS, ROLE

__all__ = [
    "LAMBDA_ENI_ALL_RESOURCES",
    "WILDCARD_ALLOWLIST",
    "WildcardAllowance",
    "iam_no_aws_managed_policies",
    "iam_no_wildcard_actions",
    "iam_no_wildcard_resource_arns",
    "iam_parliament_clean",
    "iam_resource_star_scoped",
    "iam_trust_scoped",
    "parliament_findings",
]


def _parliament() -> Any:
    """parliament, imported without its one warning: parliament 1.6 imports ``pkg_resources``
    at import time, which setuptools deprecates with a UserWarning on every preview. Only that
    warning, only during that import."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="pkg_resources is deprecated", category=UserWarning
        )
        import parliament
    return parliament


@functools.cache
def _action_resource_types(action: str) -> tuple[str, ...] | None:
    """Resource types an IAM action can be scoped to (parliament's IAM data); None: unknown."""
    parliament = _parliament()

    service, _, privilege = action.partition(":")
    for svc in parliament.iam_definition:
        if svc["prefix"] == service.lower():
            for priv in svc["privileges"]:
                if priv["privilege"].lower() == privilege.lower():
                    return tuple(
                        rt["resource_type"] for rt in priv["resource_types"] if rt["resource_type"]
                    )
            return None
    return None


@resource_rule(
    "iam-no-wildcard-actions",
    types=PERMISSION_POLICY_TYPES,
    message="List the exact actions (e.g. dynamodb:PutItem), never '*' or 'service:*', and no "
    "NotAction in an Allow.",
    sources=("checkov CKV_AWS_63", "cdk-nag AwsSolutions-IAM5"),
)
def iam_no_wildcard_actions(resource: ResourceView) -> Iterator[str]:
    """Permission policies allow exact actions only: no '*' in any action."""
    for where, statement in allow_statements(resource):
        if "NotAction" in statement:
            yield f"{where}: Allow with NotAction"
        wild = [a for a in as_list(statement.get("Action")) if "*" in str(a) or "?" in str(a)]
        if wild:
            yield f"{where}: wildcard action(s) {', '.join(map(str, wild))}"


@resource_rule(
    "iam-resource-star-scoped",
    types=PERMISSION_POLICY_TYPES,
    message="Use Resource '*' only for actions without a resource type (xray:PutTraceSegments, "
    "xray:PutTelemetryRecords, cloudwatch:PutMetricData with a cloudwatch:namespace "
    "condition); name exact ARNs for everything else.",
    sources=("checkov CKV_AWS_355", "cdk-nag AwsSolutions-IAM5"),
)
def iam_resource_star_scoped(resource: ResourceView) -> Iterator[str]:
    """Resource '*' is granted only for actions that have no resource type."""
    for where, statement in allow_statements(resource):
        if "NotResource" in statement:
            yield f"{where}: Allow with NotResource"
        if "*" not in as_list(statement.get("Resource")):
            continue
        for action in map(str, as_list(statement.get("Action"))):
            types = _action_resource_types(action)
            if types is None:
                yield f"{where}: unknown action {action} on Resource '*'"
            elif types:
                yield f"{where}: {action} can be scoped to {', '.join(types)} but has Resource '*'"
            elif action.lower() == "cloudwatch:putmetricdata" and (
                "cloudwatch:namespace" not in condition_keys(statement)
            ):
                yield f"{where}: cloudwatch:PutMetricData on '*' without a namespace condition"


_LOG_STREAM_WILDCARD: Final = re.compile(
    r"^arn:aws[a-z-]*:logs:[^:*]+:\d{12}:log-group:[^*]+:log-stream:\*$"
)


# Network interfaces of a VPC function: AWS picks their ids at run time. Accepted only for
# creation, beside the exact subnet ARNs it is pinned to (trade_pipeline.iam.
# function_vpc_access_policy). Not under an ec2:Vpc / ec2:Subnet condition for the other
# interface actions: Lambda checks those when the function is created, before any interface
# has such keys, and accepts only a unique id or all ids (LAMBDA_ENI_ALL_RESOURCES below).
_ENI_WILDCARD: Final = re.compile(r"^arn:aws[a-z-]*:ec2:[^:*]+:\d{12}:network-interface/\*$")
_EXACT_SUBNET: Final = re.compile(r"^arn:aws[a-z-]*:ec2:[^:*]+:\d{12}:subnet/subnet-[0-9a-f]+$")


# The allowlist of wildcard ARNs AWS itself requires, one named entry each, with its page.
@dataclass(frozen=True)
class WildcardAllowance:
    """A wildcard ARN accepted for exactly these actions (a statement of them alone)."""

    name: str
    arn: re.Pattern[str]
    actions: frozenset[str]
    source: str

    def admits(self, arn: str, statement: Mapping[str, object]) -> bool:
        actions = {str(a).lower() for a in as_list(statement.get("Action"))}
        return bool(self.arn.match(arn)) and bool(actions) and actions <= self.actions


# Lambda checks a VPC function's interface permissions when the function is created, before
# any interface exists: "Either specify a unique resource ID, or include all resource IDs, for
# example arn:aws:ec2:us-west-2:123456789012:*/*". One region of one account, these three
# actions only (trade_pipeline.iam.function_vpc_access_policy).
LAMBDA_ENI_ALL_RESOURCES: Final = WildcardAllowance(
    name="lambda-eni-all-resource-ids",
    arn=re.compile(r"^arn:aws[a-z-]*:ec2:[a-z]{2}(-[a-z]+)+-\d:\d{12}:\*/\*$"),
    actions=frozenset(a.lower() for a in ENI_MANAGE_ACTIONS),
    source=LAMBDA_VPC_PERMISSIONS_PAGE,
)
WILDCARD_ALLOWLIST: Final = (LAMBDA_ENI_ALL_RESOURCES,)


# A global endpoint's managed replication rules: EventBridge names them at run time
# (GlobalEndpointManagedRule-<suffix>, trade_pipeline.iam.endpoint_replication_policy). Accepted
# only as that exact prefix on one named bus, in a statement of the rule actions alone.
_MANAGED_RULES: Final = re.compile(
    r"^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:rule/[A-Za-z0-9._-]+/"
    + re.escape(ENDPOINT_MANAGED_RULE_PREFIX)
    + r"\*$"
)


def _managed_rules_only(statement: Mapping[str, object]) -> bool:
    actions = {str(a).lower() for a in as_list(statement.get("Action"))}
    return bool(actions) and actions <= {a.lower() for a in ENDPOINT_MANAGED_RULE_ACTIONS}


def _interfaces_pinned(statement: Mapping[str, object]) -> bool:
    """A creation statement alone, naming the exact subnets the interfaces go in."""
    actions = {str(a).lower() for a in as_list(statement.get("Action"))}
    creates_only = bool(actions) and actions <= {a.lower() for a in ENI_CREATE_ACTIONS}
    return creates_only and any(
        _EXACT_SUBNET.match(str(arn)) for arn in as_list(statement.get("Resource"))
    )


@resource_rule(
    "iam-no-wildcard-resource-arns",
    types=PERMISSION_POLICY_TYPES,
    message="Grant exact ARNs: the function's own-region replica (arn:aws:dynamodb:<region>:"
    "<account>:table/<name>, no index ARNs: the processor only puts and gets items), its "
    "queues, its log group; no '*' in ARNs (except log streams, network-interface/* in a "
    "CreateNetworkInterface statement beside its exact subnet ARNs, a global endpoint's "
    "rule/<bus>/GlobalEndpointManagedRule-* for the four rule actions only, and the "
    "allowlist's entries: arn:aws:ec2:<region>:<account>:*/* for a VPC function's "
    "DeleteNetworkInterface / AssignPrivateIpAddresses / UnassignPrivateIpAddresses).",
    sources=(
        "cdk-nag AwsSolutions-IAM5",
        "cdk-nag Serverless-IAMNoWildcardPermissions",
        review_failure(5),
        LAMBDA_VPC_PERMISSIONS_PAGE,
    ),
)
def iam_no_wildcard_resource_arns(resource: ResourceView) -> Iterator[str]:
    """Permission policies name exact ARNs: no wildcard table, queue or region ARNs."""
    for where, statement in allow_statements(resource):
        for arn in map(str, as_list(statement.get("Resource"))):
            if arn == "*" or not ("*" in arn or "?" in arn):
                continue  # '*' alone is iam-resource-star-scoped's business
            if _LOG_STREAM_WILDCARD.match(arn):
                continue  # log streams are named by Lambda at run time
            if _ENI_WILDCARD.match(arn) and _interfaces_pinned(statement):
                continue  # interfaces are named by EC2 at run time, pinned to our VPC
            if _MANAGED_RULES.match(arn) and _managed_rules_only(statement):
                continue  # the endpoint's replication rules, named by EventBridge
            if any(entry.admits(arn, statement) for entry in WILDCARD_ALLOWLIST):
                continue  # a form AWS documents as the only one it accepts (entry's source)
            yield f"{where}: wildcard ARN {arn}"


_AWS_MANAGED_POLICY_RE: Final = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")


@resource_rule(
    "iam-no-aws-managed-policies",
    types=[ROLE, *POLICY_ATTACHMENTS],
    message="Replace AWS-managed policies with the one inline least-privilege policy built by "
    "trade_pipeline.iam.",
    sources=("cdk-nag AwsSolutions-IAM4", "checkov CKV_AWS_274"),
)
def iam_no_aws_managed_policies(resource: ResourceView) -> Iterator[str]:
    """No role, user or group uses an AWS-managed policy."""
    if resource.type != ROLE:
        arn = resource.props.get("policyArn")
        if isinstance(arn, str) and _AWS_MANAGED_POLICY_RE.match(arn):
            yield f"attaches AWS-managed {arn}"
        return
    for arn in as_list(read(resource.props, "managedPolicyArns")):
        if isinstance(arn, str) and _AWS_MANAGED_POLICY_RE.match(arn):
            yield f"managedPolicyArns has AWS-managed {arn}"


@resource_rule(
    "iam-trust-scoped",
    types=[ROLE],
    message="Trust only the one service that assumes the role (Principal {'Service': "
    "'lambda.amazonaws.com'}) with an aws:SourceAccount (or aws:SourceArn) condition.",
    sources=("checkov CKV_AWS_60", "checkov CKV_AWS_61"),
)
def iam_trust_scoped(role: ResourceView) -> Iterator[str]:
    """Role trust policies name one service principal and carry a source-account condition."""
    doc = policy_document(role.props.get("assumeRolePolicy"), "assumeRolePolicy")
    if doc is None:
        yield "no readable assume-role policy"
        return
    for index, statement in enumerate(statements(doc)):
        if statement.get("Effect") != "Allow":
            continue
        where = statement.get("Sid") or f"Statement[{index}]"
        principal = statement.get("Principal")
        services = as_list(get(principal, "Service")) if isinstance(principal, Mapping) else []
        if not isinstance(principal, Mapping) or set(principal) != {"Service"}:
            yield f"{where}: principal {principal!r} is not a service principal"
        elif len(services) != 1 or not str(services[0]).endswith(".amazonaws.com"):
            yield f"{where}: trusts {services!r}; trust exactly one service"
        if not condition_keys(statement) & {"aws:sourceaccount", "aws:sourcearn"}:
            yield f"{where}: no aws:SourceAccount condition (confused deputy)"


# A DynamoDB stream ARN ends in a label with colons (table/<t>/stream/2026-03-01T00:00:00.000);
# parliament's strict ARN check rejects any colon after the sixth field, so the label's colons
# become dots for parliament only. Nothing else about the ARN is relaxed.
_STREAM_LABEL: Final = re.compile(
    r"(arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.-]+/stream/)"
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})"
)


def _as_parliament_reads(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(doc.get("Statement"), list):
        return doc
    out = []
    for statement in doc["Statement"]:
        if isinstance(statement, Mapping):
            resources = [str(r) for r in as_list(statement.get("Resource"))]
            if resources and all(LAMBDA_ENI_ALL_RESOURCES.admits(r, statement) for r in resources):
                statement = {
                    **statement,
                    "Resource": [r.replace(":*/*", ":network-interface/*") for r in resources],
                }
        out.append(statement)
    return {**doc, "Statement": out}


def parliament_findings(doc: Mapping[str, Any]) -> list[Any]:
    """parliament's findings on a policy document, stream labels' colons read as dots, and an
    allowlisted ARN read as the resource type it stands for (parliament's matcher does not
    expand a wildcard resource type: ``*/*`` fails its ``network-interface/*`` format)."""
    parliament = _parliament()

    text = _STREAM_LABEL.sub(
        lambda m: m.group(1) + m.group(2).replace(":", "."), json.dumps(_as_parliament_reads(doc))
    )
    return list(parliament.analyze_policy_string(text).findings)


@resource_rule(
    "iam-parliament-clean",
    types=PERMISSION_POLICY_TYPES,
    message="Fix the policy until parliament reports no findings (see the finding's issue "
    "code: RESOURCE_MISMATCH, RESOURCE_STAR, UNKNOWN_ACTION...).",
    sources=("parliament (duo-labs) 1.6",),
)
def iam_parliament_clean(resource: ResourceView) -> Iterator[str]:
    """Every permission policy passes parliament's linter with no findings."""
    for label, doc in permission_policies(resource):
        for finding in parliament_findings(doc):
            detail = finding.detail if finding.detail else ""
            yield f"{label}: {finding.issue} {detail}".strip()
