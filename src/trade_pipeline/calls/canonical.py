"""Recorded ARNs <-> templates naming plan resources, so one recorded set fits every stack.

A name in a recorded ARN that is a planned resource's name becomes ``${<Type>:<logical>}``:
the resource's type name (``Table``, ``Queue``, ``EventBus``) and its logical name with the
region taken out (``pipeline-us-east-1-rejected-events`` -> ``pipeline-rejected-events``).
Evaluating a stack resolves each template against that stack's plan, region by region.

>>> split_resource("arn:aws:events:${Region}:${Account}:rule/trade-bus/trade-rule")
('arn:aws:events:${Region}:${Account}:', ['rule', 'trade-bus', 'trade-rule'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from trade_pipeline.calls.resources import ACCOUNT, REGION
from trade_pipeline.preview import Plan, PlannedResource

__all__ = ["Names", "split_resource"]

# ARN path segment -> the planned resource type its name belongs to, per service
SEGMENT_TYPES: dict[tuple[str, str], str] = {
    ("dynamodb", "table"): "aws:dynamodb/table:Table",
    ("events", "event-bus"): "aws:cloudwatch/eventBus:EventBus",
    ("events", "archive"): "aws:cloudwatch/eventArchive:EventArchive",
}
RULE = "aws:cloudwatch/eventRule:EventRule"
BUS = "aws:cloudwatch/eventBus:EventBus"
QUEUE = "aws:sqs/queue:Queue"
TOKEN = re.compile(r"^\$\{([A-Za-z0-9]+):([^}/]+)\}$")


def split_resource(arn: str) -> tuple[str, list[str]]:
    """(everything up to the resource part, the resource part's ``/`` segments).

    The resource part is what follows the fifth colon (a template's ``${type:name}`` has one).
    """
    fields = arn.split(":", 5)
    return ":".join(fields[:5]) + ":", fields[5].split("/")


def _short(type_: str) -> str:
    """``aws:sqs/queue:Queue`` -> ``Queue``."""
    return type_.rsplit(":", 1)[1]


def _logical(resource: PlannedResource) -> str:
    return resource.name.replace(f"-{resource.region}", "") if resource.region else resource.name


class Names:
    """The named resources of one plan: names -> templates and back."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._by_name: dict[tuple[str, str], str] = {}
        self._by_token: dict[tuple[str, str], str] = {}
        self._account = self._find_account(plan.resources)
        for resource in plan.resources:
            name = resource.inputs.get("name")
            if not isinstance(name, str):
                continue
            token = f"${{{_short(resource.type)}:{_logical(resource)}}}"
            self._by_name.setdefault((resource.type, name), token)
            self._by_token[(token, resource.region or "")] = name

    @staticmethod
    def _find_account(resources: Iterable[PlannedResource]) -> str:
        for resource in resources:
            role = resource.inputs.get("role")
            if isinstance(role, str) and role.startswith("arn:aws:iam::"):
                return role.split(":")[4]
        return "123456789012"

    def _segment_types(self, service: str, segments: list[str]) -> list[str | None]:
        if service == "sqs":
            return [QUEUE]
        if service == "events" and segments[0] == "rule":
            return [None, BUS, RULE] if len(segments) == 3 else [None, RULE]
        kind = SEGMENT_TYPES.get((service, segments[0]))
        return [None, kind] + [None] * (len(segments) - 2)

    def template(self, arn: str) -> str:
        """``arn`` with every planned resource's name replaced by its template."""
        if not arn.startswith("arn:"):
            return arn
        head, segments = split_resource(arn)
        service = head.split(":")[2]
        kinds = self._segment_types(service, segments)
        out = [
            self._by_name.get((kind, segment), segment) if kind else segment
            for segment, kind in zip(segments, kinds + [None] * len(segments), strict=False)
        ]
        return head + "/".join(out)

    def resolve(self, template: str, region: str) -> str:
        """The concrete ARN ``template`` stands for in ``region`` of this plan."""
        text = template.replace(REGION, region).replace(ACCOUNT, self._account)
        if not text.startswith("arn:"):
            return text
        head, segments = split_resource(text)
        return head + "/".join(self._resolve_segment(s, region) for s in segments)

    def _resolve_segment(self, segment: str, region: str) -> str:
        if not TOKEN.match(segment):
            return segment
        found = self._by_token.get((segment, region))
        if found is None:  # a resource of one region only (the table: replicas elsewhere)
            found = next((n for (t, _), n in sorted(self._by_token.items()) if t == segment), None)
        if found is None:
            raise KeyError(f"{segment}: the plan has no such resource")
        return found
