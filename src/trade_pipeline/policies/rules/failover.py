"""Global endpoint failover: what AWS needs for it to work, which a mock engine accepts without.

Each rule keeps one defect of the first failover version from coming back:

- ``global-endpoint-replication-role``: the role replication runs with may do exactly what
  EventBridge needs (its managed rules on the two buses, PutEvents there, PassRole on itself)
  and nothing more.
- ``global-endpoint-health-fails-on-silence``: the health check's alarm treats missing data as
  breaching and the check reads insufficient data as Unhealthy, so a primary bus that stops
  taking events (its metric stops) reads unhealthy rather than keeping its last status.
- ``global-endpoint-health-check-tracks-alarm``: the check's ``triggers`` carry every alarm
  setting Route 53 copies, so a changed alarm updates the check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from trade_pipeline.components.health_alarms import health_check_triggers, route53_alarm_settings
from trade_pipeline.iam import ENDPOINT_MANAGED_RULE_ACTIONS, endpoint_managed_rules_arn
from trade_pipeline.policies.model import (
    Finding,
    ResourceView,
    Skip,
    StackView,
    is_unknown,
    run_per_resource,
)
from trade_pipeline.policies.registry import stack_rule
from trade_pipeline.policies.values import as_list, get, known, policy_document, read, statements
from trade_pipeline.resource_types import ALARM, EVENT_ENDPOINT, HEALTH_CHECK, ROLE, ROLE_POLICY

__all__ = [
    "global_endpoint_health_check_tracks_alarm",
    "global_endpoint_health_fails_on_silence",
    "global_endpoint_replication_role",
]

# Where the replication permissions come from (trade_pipeline.iam.endpoint_replication_policy).
REPLICATION_SOURCES: Final = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-global-endpoints.html "
    "(replication through managed rules)",
    "terraform-provider-aws internal/service/events/endpoint_test.go (the role it grants)",
    "github.com/mavi888/eventbridge-global-endpoints-cdk lib/boilerplate-stack.ts",
)
PASSED_TO: Final = "events.amazonaws.com"
SILENCE_SOURCES: Final = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-ge-cfn.html "
    "(AWS's health-check template: TreatMissingData breaching, "
    "InsufficientDataHealthStatus Unhealthy)",
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
    "AlarmThatSendsEmail.html#alarms-and-missing-data",
    "https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHealthCheck.html "
    "(HealthCheckConfig.InsufficientDataHealthStatus)",
)
TRACKING_SOURCES: Final = (
    "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/"
    "health-checks-updating-cloudwatch-alarm-settings.html "
    "(Route 53 doesn't automatically update the alarm settings in the health check)",
    "botocore data/route53/2013-04-01/service-2.json CloudWatchAlarmConfiguration "
    "(the settings Route 53 copies)",
    "https://www.pulumi.com/registry/packages/aws/api-docs/route53/healthcheck/ (triggers)",
)

Grant = tuple[str, str]  # (action lower-cased, resource)


def _role_of(stack: StackView, role_arn: str) -> ResourceView | None:
    for role in stack.of_type(ROLE):
        if role_arn in (role.outputs.get("arn"), role.props.get("arn")):
            return role
    return None


def _role_statements(stack: StackView, role: ResourceView) -> Iterator[dict[str, Any]]:
    """Every statement of the role's inline policies and of its RolePolicy resources."""
    keys = {str(v) for v in (role.props.get("name"), role.outputs.get("id")) if v}
    docs = [policy_document(get(p, "policy")) for p in as_list(role.props.get("inlinePolicies"))]
    for policy in stack.of_type(ROLE_POLICY):
        owner = known(policy.props.get("role"), "role policy's role")
        if str(owner) in keys:
            docs.append(policy_document(policy.props.get("policy")))
    for doc in docs:
        yield from statements(doc or {})


def _grants(statement: Mapping[str, Any]) -> set[Grant]:
    return {
        (str(action).lower(), str(resource))
        for action in as_list(statement.get("Action"))
        for resource in as_list(statement.get("Resource"))
    }


def _expected(buses: list[str], role_arn: str) -> set[Grant]:
    rules = {
        (action.lower(), endpoint_managed_rules_arn(bus))
        for action in ENDPOINT_MANAGED_RULE_ACTIONS
        for bus in buses
    }
    return rules | {("events:putevents", bus) for bus in buses} | {("iam:passrole", role_arn)}


