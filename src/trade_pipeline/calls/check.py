"""Every recorded and service-side call of a plan, decided against the plan's policies.

For each request: the principal's identity policies (a role's inline policies and attached
managed policies; the producer policy for ``send``), the resource's policy (queue policy,
topic policy, the function's invoke permissions) and, for a KMS key, its key policy; then
:func:`trade_pipeline.calls.iam.decide`. Calls of the operator commands other than ``send`` run
with the operator's own credentials, which no plan describes: only an explicit deny of a
resource policy can fail them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from trade_pipeline.calls.canonical import Names
from trade_pipeline.calls.iam import Decision, decide
from trade_pipeline.calls.model import Principal, Request, function_of, role_principal
from trade_pipeline.calls.service_side import SECURE, service_side_requests
from trade_pipeline.preview import Plan, PlannedResource

__all__ = ["Verdict", "check_plan", "recorded_calls", "requests_of"]

Statement = tuple[str, Mapping[str, Any]]  # (where it is, the statement)
PRODUCER = "producer-policy"  # the logical name of the policy publishers are given


def recorded_calls() -> list[dict[str, str]]:
    """The committed recorded set (``make regen`` writes it from the moto runs)."""
    text = resources.files("trade_pipeline.calls").joinpath("recorded.json").read_text("utf-8")
    return list(json.loads(text))


@dataclass(frozen=True)
class Verdict:
    request: Request
    decision: Decision

    def line(self) -> str:
        r = self.request
        return f"{r.origin}: {r.principal} -> {r.action} on {r.resource}: {self.decision.reason}"


def _statements(where: str, document: Any) -> Iterator[Statement]:
    if isinstance(document, str):
        document = json.loads(document) if document else {}
    found = (document or {}).get("Statement", [])
    for statement in found if isinstance(found, list) else [found]:
        yield where, statement


def _recorded_principal(plan: Plan, component: str, region: str) -> Principal | None:
    if component.startswith("operator:"):
        command = component.removeprefix("operator:")
        if command == "send":
            policy = next(
                (p for p in plan.by_type("aws:iam/policy:Policy") if p.name == PRODUCER), None
            )
            if policy is not None:
                return Principal("policy", policy.name, str(policy.outputs.get("arn", "")))
        return Principal("unknown", f"operator ({command})")
    function = function_of(plan, component, region)
    return role_principal(function) if function is not None else None


def requests_of(plan: Plan, recorded: list[dict[str, str]]) -> list[Request]:
    """The recorded calls in every region of ``plan``, then the service-side ones."""
    names, found = Names(plan), []
    for region in plan.stack_outputs["regions"]:
        for call in recorded:
            principal = _recorded_principal(plan, call["principal"], region)
            if principal is None:
                continue
            resource = names.resolve(call["resource"], region)
            origin = f"recorded {call['principal']}"
            found.append(
                Request(principal, call["action"], resource, region, origin, "", (SECURE,))
            )
    return found + service_side_requests(plan)


class Policies:
    """The plan's policies, indexed by who holds them and what they protect."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.by_role: dict[str, list[Statement]] = {}
        self.by_resource: dict[str, list[Statement]] = {}
        self.keys: dict[str, list[Statement]] = {}
        self._index()

    def _add(self, table: dict[str, list[Statement]], key: str, found: Iterator[Statement]) -> None:
        table.setdefault(key, []).extend(found)

    def _index(self) -> None:
        managed = {str(p.outputs.get("arn")): p for p in self.plan.by_type("aws:iam/policy:Policy")}
        for resource in self.plan.resources:
            inputs = resource.inputs
            if resource.type == "aws:iam/rolePolicy:RolePolicy":
                where = f"role policy {inputs.get('name') or resource.name}"
                self._add(self.by_role, str(inputs["role"]), _statements(where, inputs["policy"]))
            elif resource.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
                policy = managed.get(str(inputs.get("policyArn")))
                if policy is not None:
                    found = _statements(f"policy {policy.name}", policy.inputs["policy"])
                    self._add(self.by_role, str(inputs["role"]), found)
            elif resource.type == "aws:iam/policy:Policy":
                found = _statements(f"policy {resource.name}", inputs["policy"])
                self._add(self.by_role, resource.name, found)
            elif resource.type == "aws:kms/key:Key":
                found = _statements(f"key policy of {resource.name}", inputs.get("policy"))
                self._add(self.keys, str(resource.outputs.get("arn")), found)
            else:
                self._index_resource_policy(resource)

    def _index_resource_policy(self, resource: PlannedResource) -> None:
        inputs = resource.inputs
        where = f"{resource.type.rsplit(':', 1)[1]} {resource.name}"
        if resource.type == "aws:sqs/queuePolicy:QueuePolicy":
            url = str(inputs["queueUrl"])
            account, name = url.rstrip("/").split("/")[-2:]
            arn = f"arn:aws:sqs:{resource.region}:{account}:{name}"
            self._add(self.by_resource, arn, _statements(where, inputs["policy"]))
        elif resource.type == "aws:sns/topicPolicy:TopicPolicy":
            self._add(self.by_resource, str(inputs["arn"]), _statements(where, inputs["policy"]))
        elif resource.type == "aws:lambda/permission:Permission":
            self._add(
                self.by_resource, self._function_arn(resource), iter([(where, _permission(inputs))])
            )

    def _function_arn(self, permission: PlannedResource) -> str:
        name = str(permission.inputs["function"])
        if name.startswith("arn:"):
            return name
        account = str(permission.inputs.get("sourceAccount") or "123456789012")
        return f"arn:aws:lambda:{permission.region}:{account}:function:{name}"

    def identity(self, principal: Principal) -> list[Statement]:
        return self.by_role.get(principal.name, []) if principal.kind in ("role", "policy") else []


def _permission(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A function's invoke permission as the statement Lambda adds to its resource policy."""
    condition: dict[str, Any] = {}
    if inputs.get("sourceArn"):
        condition["ArnLike"] = {"AWS:SourceArn": inputs["sourceArn"]}
    if inputs.get("sourceAccount"):
        condition["StringEquals"] = {"AWS:SourceAccount": inputs["sourceAccount"]}
    return {
        "Sid": inputs.get("statementId"),
        "Effect": "Allow",
        "Principal": {"Service": inputs["principal"]},
        "Action": inputs["action"],
        "Condition": {
            op: {k.replace("AWS:", "aws:"): v for k, v in keys.items()}
            for op, keys in condition.items()
        },
    }


def _decide(policies: Policies, request: Request) -> Decision:
    key = request.resource if request.action.startswith("kms:") else None
    resource_policy = (
        policies.keys.get(key, []) if key else policies.by_resource.get(request.resource, [])
    )
    identity = policies.identity(request.principal)
    decision = decide(
        (request.action, request.resource, request.context_dict()),
        identity,
        resource_policy,
        principal_arn=request.principal.arn,
        service=request.principal.name if request.principal.kind == "service" else "",
        key_policy=bool(key and key in policies.keys),
    )
    if request.principal.kind == "unknown" and not decision.reason.startswith("explicitly denied"):
        return Decision(True, "not evaluated: the operator's own credentials (no explicit deny)")
    return decision


def check_plan(plan: Plan, recorded: list[dict[str, str]] | None = None) -> list[Verdict]:
    """A verdict for every request of ``plan`` (recorded set: the committed one)."""
    policies = Policies(plan)
    requests = requests_of(plan, recorded_calls() if recorded is None else recorded)
    return [Verdict(request, _decide(policies, request)) for request in requests]
