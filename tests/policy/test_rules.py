"""Every rule: passes on the real program's plan, fails on that plan broken the way a review
failure (or a plausible future change) would break it, with the rule's message."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.support.plans import named, processor_policy
from tests.support.rules import drop, edit_policy, run_rule
from trade_pipeline import resource_types as rt
from trade_pipeline.config.types import supported_python_runtimes
from trade_pipeline.policies import RULES, Severity, evaluate_plan, rule_by_name
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import (
    ALARM,
    FUNCTION,
    HEALTH_CHECK,
    INVOKE_CONFIG,
    PERMISSION,
    ROLE,
    ROLE_POLICY,
    TABLE,
    TARGET,
)


@dataclass(frozen=True)
class Case:
    """How to break the plan for one rule, and on which stack config the plan is built."""

    mutate: Callable[[Plan], None]
    config: dict[str, Any] = field(default_factory=dict)
    expect: str = ""  # a fragment of a violation message


# The resource each case breaks, by logical name (a region has several functions, queues,
# alarms...: breaking "the first" would break whichever the program declares first).
PROCESSOR = "pipeline-us-east-1-function"
PRIMARY_NAMES = {
    FUNCTION: PROCESSOR,
    INVOKE_CONFIG: "pipeline-us-east-1-async",
    rt.LOG_GROUP: "pipeline-us-east-1-logs",
    PERMISSION: "pipeline-us-east-1-invoke-permission",
    ROLE: "pipeline-us-east-1-role",
    TABLE: "trade-table",
    TARGET: "pipeline-us-east-1-target",
    rt.ARCHIVE: "pipeline-us-east-1-archive",
    rt.BUS: "pipeline-us-east-1-bus",
    rt.QUEUE: "pipeline-us-east-1-delivery-dlq",
    rt.QUEUE_POLICY: "pipeline-us-east-1-delivery-dlq-policy",
    rt.TOPIC: "monitoring-us-east-1-topic",
    rt.TOPIC_POLICY: "monitoring-us-east-1-topic-policy",
    rt.KMS_KEY: "monitoring-us-east-1-alarms-key",
    ALARM: "monitoring-us-east-1-lambda-errors",
    rt.SUBNET: "network-us-east-1-private-0",
    rt.VPC: "network-us-east-1-vpc",
}


def _named(plan: Plan, type_: str, name: str | None = None) -> Any:
    return named(plan, type_, name or PRIMARY_NAMES[type_])


def _set(type_: str, key: str, value: Any, name: str | None = None) -> Callable[[Plan], None]:
    def mutate(plan: Plan) -> None:
        _named(plan, type_, name).inputs[key] = value

    return mutate


def _pop(type_: str, key: str, name: str | None = None) -> Callable[[Plan], None]:
    def mutate(plan: Plan) -> None:
        _named(plan, type_, name).inputs.pop(key)

    return mutate


def _processor_statement(
    sid: str, change: Callable[[dict[str, Any]], None]
) -> Callable[[Plan], None]:
    def mutate(plan: Plan) -> None:
        def edit(doc: dict[str, Any]) -> None:
            (statement,) = [s for s in doc["Statement"] if s["Sid"] == sid]
            change(statement)

        # the processor's policy by name: plan order between two role policies is not fixed
        edit_policy(processor_policy(plan, "us-east-1"), "policy", edit)

    return mutate


def _add_like(type_: str, like: str, inputs: dict[str, Any]) -> Callable[[Plan], None]:
    """Register one more resource of ``type_``, cloned from a ``like`` resource."""

    def mutate(plan: Plan) -> None:
        template = copy.deepcopy(_named(plan, like))
        template.type = type_
        template.name = f"extra-{type_.rsplit(':', 1)[-1].lower()}"
        template.urn = (
            template.urn.rsplit("::", 1)[0].rsplit("$", 1)[0] + f"${type_}::{template.name}"
        )
        template.inputs = inputs
        template.outputs = dict(inputs)
        plan.resources.append(template)

    return mutate


def _errors_alarm(plan: Plan) -> Any:
    # the processor's, by name: the conflict detector has an Errors alarm of its own
    return named(plan, ALARM, "monitoring-us-east-1-lambda-errors")


def _cmk_replica_on_primary_key(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    _replica(plan, "us-west-2")["kmsKeyArn"] = table.inputs["serverSideEncryption"]["kmsKeyArn"]


def _hand_built_rule_arn(plan: Plan) -> None:
    # The classic bug: the rule sits on a custom bus, but the ARN is built for the default bus.
    permission = named(plan, PERMISSION, "pipeline-us-west-2-invoke-permission")
    permission.inputs["sourceArn"] = (
        "arn:aws:events:us-west-2:123456789012:rule/trade-events-dev-to-processor"
    )


def _secret_in_environment(plan: Plan) -> None:
    _named(plan, FUNCTION).inputs["environment"]["variables"]["DB_PASSWORD"] = "hunter2-hunter2"


def _drop_replica(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    table.inputs["replicas"] = [
        r for r in table.inputs["replicas"] if r["regionName"] != "eu-west-1"
    ]


def _drop_one_queue_policy(plan: Plan) -> None:
    plan.resources.remove(named(plan, rt.QUEUE_POLICY, "pipeline-us-west-2-rejected-events-policy"))


def _alarm_to_other_region(plan: Plan) -> None:
    alarm = named(plan, ALARM, "monitoring-eu-west-1-lambda-errors")
    topic = _named(plan, rt.TOPIC).outputs["arn"]
    alarm.inputs["alarmActions"] = [topic]


def _default_provider(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    table.provider, table.region = "", None


def _hard_coded_region(plan: Plan) -> None:
    policy = named(plan, ROLE_POLICY, "pipeline-us-west-2-role-policy")
    policy.inputs["policy"] = policy.inputs["policy"].replace(":us-west-2:", ":us-east-1:")


def _trust_without_condition(plan: Plan) -> None:
    edit_policy(
        _named(plan, ROLE), "assumeRolePolicy", lambda d: d["Statement"][0].pop("Condition")
    )


def _deny_statement_actions(type_: str, actions: Any) -> Callable[[Plan], None]:
    """Put ``actions`` into the DenyInsecureTransport statement of the primary's ``type_``."""

    def mutate(plan: Plan) -> None:
        def edit(doc: dict[str, Any]) -> None:
            (deny,) = [s for s in doc["Statement"] if s["Sid"] == "DenyInsecureTransport"]
            deny["Action"] = actions

        edit_policy(_named(plan, type_), "policy", edit)

    return mutate