def _pass_role_scoped(statement: Mapping[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    for operator in ("StringEquals", "StringLike"):
        values = as_list(get(condition, operator, "iam:PassedToService"))
        if values == [PASSED_TO]:
            return True
    return False


def _replication_role(stack: StackView, endpoint: ResourceView) -> Iterator[str]:
    if read(endpoint.props, "replicationConfig", "state") == "DISABLED":
        return
    role_arn = read(endpoint.props, "roleArn")
    if not role_arn:
        yield "replication is on, but the endpoint has no roleArn"
        return
    buses = [str(read(b, "eventBusArn")) for b in as_list(read(endpoint.props, "eventBuses"))]
    role = _role_of(stack, str(role_arn))
    if role is None:
        yield f"roleArn {role_arn}: no role of the stack has that ARN"
        return
    granted: set[Grant] = set()
    for statement in _role_statements(stack, role):
        if statement.get("Effect") != "Allow":
            continue
        grants = _grants(statement)
        granted |= grants
        if any(a == "iam:passrole" for a, _ in grants) and not _pass_role_scoped(statement):
            yield f"iam:PassRole without iam:PassedToService = {PASSED_TO}"
    expected = _expected(buses, str(role_arn))
    for action, resource in sorted(expected - granted):
        yield f"role lacks {action} on {resource} (event replication fails without it)"
    for action, resource in sorted(granted - expected):
        yield f"role grants {action} on {resource}: more than replication needs"


@stack_rule(
    "global-endpoint-replication-role",
    types=[EVENT_ENDPOINT],
    message="Build the endpoint's role policy with trade_pipeline.iam."
    "endpoint_replication_policy(bus_arns, role_arn): events:PutRule/PutTargets/DeleteRule/"
    "RemoveTargets on rule/<bus>/GlobalEndpointManagedRule-* of the two buses, "
    "events:PutEvents on the two buses, iam:PassRole on the role itself passed to "
    "events.amazonaws.com; nothing else.",
    sources=REPLICATION_SOURCES,
)
def global_endpoint_replication_role(stack: StackView) -> Iterator[Finding]:
    """A global endpoint replicating events has a role with exactly what replication needs."""
    yield from run_per_resource(
        stack.of_type(EVENT_ENDPOINT), lambda endpoint: _replication_role(stack, endpoint)
    )


def _health_check(stack: StackView, endpoint: ResourceView) -> ResourceView | None:
    """The health check of the endpoint's primary region, when the stack has it."""
    check_arn = get(endpoint.props, "routingConfig", "failoverConfig", "primary", "healthCheck")
    if is_unknown(check_arn):
        raise Skip("health check ARN")
    checks = [h for h in stack.of_type(HEALTH_CHECK) if h.output("arn") == check_arn]
    return checks[0] if checks else None


def _followed_alarm(stack: StackView, check: ResourceView) -> ResourceView | None:
    name = check.props.get("cloudwatchAlarmName")
    if is_unknown(name):
        raise Skip("health check alarm name")
    region = check.props.get("cloudwatchAlarmRegion")
    alarms = [a for a in stack.of_type(ALARM) if a.props.get("name") == name and a.region == region]
    return alarms[0] if alarms else None


def _check_and_alarm(
    stack: StackView, endpoint: ResourceView
) -> tuple[ResourceView, ResourceView] | None:
    check = _health_check(stack, endpoint)
    alarm = _followed_alarm(stack, check) if check is not None else None
    return (check, alarm) if check is not None and alarm is not None else None
    # A missing check or alarm is loss-alarms' finding.


def _fails_on_silence(stack: StackView, endpoint: ResourceView) -> Iterator[str]:
    pair = _check_and_alarm(stack, endpoint)
    if pair is None:
        return
    check, alarm = pair
    missing = alarm.props.get("treatMissingData") or "missing"
    if missing != "breaching":
        yield (
            f"{alarm.name}: missing data is {missing!r}, not 'breaching' (a primary that stops "
            "taking events stops the metric and reads healthy)"
        )
    insufficient = check.props.get("insufficientDataHealthStatus") or "LastKnownStatus"
    if insufficient != "Unhealthy":
        yield (
            f"{check.name}: insufficient data is {insufficient!r}, not 'Unhealthy' (the check "
            "keeps reading healthy while the primary is silent)"
        )


def _tracks_alarm(stack: StackView, endpoint: ResourceView) -> Iterator[str]:
    pair = _check_and_alarm(stack, endpoint)
    if pair is None:
        return
    check, alarm = pair
    triggers = check.props.get("triggers")
    if is_unknown(triggers):
        raise Skip("health check triggers")
    have = dict(triggers or {})
    want = health_check_triggers(alarm.props)
    for key in route53_alarm_settings():
        if key not in have:
            yield f"{check.name}: triggers lack {key!r} (a change of it leaves the check stale)"
        elif have[key] != want[key]:
            yield f"{check.name}: trigger {key!r} is {have[key]}, the alarm's is {want[key]}"


@stack_rule(
    "global-endpoint-health-fails-on-silence",
    types=[EVENT_ENDPOINT],
    message="Build the health alarm with MissingData.BREACHING (alarms.alarm_specs) and the "
    "health check with insufficient_data_health_status='Unhealthy' "
    "(FailoverEndpoint._create_health_check); the heartbeat keeps the metric fed.",
    sources=SILENCE_SOURCES,
)
def global_endpoint_health_fails_on_silence(stack: StackView) -> Iterator[Finding]:
    """A silent primary reads unhealthy: alarm breaching on missing data, check Unhealthy on
    insufficient data."""
    yield from run_per_resource(
        stack.of_type(EVENT_ENDPOINT), lambda endpoint: _fails_on_silence(stack, endpoint)
    )


@stack_rule(
    "global-endpoint-health-check-tracks-alarm",
    types=[EVENT_ENDPOINT],
    message="Give the health check triggers=health_alarms.health_check_triggers(<the alarm's "
    "settings>), one entry per CloudWatchAlarmConfiguration member, from the alarm itself.",
    sources=TRACKING_SOURCES,
)
def global_endpoint_health_check_tracks_alarm(stack: StackView) -> Iterator[Finding]:
    """The health check is replaced or updated whenever a setting Route 53 copied changes."""
    yield from run_per_resource(
        stack.of_type(EVENT_ENDPOINT), lambda endpoint: _tracks_alarm(stack, endpoint)
    )
