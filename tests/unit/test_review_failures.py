"""One test per failure of the earlier implementation's review (docs/review-failures.md).

Each runs the real program under Pulumi's mock engine, for 3 regions (the dev stack) and for
5 regions (set through the environment variables, as an operator would), and fails against the
code that was reviewed.
"""

from __future__ import annotations

import ast
import gc
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from tests.support.plans import (
    FIVE_REGIONS,
    build,
    named,
    policy_doc,
    processor,
    processor_policy,
    regions_env,
    single,
)
from trade_pipeline.components import ReplicaCoverageError, check_replica_coverage
from trade_pipeline.components.alarms import alarm_specs
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.naming import Naming
from trade_pipeline.preview import Plan
from trade_pipeline.preview_mocks import AwsMocks
from trade_pipeline.providers import AWSProviderManager
from trade_pipeline.resource_types import (
    ALARM,
    FUNCTION,
    PERMISSION,
    TABLE,
    TARGET,
    TOPIC,
)
from trade_pipeline.resource_types import (
    EVENT_RULE as RULE,
)

ARN_REGION = re.compile(r"^arn:aws:[a-z0-9-]+:([a-z0-9-]*):")


@pytest.fixture(scope="module", params=["3-regions", "5-regions"])
def plan(
    request: pytest.FixtureRequest, dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> Plan:
    environ = {} if request.param == "3-regions" else regions_env(*FIVE_REGIONS)
    return build(dev_stack_config, lambda_artifact, environ)


def regions(plan: Plan) -> tuple[str, ...]:
    return PipelineConfig.model_validate(plan.config).regions


# 1 ------------------------------------------------------------------------------------------
def test_provider_helper_returns_a_provider_for_every_region_including_primary() -> None:
    # Given a config whose primary region is us-east-1 (where the reviewed helper returned
    # the pulumi_aws module instead of a provider)
    config = PipelineConfig.from_sources(
        {"primaryRegion": "us-east-1", "secondaryRegions": ["eu-west-1"]}, {}
    )
    manager = AWSProviderManager(config)

    @pulumi.runtime.test
    def check() -> None:
        # When asking for each region's provider
        providers = {region: manager.get(region) for region in config.regions}
        # Then each is a real, cached aws.Provider, never the module
        for region, provider in providers.items():
            assert isinstance(provider, aws.Provider), region
            assert manager.get(region) is provider
        assert providers["us-east-1"] is not providers["eu-west-1"]
        with pytest.raises(KeyError, match="not configured"):
            manager.get("ap-south-1")

    pulumi.runtime.set_mocks(AwsMocks(), preview=False)
    check()


# 2 ------------------------------------------------------------------------------------------
def test_every_aws_resource_uses_the_explicit_provider_of_its_own_region(plan: Plan) -> None:
    aws_resources = plan.aws_resources()
    assert aws_resources
    on_default = [r.name for r in aws_resources if r.uses_default_provider or r.region is None]
    assert on_default == [], "resources on a default provider"
    providers = {r.urn: r for r in plan.by_type("pulumi:providers:aws")}
    assert sorted(p.region or "" for p in providers.values()) == sorted(regions(plan))
    for resource in aws_resources:
        provider_urn = resource.provider.rsplit("::", 1)[0]
        assert providers[provider_urn].region == resource.region
        # the region the resource's own ARN claims is the region of its provider
        arn = str(resource.outputs.get("arn", ""))
        match = ARN_REGION.match(arn)
        if match and match.group(1):
            assert match.group(1) == resource.region, (resource.name, arn)
    # the primary region is not special: it gets its full pipeline through its provider too
    counts = {region: len(plan.in_region(region)) for region in regions(plan)}
    assert min(counts.values()) > 20, counts


# 3 ------------------------------------------------------------------------------------------
def test_lambda_runtime_is_the_newest_python_the_provider_knows(plan: Plan) -> None:
    versions = [
        tuple(int(p) for p in r.value.removeprefix("python").split("."))
        for r in aws.lambda_.Runtime
        if re.fullmatch(r"python3\.\d+", r.value)
    ]
    newest = "python{}.{}".format(*max(versions))
    functions = plan.by_type(FUNCTION)
    assert len(functions) == 2 * len(regions(plan))  # processor and conflict detector
    assert {f.inputs["runtime"] for f in functions} == {newest}
    assert {tuple(f.inputs["architectures"]) for f in functions} == {("arm64",)}


# 4 ------------------------------------------------------------------------------------------
def test_xray_tracing_is_active_in_every_region(plan: Plan) -> None:
    for region in regions(plan):
        function = processor(plan, region)
        assert function.inputs["tracingConfig"] == {"mode": "Active"}
        statements = policy_doc(processor_policy(plan, region))["Statement"]
        xray = {a for s in statements for a in s["Action"] if a.startswith("xray:")}
        assert xray == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


# 5 ------------------------------------------------------------------------------------------
def test_dynamodb_permissions_name_only_the_own_region_replica(
    plan: Plan,
) -> None:
    (table,) = plan.by_type(TABLE)
    replica_arn = {table.region: table.outputs["arn"]}
    replica_arn |= {r["regionName"]: r["arn"] for r in table.outputs["replicas"]}
    for region in regions(plan):
        doc = policy_doc(processor_policy(plan, region))
        dynamo_resources: set[str] = set()
        for statement in doc["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            if any(a.startswith("dynamodb:") for a in actions):
                resources = statement["Resource"]
                dynamo_resources |= {resources} if isinstance(resources, str) else set(resources)
        base = replica_arn[region]
        assert base.startswith(f"arn:aws:dynamodb:{region}:")
        # the processor never queries: no index ARN either (iam.TABLE_ACTIONS)
        assert dynamo_resources == {base}
        assert not any("*" in r for r in dynamo_resources)


# 6 ------------------------------------------------------------------------------------------
def test_table_encryption_streams_and_pitr_are_explicit_on_table_and_replicas(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    assert table.inputs["serverSideEncryption"]["enabled"] is True
    assert table.inputs["pointInTimeRecovery"] == {"enabled": True}
    assert table.inputs["streamEnabled"] is True
    assert table.inputs["streamViewType"] == "NEW_AND_OLD_IMAGES"
    assert all(r["pointInTimeRecovery"] is True for r in table.inputs["replicas"])
    assert plan.by_type("aws:dynamodb/globalTable:GlobalTable") == []


def test_customer_managed_keys_put_every_replica_on_its_own_region_key(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    plan = build(
        dev_stack_config, lambda_artifact, {"TRADE_PIPELINE_ENCRYPTION": "customer-managed"}
    )
    keys = {
        k.region: k.outputs["arn"] for k in plan.by_type("aws:kms/key:Key") if "table" in k.name
    }
    assert set(keys) == set(regions(plan))
    (table,) = plan.by_type(TABLE)
    assert table.inputs["serverSideEncryption"]["kmsKeyArn"] == keys[table.region]
    for replica in table.inputs["replicas"]:
        assert replica["kmsKeyArn"] == keys[replica["regionName"]]
    # and each function may use its own region's key, through DynamoDB only
    for region in regions(plan):
        statements = policy_doc(processor_policy(plan, region))["Statement"]
        kms = [s for s in statements if any(a.startswith("kms:") for a in s["Action"])]
        assert [s["Resource"] for s in kms] == [[keys[region]]]


# 7 ------------------------------------------------------------------------------------------
def test_every_region_has_bus_rule_target_with_retry_policy_and_dead_letter_queue(
    plan: Plan,
) -> None:
    for region in regions(plan):
        bus = single(plan, "aws:cloudwatch/eventBus:EventBus", region)
        rule = single(plan, RULE, region)
        target = single(plan, TARGET, region)
        assert rule.inputs["eventBusName"] == bus.outputs["name"]
        assert target.inputs["eventBusName"] == bus.outputs["name"]
        assert target.inputs["arn"] == processor(plan, region).outputs["arn"]
        retry = target.inputs["retryPolicy"]
        assert retry["maximumRetryAttempts"] >= 0 and retry["maximumEventAgeInSeconds"] >= 60
        dlq_arn = target.inputs["deadLetterConfig"]["arn"]
        queues = {
            q.outputs["arn"]: q for q in plan.in_region(region) if q.type == "aws:sqs/queue:Queue"
        }
        assert dlq_arn in queues, "the DLQ is a queue of the same region"
        assert not queues[dlq_arn].inputs.get("fifoQueue"), "EventBridge DLQs must be standard"
    assert len({b.inputs["name"] for b in plan.by_type("aws:cloudwatch/eventBus:EventBus")}) == 1


# 8 ------------------------------------------------------------------------------------------
def test_every_lambda_permission_source_arn_is_its_rules_arn(plan: Plan) -> None:
    for region in regions(plan):
        permission = single(plan, PERMISSION, region)
        rule = single(plan, RULE, region)
        assert permission.inputs["principal"] == "events.amazonaws.com"
        assert permission.inputs["sourceArn"] == rule.outputs["arn"]
        assert permission.inputs["sourceAccount"] == "123456789012"
        assert rule.urn in permission.dependencies  # wired to the resource, not a string


# 9 ------------------------------------------------------------------------------------------
def test_replicas_cover_exactly_the_secondary_regions(plan: Plan) -> None:
    (table,) = plan.by_type(TABLE)
    config = PipelineConfig.model_validate(plan.config)
    assert table.region == config.primary_region
    assert [r["regionName"] for r in table.inputs["replicas"]] == list(config.secondary_regions)
    assert plan.stack_outputs["replicaArns"] == {
        region: f"arn:aws:dynamodb:{region}:123456789012:table/{table.inputs['name']}"
        for region in config.regions
    }


@pytest.mark.parametrize(
    ("replicas", "problem"),
    [
        (["us-west-2"], "no replica in eu-west-1"),
        (["us-west-2", "eu-west-1", "ap-south-1"], "unconfigured region(s) ap-south-1"),
        (["us-west-2", "eu-west-1", "us-east-1"], "replica in the primary region"),
        (["us-west-2", "eu-west-1", "eu-west-1"], "more than one replica in eu-west-1"),
    ],
)
def test_replica_coverage_check_names_the_mismatch(replicas: list[str], problem: str) -> None:
    with pytest.raises(ReplicaCoverageError, match=re.escape(problem)):
        check_replica_coverage(replicas, "us-east-1", ["us-west-2", "eu-west-1"])


def test_program_refuses_a_table_whose_reported_replicas_drifted(
    dev_stack_config: dict[str, Any], lambda_artifact: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an engine that reports the table back without its eu-west-1 replica
    from trade_pipeline import preview_mocks

    real = preview_mocks._mock_state

    def drop_a_replica(typ: str, name: str, inputs: dict[str, Any], region: str) -> Any:
        id_, state = real(typ, name, inputs, region)
        if typ == TABLE:
            state["replicas"] = [r for r in state["replicas"] if r["regionName"] != "eu-west-1"]
        return id_, state

    monkeypatch.setattr(preview_mocks, "_mock_state", drop_a_replica)
    # Then the program fails, naming the missing region (the engine wraps the error it
    # raised in the resources that depended on it, hence ValueError)
    with pytest.raises(ValueError, match="no replica in eu-west-1"):
        build(dev_stack_config, lambda_artifact)


# 10 -----------------------------------------------------------------------------------------
def test_alarms_have_alarm_and_ok_actions_to_own_region_topic_and_configured_thresholds(
    plan: Plan,
) -> None:
    config = PipelineConfig.model_validate(plan.config)
    for region in regions(plan):
        topic_arn = single(plan, TOPIC, region).outputs["arn"]
        alarms = [r for r in plan.in_region(region) if r.type == ALARM]
        # one per spec: processor, loss paths, queues, detector, replication per other region
        names = Naming(config.name_prefix, config.environment_suffix)
        specs = {
            names.alarm(region, s.what): s
            for s in alarm_specs(config, names, region, config.regions)
        }
        assert len(alarms) == len(specs)
        for alarm in alarms:
            assert alarm.inputs["alarmActions"] == [topic_arn], alarm.name
            assert alarm.inputs["okActions"] == [topic_arn], alarm.name
            spec = specs[alarm.inputs["name"]]
            assert alarm.inputs["treatMissingData"] == spec.missing_data.value
            assert alarm.inputs["alarmDescription"].endswith(spec.source)
            assert alarm.inputs["actionsEnabled"] is True
        # the processor's (the conflict detector has an Errors alarm of its own), by name
        errors = named(plan, ALARM, f"monitoring-{region}-lambda-errors")
        assert errors.inputs["metricName"] == "Errors"
        assert errors.inputs["threshold"] == config.lambda_errors_threshold > 1


def test_alarm_thresholds_follow_config(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    plan = build(
        dev_stack_config,
        lambda_artifact,
        {
            "TRADE_PIPELINE_LAMBDA_ERRORS_THRESHOLD": "25",
            "TRADE_PIPELINE_LAMBDA_TIMEOUT_SECONDS": "60",
            "TRADE_PIPELINE_REPLICATION_LATENCY_THRESHOLD_MS": "2500",
        },
    )
    by_metric: dict[str, set[float]] = {}
    for alarm in plan.by_type(ALARM):
        by_metric.setdefault(alarm.inputs["metricName"], set()).add(alarm.inputs["threshold"])
    assert by_metric["Errors"] == {25}
    assert by_metric["Duration"] == {48000}  # 0.8 of the 60 s timeout, in ms
    assert by_metric["ReplicationLatency"] == {2500}


def test_config_rejects_a_lambda_errors_threshold_of_one() -> None:
    from trade_pipeline.config.errors import ConfigError

    with pytest.raises(ConfigError, match="lambdaErrorsThreshold"):
        PipelineConfig.from_sources({"primaryRegion": "us-east-1", "lambdaErrorsThreshold": 1}, {})


# 11 -----------------------------------------------------------------------------------------
def test_no_region_or_value_is_hard_coded(
    dev_stack_config: dict[str, Any], lambda_artifact: Any
) -> None:
    # Given regions and values that appear nowhere in the stack file or the code's defaults
    environ = {
        **regions_env("ap-southeast-2", "ca-central-1"),
        "ENVIRONMENT_SUFFIX": "qa7",
        "TRADE_PIPELINE_LAMBDA_MEMORY_MB": "1024",
        "TRADE_PIPELINE_LOG_RETENTION_DAYS": "90",
    }
    plan = build(dev_stack_config, lambda_artifact, environ)
    text = json.dumps([r.inputs for r in plan.resources], default=repr)
    # Then no default region, and no default name, leaks into any resource
    for region in ("us-east-1", "us-west-2", "eu-west-1"):
        assert region not in text
    assert "-dev" not in text
    assert {r.region for r in plan.aws_resources()} == {"ap-southeast-2", "ca-central-1"}
    assert {f.inputs["memorySize"] for f in plan.by_type(FUNCTION)} == {1024}
    assert {
        g.inputs["retentionInDays"] for g in plan.by_type("aws:cloudwatch/logGroup:LogGroup")
    } == {90}


def test_program_source_names_no_region() -> None:
    """No string literal in the infrastructure code names a region (docstrings and error
    messages' examples aside): regions come from config only."""
    src = Path(__file__).resolve().parents[2] / "src" / "trade_pipeline"
    region = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d\b")
    offenders = []
    # The cost estimate's price table is per region by nature: it names the region it prices.
    # So are the region sets AWS offers multi-Region strong consistency in (an AWS fact).
    exempt = {src / "cost" / "prices.py", src / "config" / "consistency.py"}
    # Earlier previews leave failed futures behind; if the garbage collector finalizes one
    # during ast.parse, its traceback (which parses source lines to place carets) re-enters the
    # AST constructor and CPython 3.11 raises "AST constructor recursion depth mismatch".
    gc.collect()
    for path in src.rglob("*.py"):
        if path in exempt:
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and region.search(node.value.replace("e.g. us-east-1", ""))
            ):
                offenders.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert offenders == []


# 12 -----------------------------------------------------------------------------------------
def test_lambda_code_is_the_reproducible_artifact_with_its_hash(
    plan: Plan, lambda_artifact: Any
) -> None:
    handlers = set()
    for function in plan.by_type(FUNCTION):
        assert function.inputs["code"].path == str(lambda_artifact.path)
        assert function.inputs["sourceCodeHash"] == lambda_artifact.source_code_hash
        handlers.add(function.inputs["handler"])
    assert handlers == {"trade_processor.handler.handler", "trade_processor.conflicts.handler"}
    with zipfile.ZipFile(lambda_artifact.path) as archive:
        names = set(archive.namelist())
    assert "trade_processor/handler.py" in names
    assert not any("/tests/" in n or n.endswith(".pyc") for n in names)