PRODUCTION_OPTIONS = {
    "trade-pipeline:encryption": "customer-managed",
    "trade-pipeline:codeSigning": True,
    "trade-pipeline:backup": True,
}


def _function_without_code_signing(plan: Plan) -> None:
    named(plan, FUNCTION, "pipeline-us-west-2-function").inputs.pop("codeSigningConfigArn")


def _backup_copy_in_same_region(plan: Plan) -> None:
    (backup_plan,) = plan.by_type(rt.BACKUP_PLAN)
    vault = named(plan, rt.BACKUP_VAULT, "table-backup-vault-us-east-1").outputs["arn"]
    backup_plan.inputs["rules"][0]["copyActions"][0]["destinationVaultArn"] = vault


def _key_policy_without_logs(plan: Plan) -> None:
    key = named(plan, rt.KMS_KEY, "table-eu-west-1-key")
    edit_policy(
        key,
        "policy",
        lambda d: d.update(Statement=[s for s in d["Statement"] if "logs" not in json.dumps(s)]),
    )


def _replica(plan: Plan, region: str) -> dict[str, Any]:
    (table,) = plan.by_type(TABLE)
    (replica,) = [r for r in table.inputs["replicas"] if r["regionName"] == region]
    return replica  # type: ignore[no-any-return]


def _no_function_destination(plan: Plan) -> None:
    drop(plan, INVOKE_CONFIG, "us-east-1")


# networkMode vpc on the dev stack's three regions (the network rules examine nothing without it)
_VPC = {
    "trade-pipeline:networkMode": "vpc",
    "trade-pipeline:vpcCidrs": {
        "us-east-1": "10.40.0.0/20",
        "us-west-2": "10.41.0.0/20",
        "eu-west-1": "10.42.0.0/20",
    },
}


