"""The whole stack under the mock engine: shapes, wiring and policy documents."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from parliament import analyze_policy_string

from tests.support.plans import (
    SIX_REGIONS,
    build,
    policy_doc,
    processor,
    regions_env,
    single,
)
from trade_pipeline.components.alarms import alarm_specs
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.naming import Naming, QueueKind
from trade_pipeline.policies.rules.iam import parliament_findings
from trade_pipeline.preview import Plan
from trade_pipeline.resource_types import (
    DASHBOARD,
    IAM_POLICY,
    INVOKE_CONFIG,
    QUEUE,
    ROLE,
    ROLE_POLICY,
    TABLE,
    TOPIC,
)
from trade_pipeline.resource_types import (
    EVENT_RULE as RULE,
)


@pytest.fixture(scope="module")
def plan(dev_stack_config: dict[str, Any], lambda_artifact: Any) -> Plan:
    return build(dev_stack_config, lambda_artifact)


@pytest.mark.parametrize("count", [1, 3, 6])
def test_one_three_and_six_regions_build_with_the_same_regional_shape(
    count: int, dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    plan = build(dev_stack_config, lambda_artifact, regions_env(*SIX_REGIONS[:count]))
    per_region = {
        region: Counter(r.type for r in plan.in_region(region)) for region in SIX_REGIONS[:count]
    }
    primary, *others = SIX_REGIONS[:count]
    for region in others:
        expected = per_region[primary].copy()
        expected[TABLE] -= 1  # only the primary holds the table resource; others are replicas
        expected[DASHBOARD] -= 1  # one dashboard for the stack, in the primary region
        expected[IAM_POLICY] -= 1  # the producer policy (IAM is global; primary's provider)
        assert +expected == per_region[region]
    # every alarm spec of the region, and one replication alarm per other region (the count
    # of alarms is the specs', so a new alarm spec needs no edit here)
    config = PipelineConfig.model_validate(plan.config)
    names = Naming(config.name_prefix, config.environment_suffix)
    specs = alarm_specs(config, names, primary, config.regions)
    assert per_region[primary]["aws:cloudwatch/metricAlarm:MetricAlarm"] == len(specs)
    replication = [
        a
        for a in plan.in_region(primary)
        if a.type == "aws:cloudwatch/metricAlarm:MetricAlarm"
        and a.inputs["metricName"] == "ReplicationLatency"
    ]
    assert len(replication) == count - 1
    (table,) = plan.by_type(TABLE)
    assert len(table.inputs.get("replicas", [])) == count - 1


def test_every_permission_policy_passes_parliament(plan: Plan) -> None:
    policies = [*plan.by_type(ROLE_POLICY), *plan.by_type(IAM_POLICY)]
    # processor, detector and heartbeat per region, producer policy
    assert len(policies) == 3 * 3 + 1
    for resource in policies:
        findings = parliament_findings(policy_doc(resource))
        assert findings == [], [(f.issue, f.detail) for f in findings]


def test_parliament_would_flag_a_wildcard_table_grant() -> None:
    # the check above can fail: a wildcard DynamoDB grant is a finding
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}],
    }
    assert analyze_policy_string(json.dumps(doc)).findings


def test_role_trust_is_one_service_only_on_behalf_of_the_account(plan: Plan) -> None:
    # processor and detector (Lambda) and heartbeat (EventBridge Scheduler) per region
    assert len(plan.by_type(ROLE)) == 3 * 3
    for role in plan.by_type(ROLE):
        (statement,) = policy_doc(role, "assumeRolePolicy")["Statement"]
        service = "scheduler" if "-heartbeat-" in role.inputs["name"] else "lambda"
        assert statement["Principal"] == {"Service": f"{service}.amazonaws.com"}
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        assert role.region in role.inputs["name"]  # IAM names are global
        assert "managedPolicyArns" not in role.inputs


def test_queues_are_encrypted_and_tls_only_and_the_dlq_accepts_only_its_rule(plan: Plan) -> None:
    policies = plan.by_type("aws:sqs/queuePolicy:QueuePolicy")
    queues = plan.by_type(QUEUE)
    assert len(queues) == len(policies) == 3 * len(QueueKind)
    assert all(q.inputs["sqsManagedSseEnabled"] is True for q in queues)
    for policy in policies:
        doc = policy_doc(policy)
        (deny,) = [s for s in doc["Statement"] if s["Effect"] == "Deny"]
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        allows = [s for s in doc["Statement"] if s["Effect"] == "Allow"]
        if "delivery-dlq" in policy.name:
            rule_arn = single(plan, RULE, policy.region or "").outputs["arn"]
            (allow,) = allows
            assert allow["Condition"]["ArnEquals"] == {"aws:SourceArn": rule_arn}
        else:
            assert allows == []


def test_function_is_wired_to_its_log_group_queues_and_replica(plan: Plan) -> None:
    config = PipelineConfig.model_validate(plan.config)
    (table,) = plan.by_type(TABLE)
    for region in config.regions:
        function = processor(plan, region)
        (log_group,) = [
            g
            for g in plan.in_region(region)
            if g.type == "aws:cloudwatch/logGroup:LogGroup"
            and g.inputs["name"] == f"/trade-pipeline/dev/{function.inputs['name']}"
        ]
        assert function.inputs["loggingConfig"]["logGroup"] == log_group.inputs["name"]
        assert function.inputs["loggingConfig"]["logFormat"] == "JSON"
        assert log_group.inputs["retentionInDays"] == config.log_retention_days
        assert log_group.urn in function.dependencies
        env = function.inputs["environment"]["variables"]
        assert env["TABLE_NAME"] == table.inputs["name"]
        assert env["REJECTED_EVENTS_QUEUE_URL"].startswith(f"https://sqs.{region}.amazonaws.com/")
        assert env["REJECTED_EVENTS_QUEUE_URL"].endswith("rejected-events")
        (invoke,) = [
            c
            for c in plan.in_region(region)
            if c.type == INVOKE_CONFIG and c.inputs["functionName"] == function.inputs["name"]
        ]
        assert invoke.inputs["maximumRetryAttempts"] == config.lambda_max_retry_attempts
        destination = invoke.inputs["destinationConfig"]["onFailure"]["destination"]
        assert destination.startswith(f"arn:aws:sqs:{region}:")
        assert destination.endswith("processing-failures")


def test_alarm_topics_are_encrypted_with_a_key_cloudwatch_may_use(plan: Plan) -> None:
    for region in PipelineConfig.model_validate(plan.config).regions:
        topic = single(plan, TOPIC, region)
        key = single(plan, "aws:kms/key:Key", region)
        assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
        assert key.inputs["enableKeyRotation"] is True
        principals = [s["Principal"] for s in policy_doc(key)["Statement"]]
        assert {"Service": "cloudwatch.amazonaws.com"} in principals
        topic_policy = single(plan, "aws:sns/topicPolicy:TopicPolicy", region)
        (allow,) = [s for s in policy_doc(topic_policy)["Statement"] if s["Effect"] == "Allow"]
        assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        alarms = f"arn:aws:cloudwatch:{region}:123456789012:alarm:trade-dev-{region}-*"
        assert allow["Condition"] == {
            "ArnLike": {"aws:SourceArn": alarms},
            "StringEquals": {"aws:SourceAccount": "123456789012"},
        }


def test_alarm_emails_subscribe_in_every_region(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    plan = build(
        dev_stack_config, lambda_artifact, {"TRADE_PIPELINE_ALARM_EMAILS": "desk@example.com"}
    )
    subscriptions = plan.by_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.region or "" for s in subscriptions) == sorted(
        ("us-east-1", "us-west-2", "eu-west-1")
    )
    for subscription in subscriptions:
        assert (
            subscription.inputs["topic"]
            == single(plan, TOPIC, subscription.region or "").outputs["arn"]
        )


def test_https_alarm_endpoints_subscribe_in_every_region_and_must_confirm(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    url = "https://events.pagerduty.com/integration/abc/enqueue"
    plan = build(dev_stack_config, lambda_artifact, {"TRADE_PIPELINE_ALARM_HTTPS_ENDPOINTS": url})

    subscriptions = plan.by_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.region or "" for s in subscriptions) == ["eu-west-1", "us-east-1", "us-west-2"]
    for subscription in subscriptions:
        assert subscription.inputs["protocol"] == "https"
        assert subscription.inputs["endpoint"] == url
        # pulumi up waits for the endpoint's confirmation and fails if it never comes
        assert subscription.inputs["endpointAutoConfirms"] is True


def test_outside_dev_a_stack_without_alarm_subscriptions_is_refused(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    from trade_pipeline.policies import evaluate_plan

    plan = build(dev_stack_config, lambda_artifact, {"TRADE_PIPELINE_ENVIRONMENT": "staging"})

    report = evaluate_plan(plan)
    failed = [r.rule.name for r in report.mandatory_failures]
    assert failed == ["alarm-topics-subscribed"]
    assert any("reach nobody" in line for line in report.failure_lines())


def test_archive_retention_is_bounded_and_rule_matches_trading_events(plan: Plan) -> None:
    for archive in plan.by_type("aws:cloudwatch/eventArchive:EventArchive"):
        assert 0 < archive.inputs["retentionDays"] <= 3650
    for rule in plan.by_type(RULE):
        pattern = json.loads(rule.inputs["eventPattern"])
        assert pattern["source"] == [{"prefix": "trading."}]
        assert sorted(pattern["detail-type"]) == ["OrderCancelled", "OrderPlaced", "TradeExecuted"]


def test_stack_exports_replica_arns_and_regional_endpoints(plan: Plan) -> None:
    outputs = plan.stack_outputs
    assert set(outputs["regional"]) == set(outputs["regions"]) == set(outputs["replicaArns"])
    for region, regional in outputs["regional"].items():
        assert regional["eventBusArn"].startswith(f"arn:aws:events:{region}:")
        assert set(regional["queueUrls"]) == {k.value for k in QueueKind}


def test_missing_lambda_artifact_fails_at_preview(
    dev_stack_config: dict[str, Any], tmp_path: Any
) -> None:
    class Missing:
        path = tmp_path / "nope.zip"
        source_code_hash = "x"

    with pytest.raises(FileNotFoundError, match=r"nope\.zip does not exist"):
        build(dev_stack_config, Missing())


def test_the_table_expires_items_by_the_attribute_only_canaries_carry(plan: Plan) -> None:
    from trade_processor.table_schema import EXPIRES_AT

    (table,) = plan.by_type(TABLE)
    assert table.inputs["ttl"] == {"attributeName": EXPIRES_AT, "enabled": True}
    # one TTL setting for the global table: replica arguments have none of their own
    assert all("ttl" not in replica for replica in table.inputs["replicas"])


def test_no_xray_sampling_rule_is_planned(plan: Plan) -> None:
    """Lambda samples an Active function at a fixed rate ("You can't configure the X-Ray
    sampling rate for your functions",
    https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html): a rule would do nothing."""
    assert [r.name for r in plan.resources if r.type.startswith("aws:xray/")] == []


def test_every_queue_accepts_exactly_the_message_size_the_processor_sizes_rejections_for(
    plan: Plan,
) -> None:
    from trade_processor.rejections import MAX_MESSAGE_BYTES

    queues = plan.by_type("aws:sqs/queue:Queue")
    assert queues
    assert {q.inputs.get("maxMessageSize") for q in queues} == {MAX_MESSAGE_BYTES}