def _sg_open_to_everyone(plan: Plan) -> None:
    rule = named(plan, rt.SG_EGRESS_RULE, "network-us-east-1-functions-to-dynamodb")
    rule.inputs.update(cidrIpv4="0.0.0.0/0", prefixListId=None)


def _endpoint_policy_everything(plan: Plan) -> None:
    edit_policy(
        named(plan, rt.VPC_ENDPOINT, "endpoints-us-east-1-sqs"),
        "policy",
        lambda d: d["Statement"][0].update(Resource="*"),
    )


_FAILOVER: dict[str, Any] = {"trade-pipeline:failoverEnabled": True}

_STRONG: dict[str, Any] = {
    "trade-pipeline:primaryRegion": "us-east-1",
    "trade-pipeline:secondaryRegions": ["us-east-2", "us-west-2"],
    "trade-pipeline:consistencyMode": "strong",
}


def _fourth_strong_replica(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    table.inputs["replicas"].append({**table.inputs["replicas"][0], "regionName": "eu-west-1"})


def _strong_ttl(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    table.inputs["ttl"] = {"attributeName": "expires_at", "enabled": True}


def _strong_lsi(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    table.inputs["localSecondaryIndexes"] = [{"name": "by-time", "rangeKey": "occurred_at"}]


CASES: dict[str, Case] = {
    "dynamodb-strong-three-regions-one-set": Case(
        _fourth_strong_replica, config=_STRONG, expect="MRSC needs exactly 3"
    ),
    "dynamodb-strong-no-ttl": Case(_strong_ttl, config=_STRONG, expect="TTL on expires_at"),
    "dynamodb-strong-no-lsi": Case(_strong_lsi, config=_STRONG, expect="by-time"),
    "lambda-tracing-active": Case(
        _set(FUNCTION, "tracingConfig", {"mode": "PassThrough"}), expect="PassThrough"
    ),
    "lambda-runtime-current": Case(_set(FUNCTION, "runtime", "python3.9"), expect="python3.9"),
    "lambda-runtime-newest": Case(_set(FUNCTION, "runtime", supported_python_runtimes()[1])),
    "lambda-arm64": Case(_set(FUNCTION, "architectures", ["x86_64"]), expect="x86_64"),
    "lambda-reserved-concurrency": Case(
        _pop(FUNCTION, "reservedConcurrentExecutions"),
        config={
            "trade-pipeline:lambdaReservedConcurrency": 50,
            "trade-pipeline:conflictDetectorReservedConcurrency": 5,
        },
        expect="unreserved pool",
    ),
    "lambda-no-secrets-in-environment": Case(_secret_in_environment, expect="DB_PASSWORD"),
    "lambda-reproducible-artifact": Case(
        _set(FUNCTION, "sourceCodeHash", "stale"), expect="SHA-256"
    ),
    "lambda-failure-destination": Case(_no_function_destination, expect="on-failure"),
    "lambda-async-invoke-bounded": Case(
        _pop(INVOKE_CONFIG, "maximumRetryAttempts"), expect="maximumRetryAttempts"
    ),
    "lambda-log-group-own-name": Case(
        _set(rt.LOG_GROUP, "name", "/aws/lambda/trade-processor-dev"),
        expect="Lambda's default group of function trade-processor-dev",
    ),
    "lambda-log-group-retention": Case(_pop(rt.LOG_GROUP, "retentionInDays"), expect="forever"),
    "lambda-permission-source-scoped": Case(_pop(PERMISSION, "sourceArn"), expect="source_arn"),
    "lambda-permission-rule-arn": Case(_hand_built_rule_arn, expect="not the ARN of any rule"),
    "iam-no-wildcard-actions": Case(
        _processor_statement(
            "TradeTableRegionalReplica", lambda s: s.update(Action=["dynamodb:*"])
        ),
        expect="dynamodb:*",
    ),
    "iam-resource-star-scoped": Case(
        _processor_statement("TradeTableRegionalReplica", lambda s: s.update(Resource="*")),
        expect="dynamodb:PutItem",
    ),
    "iam-no-wildcard-resource-arns": Case(
        _processor_statement(
            "TradeTableRegionalReplica",
            lambda s: s.update(Resource=["arn:aws:dynamodb:*:123456789012:table/*"]),
        ),
        expect="table/*",
    ),
    "iam-no-aws-managed-policies": Case(
        _set(ROLE, "managedPolicyArns", ["arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"]),
        expect="AmazonDynamoDBFullAccess",
    ),
    "iam-trust-scoped": Case(_trust_without_condition, expect="aws:SourceAccount"),
    "iam-parliament-clean": Case(
        _processor_statement(
            "DeadLetterAndFailureQueues",
            lambda s: s.update(Resource=["arn:aws:dynamodb:us-east-1:123456789012:table/t"]),
        ),
        expect="RESOURCE_MISMATCH",
    ),
    "dynamodb-sse-enabled": Case(
        _pop(TABLE, "serverSideEncryption"), expect="serverSideEncryption"
    ),
    "dynamodb-pitr-table-and-replicas": Case(
        lambda p: _replica(p, "eu-west-1").update(pointInTimeRecovery=False),
        expect="replica in eu-west-1",
    ),
    "dynamodb-streams-for-replicas": Case(
        _set(TABLE, "streamViewType", "KEYS_ONLY"), expect="KEYS_ONLY"
    ),
    "dynamodb-replica-keys-regional": Case(
        _cmk_replica_on_primary_key,
        config={"trade-pipeline:encryption": "customer-managed"},
        expect="replica in us-west-2 uses key",
    ),
    "dynamodb-no-legacy-global-table": Case(
        _add_like(rt.LEGACY_GLOBAL_TABLE, TABLE, {"name": "trade-events-dev"}),
        expect="legacy",
    ),
    "dynamodb-replicas-match-regions": Case(_drop_replica, expect="no replica in eu-west-1"),
    "eventbridge-target-dlq": Case(_pop(TARGET, "deadLetterConfig"), expect="no dead-letter queue"),
    "eventbridge-target-retry-policy": Case(
        _pop(TARGET, "retryPolicy"), expect="maximumRetryAttempts"
    ),
    "eventbridge-bus-policy-not-open": Case(
        _add_like(
            rt.BUS_POLICY,
            rt.BUS,
            {
                "eventBusName": "trade-events-dev",
                "policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "Anyone",
                                "Effect": "Allow",
                                "Principal": "*",
                                "Action": "events:PutEvents",
                                "Resource": "*",
                            }
                        ],
                    }
                ),
            },
        ),
        expect="Anyone",
    ),
    "eventbridge-archive-retention": Case(_set(rt.ARCHIVE, "retentionDays", 0.0), expect="forever"),
    "sqs-encrypted": Case(_set(rt.QUEUE, "sqsManagedSseEnabled", False), expect="encryption"),
    "sns-encrypted": Case(_pop(rt.TOPIC, "kmsMasterKeyId"), expect="kmsMasterKeyId"),
    "tls-only-policies": Case(_drop_one_queue_policy, expect="SecureTransport"),
    "resource-policy-actions-in-scope": Case(
        _deny_statement_actions(rt.TOPIC_POLICY, "sns:*"), expect="names sns:*"
    ),
    "log-group-key-allows-logs": Case(
        _key_policy_without_logs,
        config=PRODUCTION_OPTIONS,
        expect="does not let logs.eu-west-1.amazonaws.com encrypt",
    ),
    "lambda-code-signing": Case(
        _function_without_code_signing,
        config=PRODUCTION_OPTIONS,
        expect="has no code signing config of this stack",
    ),
    "dynamodb-backup-plan": Case(
        _backup_copy_in_same_region,
        config=PRODUCTION_OPTIONS,
        expect="no copy to a vault in another region",
    ),
    "kms-key-rotation": Case(_set(rt.KMS_KEY, "enableKeyRotation", False), expect="rotation"),
    "alarm-actions-to-regional-topic": Case(
        _alarm_to_other_region, expect="not in the alarm's region"
    ),
    "alarm-topics-subscribed": Case(
        lambda p: drop(p, rt.TOPIC_SUBSCRIPTION, "eu-west-1"),
        config={
            "trade-pipeline:environment": "staging",
            "trade-pipeline:alarmHttpsEndpoints": ["https://events.example.com/sns"],
        },
        expect="alarms of eu-west-1 reach nobody",
    ),
    "alarm-actions-enabled": Case(_set(ALARM, "actionsEnabled", False), expect="actionsEnabled"),
    "lambda-errors-alarm-threshold": Case(
        lambda p: _errors_alarm(p).inputs.update(threshold=1.0), expect="threshold 1"
    ),
    "no-default-provider": Case(_default_provider, expect="default"),
    "region-consistency": Case(_hard_coded_region, expect="names us-east-1"),
    "regional-completeness": Case(
        lambda p: drop(p, TARGET, "eu-west-1"), expect="eu-west-1 lacks EventTarget"
    ),
    # more failing cases of this rule: tests/policy/test_loss_alarms.py
    "loss-alarms": Case(
        lambda p: _drop_alarm(p, "trade-dev-us-west-2-lambda-async-events-dropped"),
        expect="AsyncEventsDropped",
    ),
    "network-functions-in-vpc": Case(_pop(FUNCTION, "vpcConfig"), _VPC, "not attached"),
    "network-no-open-security-group-rules": Case(_sg_open_to_everyone, _VPC, "0.0.0.0/0"),
    "network-no-internet-path": Case(
        _set(rt.SUBNET, "mapPublicIpOnLaunch", True), _VPC, "public IPs"
    ),
    "network-service-routes": Case(
        lambda p: drop(p, rt.VPC_ENDPOINT, "us-west-2"), _VPC, "no gateway endpoint"
    ),
    "network-endpoint-policies-scoped": Case(_endpoint_policy_everything, _VPC, "every resource"),
    "network-region-cidrs-disjoint": Case(
        _set(rt.VPC, "cidrBlock", "10.41.0.0/16"), _VPC, "overlaps"
    ),
    # more failing cases of this rule: tests/unit/test_data_protection.py
    "data-resources-protected": Case(
        lambda p: setattr(_named(p, rt.KMS_KEY, "table-us-west-2-key"), "protect", False),
        config={**PRODUCTION_OPTIONS, "trade-pipeline:deletionProtection": True},
        expect="kms:Key table-us-west-2-key is not protected",
    ),
    # more failing cases of this rule: tests/policy/test_recorded_calls_permitted.py
    "recorded-calls-permitted": Case(
        lambda p: _drop_statement(
            p, "pipeline-us-east-1-role-policy", "DeadLetterAndFailureQueues"
        ),
        expect="role trade-processor-dev-us-east-1 cannot sqs:SendMessage",
    ),
    # more failing cases of the failover rules: tests/policy/test_failover_rules.py
    "global-endpoint-replication-role": Case(
        lambda p: _drop_statement(p, "failover-role-policy", "EndpointManagedRules"),
        config=_FAILOVER,
        expect="role lacks events:putrule",
    ),
    "global-endpoint-health-fails-on-silence": Case(
        _set(
            HEALTH_CHECK, "insufficientDataHealthStatus", "LastKnownStatus", "failover-health-check"
        ),
        config=_FAILOVER,
        expect="insufficient data is 'LastKnownStatus'",
    ),
    "global-endpoint-health-check-tracks-alarm": Case(
        _pop(HEALTH_CHECK, "triggers", "failover-health-check"),
        config=_FAILOVER,
        expect="triggers lack 'threshold'",
    ),
}


def _drop_statement(plan: Plan, role_policy: str, sid: str) -> None:
    policy = _named(plan, rt.ROLE_POLICY, role_policy)
    document = json.loads(policy.inputs["policy"])
    document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]
    policy.inputs["policy"] = json.dumps(document)


def _drop_alarm(plan: Plan, name: str) -> None:
    plan.resources = [
        r for r in plan.resources if not (r.type == ALARM and r.inputs.get("name") == name)
    ]


def test_every_rule_has_a_failing_case() -> None:
    assert sorted(CASES) == sorted(rule.name for rule in RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_is_documented(rule: Any) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.description and rule.message and rule.sources
    assert rule.severity in (Severity.MANDATORY, Severity.ADVISORY)
    assert rule.doc, f"{rule.name}: the rule function needs a docstring"


@pytest.fixture(scope="session")
def plan_for(preview: Callable[..., Plan], base_plan: Plan) -> Callable[[Case], Plan]:
    built: dict[str, Plan] = {}  # one preview per distinct config (the VPC cases share one)

    def build(case: Case) -> Plan:
        if not case.config:
            return copy.deepcopy(base_plan)
        key = json.dumps(case.config, sort_keys=True)
        if key not in built:
            built[key] = preview(config=case.config)
        return copy.deepcopy(built[key])

    return build


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_passes_on_the_real_plan(name: str, plan_for: Callable[[Case], Plan]) -> None:
    rule = rule_by_name(name)
    plan = plan_for(CASES[name])

    assert run_rule(rule, plan) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_fails_on_the_broken_plan(name: str, plan_for: Callable[[Case], Plan]) -> None:
    rule, case = rule_by_name(name), CASES[name]
    plan = plan_for(case)

    case.mutate(plan)
    violations = run_rule(rule, plan)

    assert violations, f"{name} did not notice the change"
    assert any(case.expect in f.message for f in violations), [f.message for f in violations]
    report = evaluate_plan(plan, waivers=[])
    result = report.result(name)
    assert result.outcome.value == "failed"
    if rule.severity is Severity.MANDATORY:
        assert result in report.mandatory_failures
        assert not report.passed
        assert any(rule.message in line for line in report.failure_lines())


def test_reproducible_artifact_rejects_an_unpacked_folder(plan: Plan, tmp_path: Path) -> None:
    _named(plan, FUNCTION).inputs["code"] = pulumi.FileArchive(str(tmp_path))

    violations = run_rule(rule_by_name("lambda-reproducible-artifact"), plan)

    assert any("not the built .zip artifact" in f.message for f in violations)


def test_bus_policy_with_a_condition_is_not_open(plan: Plan) -> None:
    statement = {
        "Sid": "Organisation",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "events:PutEvents",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    }
    _add_like(
        rt.BUS_POLICY,
        rt.BUS,
        {"policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})},
    )(plan)

    assert run_rule(rule_by_name("eventbridge-bus-policy-not-open"), plan) == []


def test_dead_letter_depth_alarms_may_fire_on_any_message(base_plan: Plan) -> None:
    # GreaterThanThreshold 0 on a DLQ is right: each message there needs an operator.
    depth = [
        r
        for r in base_plan.by_type(ALARM)
        if r.inputs.get("metricName") == "ApproximateNumberOfMessagesVisible"
    ]

    assert depth and all(r.inputs["threshold"] == 0 for r in depth)
    assert run_rule(rule_by_name("lambda-errors-alarm-threshold"), base_plan) == []


def test_alarm_without_ok_actions_fails(plan: Plan) -> None:
    _errors_alarm(plan).inputs["okActions"] = []

    violations = run_rule(rule_by_name("alarm-actions-to-regional-topic"), plan)

    assert [f.message for f in violations] == ["no okActions"]


@pytest.mark.parametrize("missing_data", ["notBreaching", "missing", None])
def test_health_alarm_that_ignores_silence_fails(
    plan_for: Callable[[Case], Plan], missing_data: str | None
) -> None:
    # The other half of global-endpoint-health-fails-on-silence's defect: the alarm itself.
    plan = plan_for(Case(lambda _: None, config=_FAILOVER))
    (alarm,) = [a for a in plan.by_type(ALARM) if a.inputs["name"].endswith("-failover-health")]
    if missing_data is None:
        alarm.inputs.pop("treatMissingData")
    else:
        alarm.inputs["treatMissingData"] = missing_data

    violations = run_rule(rule_by_name("global-endpoint-health-fails-on-silence"), plan)

    assert [f.message for f in violations] == [
        f"{alarm.name}: missing data is {missing_data or 'missing'!r}, not 'breaching' (a "
        "primary that stops taking events stops the metric and reads healthy)"
    ]


def test_health_check_trigger_out_of_step_with_the_alarm_fails(
    plan_for: Callable[[Case], Plan],
) -> None:
    plan = plan_for(Case(lambda _: None, config=_FAILOVER))
    (check,) = plan.by_type(HEALTH_CHECK)
    check.inputs["triggers"] = {**check.inputs["triggers"], "threshold": "1"}

    violations = run_rule(rule_by_name("global-endpoint-health-check-tracks-alarm"), plan)

    assert [f.message for f in violations] == [
        f"{check.name}: trigger 'threshold' is 1, the alarm's is 30000"
    ]
