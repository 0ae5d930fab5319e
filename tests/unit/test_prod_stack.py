"""The production stack file previews cleanly, with no waiver, in the shape production needs;
its optional features (code signing, backups) add their resources only when on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.order import assert_same_items
from tests.support.plans import policy_doc, processor, single
from trade_pipeline import resource_types as rt
from trade_pipeline.policies import evaluate_plan
from trade_pipeline.preview import Plan, load_stack_config, run_preview
from trade_pipeline.preview_mocks import MOCK_ACCOUNT_ID

REPO = Path(__file__).resolve().parents[2]
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
OPTIONAL_TYPES = (
    rt.SIGNING_PROFILE,
    rt.CODE_SIGNING_CONFIG,
    rt.BACKUP_VAULT,
    rt.BACKUP_PLAN,
    rt.BACKUP_SELECTION,
)


@pytest.fixture(scope="module")
def prod_config() -> dict[str, Any]:
    return load_stack_config("prod", REPO)


@pytest.fixture(scope="module")
def prod(prod_config: dict[str, Any], lambda_artifact: Any) -> Callable[..., Plan]:
    def run(**extra: Any) -> Plan:
        config = {**prod_config, **{f"trade-pipeline:{k}": v for k, v in extra.items()}}
        return run_preview(config, stack="prod", environ={}, artifact=lambda_artifact)

    return run


@pytest.fixture(scope="module")
def plan(prod: Callable[..., Plan]) -> Plan:
    return prod()


def test_prod_passes_every_rule_with_no_waiver(prod_config: dict[str, Any], plan: Plan) -> None:
    assert "trade-pipeline:policyWaivers" not in prod_config
    report = evaluate_plan(plan)

    assert [r.rule.name for r in report.results if r.outcome.value != "passed"] == []


def test_prod_has_the_production_shape(plan: Plan) -> None:
    (table,) = plan.by_type(rt.TABLE)
    assert table.inputs["deletionProtectionEnabled"] is True
    assert table.inputs["serverSideEncryption"]["kmsKeyArn"]
    assert [r["regionName"] for r in table.inputs["replicas"]] == list(REGIONS[1:])
    for region in REGIONS:
        function = processor(plan, region)
        assert function.inputs["reservedConcurrentExecutions"] >= 1
        for group in (g for g in plan.in_region(region) if g.type == rt.LOG_GROUP):
            assert group.inputs["retentionInDays"] >= 365
        assert [s for s in plan.by_type(rt.TOPIC_SUBSCRIPTION) if s.region == region]


@pytest.mark.parametrize("region", REGIONS)
def test_log_groups_are_encrypted_with_the_regions_key_that_logs_may_use(
    plan: Plan, region: str
) -> None:
    groups = [g for g in plan.in_region(region) if g.type == rt.LOG_GROUP]
    keys = {k.outputs["arn"]: k for k in plan.by_type(rt.KMS_KEY) if k.region == region}
    (key_arn,) = {group.inputs["kmsKeyId"] for group in groups}  # the processor's, the detector's
    key = keys[key_arn]
    (logs,) = [s for s in policy_doc(key)["Statement"] if s["Sid"] == "CloudWatchLogsUseKey"]

    assert len(groups) == 2
    assert logs["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
    (condition,) = logs["Condition"]["ArnLike"].items()
    assert condition[0] == "kms:EncryptionContext:aws:logs:arn"
    assert_same_items(
        condition[1],
        (f"arn:aws:logs:{region}:{MOCK_ACCOUNT_ID}:log-group:{g.inputs['name']}" for g in groups),
        "log groups the key's logs statement names",
    )
    (table,) = plan.by_type(rt.TABLE)
    replica_keys = {r["regionName"]: r["kmsKeyArn"] for r in table.inputs["replicas"]}
    table_key = replica_keys.get(region, table.inputs["serverSideEncryption"]["kmsKeyArn"])
    assert key_arn == table_key  # the region's one customer-managed key


def test_each_production_only_choice_is_explained_in_a_comment() -> None:
    lines = (REPO / "Pulumi.prod.yaml").read_text().splitlines()
    dev_keys = set(yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())["config"])
    for index, line in enumerate(lines):
        key = line.strip().split(":", 2)
        name = ":".join(key[:2])
        if line.startswith("  trade-pipeline:") and name not in dev_keys:
            if name in ("trade-pipeline:environmentSuffix",):
                continue  # the stack's name, not a choice
            above = lines[index - 1].strip()
            assert above.startswith("#"), f"{name} has no comment saying why"


def test_optional_features_are_off_by_default(plan: Plan) -> None:
    assert [r.type for r in plan.resources if r.type in OPTIONAL_TYPES] == []
    assert "backupRegions" not in plan.stack_outputs  # status reads no backup setting
    for region in REGIONS:
        assert "codeSigningConfigArn" not in {
            k for k, v in processor(plan, region).inputs.items() if v is not None
        }


def test_code_signing_on_warns_with_a_regional_signer_profile(prod: Callable[..., Plan]) -> None:
    """The functions deploy a direct upload: Warn, the only policy Lambda lets it through."""
    plan = prod(codeSigning=True)

    assert evaluate_plan(plan).passed
    for region in REGIONS:
        profile = single(plan, rt.SIGNING_PROFILE, region)
        config = single(plan, rt.CODE_SIGNING_CONFIG, region)
        function = processor(plan, region)
        assert profile.inputs["platformId"] == "AWSLambda-SHA384-ECDSA"
        assert config.inputs["policies"] == {"untrustedArtifactOnDeployment": "Warn"}
        assert config.inputs["allowedPublishers"]["signingProfileVersionArns"] == [
            profile.outputs["versionArn"]
        ]
        assert function.inputs["codeSigningConfigArn"] == config.outputs["arn"]
    assert not plan.by_type(rt.BACKUP_PLAN)


def test_the_signer_profile_name_is_generated_within_signers_rules(
    prod: Callable[..., Plan],
) -> None:
    """A deleted profile is cancelled and keeps its name for two years: the name is generated
    from a prefix (provider suffix: 26 characters), within ^[a-zA-Z0-9_]{2,64}."""
    import re

    plan = prod(codeSigning=True)
    for region in REGIONS:
        profile = single(plan, rt.SIGNING_PROFILE, region)
        assert profile.inputs.get("name") is None
        prefix = profile.inputs["namePrefix"]
        assert re.fullmatch(r"[A-Za-z0-9_]{2,38}", prefix), prefix
        assert re.fullmatch(r"[A-Za-z0-9_]{2,64}", prefix + "0" * 26)


def project_keys(config: dict[str, Any]) -> dict[str, Any]:
    """The stack file's ``trade-pipeline:`` keys without their namespace, as config reads them."""
    prefix = "trade-pipeline:"
    return {k.removeprefix(prefix): v for k, v in config.items() if k.startswith(prefix)}


def test_enforce_with_the_direct_upload_is_one_config_line(prod_config: dict[str, Any]) -> None:
    from trade_pipeline.config.errors import ConfigError
    from trade_pipeline.config.model import PipelineConfig

    stack = project_keys(prod_config)
    with pytest.raises(ConfigError) as caught:
        PipelineConfig.from_sources(
            {**stack, "codeSigning": True, "codeSigningPolicy": "Enforce"}, environ={}
        )
    (line,) = caught.value.lines
    assert line.startswith("config error: trade-pipeline:codeSigningPolicy = 'Enforce': "), line
    assert "refused with codeSigning on" in line and "direct upload" in line
    # Enforce alone (code signing off) creates nothing to refuse
    PipelineConfig.from_sources({**stack, "codeSigningPolicy": "Enforce"}, environ={})


def test_an_enforcing_config_on_a_direct_upload_fails_the_rule(prod: Callable[..., Plan]) -> None:
    plan = prod(codeSigning=True)
    for config in plan.by_type(rt.CODE_SIGNING_CONFIG):
        config.inputs["policies"] = {"untrustedArtifactOnDeployment": "Enforce"}

    (result,) = [r for r in evaluate_plan(plan).results if r.rule.name == "lambda-code-signing"]
    assert result.outcome.value != "passed"
    assert any("deploys a direct upload under an Enforce" in m for m in result.messages)


def test_backup_on_copies_the_table_to_a_second_region(prod: Callable[..., Plan]) -> None:
    plan = prod(backup=True)

    assert evaluate_plan(plan).passed
    vaults = {v.region: v for v in plan.by_type(rt.BACKUP_VAULT)}
    assert sorted(vaults) == sorted(REGIONS)
    (backup_plan,) = plan.by_type(rt.BACKUP_PLAN)
    assert backup_plan.region == "us-east-1"
    (rule,) = backup_plan.inputs["rules"]
    assert rule["targetVaultName"] == vaults["us-east-1"].inputs["name"]
    (copy,) = rule["copyActions"]
    assert copy["destinationVaultArn"] == vaults["us-west-2"].outputs["arn"]  # first secondary
    assert rule["lifecycle"]["deleteAfter"] >= 1
    (selection,) = plan.by_type(rt.BACKUP_SELECTION)
    (table,) = plan.by_type(rt.TABLE)
    assert selection.inputs["resources"] == [table.outputs["arn"]]
    (role,) = [
        r for r in plan.by_type(rt.ROLE) if r.outputs["arn"] == selection.inputs["iamRoleArn"]
    ]
    trust = policy_doc(role, "assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"}
    policies = [p for p in plan.by_type(rt.ROLE_POLICY) if p.inputs["name"].startswith("backup")]
    granted = json.dumps([policy_doc(p) for p in policies])
    assert vaults["us-west-2"].outputs["arn"] in granted and "table/*" not in granted
    assert not plan.by_type(rt.CODE_SIGNING_CONFIG)
    # what `status` reads AWS Backup's per-Region setting in: the plan's region and the copy's
    assert plan.stack_outputs["backupRegions"] == ["us-east-1", "us-west-2"]


def test_backup_and_copy_job_failures_page_the_primary_regions_topic(
    prod: Callable[..., Plan], plan: Plan
) -> None:
    """AWS/Backup publishes job counts per vault (BackupVaultName): one alarm for failed
    backup jobs, one for failed copy jobs, in the primary region (where the plan, its source
    vault and its copy jobs are), to that region's topic; none without backup."""
    backed_up = prod(backup=True)
    alarms = {a.inputs["metricName"]: a for a in backed_up.by_type(rt.ALARM)}
    (vault,) = [v for v in backed_up.by_type(rt.BACKUP_VAULT) if v.region == "us-east-1"]
    (topic,) = [t for t in backed_up.by_type(rt.TOPIC) if t.region == "us-east-1"]
    for metric in ("NumberOfBackupJobsFailed", "NumberOfCopyJobsFailed"):
        alarm = alarms[metric]
        assert alarm.region == "us-east-1"
        assert alarm.inputs["namespace"] == "AWS/Backup"
        assert alarm.inputs["dimensions"] == {"BackupVaultName": vault.inputs["name"]}
        assert (alarm.inputs["statistic"], alarm.inputs["threshold"]) == ("Sum", 0)
        assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
        assert (alarm.inputs["period"], alarm.inputs["evaluationPeriods"]) == (3600, 1)
        assert alarm.inputs["treatMissingData"] == "notBreaching"
        assert alarm.inputs["alarmActions"] == [topic.outputs["arn"]]
        assert "aws-backup/latest/devguide/cloudwatch.html" in alarm.inputs["alarmDescription"]
    backup_metrics = [
        a for a in backed_up.by_type(rt.ALARM) if a.inputs["namespace"] == "AWS/Backup"
    ]
    assert len(backup_metrics) == 2
    assert not [a for a in plan.by_type(rt.ALARM) if a.inputs["namespace"] == "AWS/Backup"]


def test_production_doc_says_advanced_dynamodb_backup_is_per_region() -> None:
    """AWS Backup's advanced DynamoDB features are enabled per Region (advanced-ddb-backup
    page): the doc says so, checks both regions the plan uses, and says why the stack does not
    own the setting."""
    text = (REPO / "docs" / "production.md").read_text()
    section = text.split("## Optional: AWS Backup of the table", 1)[1].split("\n## ", 1)[0]
    assert "account-wide" not in section
    assert "**per Region**" in section
    assert "advanced-ddb-backup.html" in section
    assert "<primaryRegion> <backupCopyRegion>" in section
    assert "describe-region-settings" in section and "update-region-settings" in section
    assert "aws.backup.RegionSettings" in section and "singleton" in section


def test_backup_copy_region_must_differ_from_the_primary(prod_config: dict[str, Any]) -> None:
    from trade_pipeline.config.errors import ConfigError
    from trade_pipeline.config.model import PipelineConfig

    stack = project_keys(prod_config)
    with pytest.raises(ConfigError) as caught:
        PipelineConfig.from_sources(
            {**stack, "backup": True, "backupCopyRegion": "us-east-1"}, environ={}
        )
    (line,) = caught.value.lines
    assert "backupCopyRegion" in line and "primary region" in line


def test_backup_copy_region_must_be_a_region_of_the_stack(prod_config: dict[str, Any]) -> None:
    """Vaults exist only in the stack's regions: a copy elsewhere would have no vault (the
    program failed with a ``KeyError`` building the plan's copy action)."""
    from trade_pipeline.config.errors import ConfigError
    from trade_pipeline.config.model import PipelineConfig

    stack = project_keys(prod_config)
    with pytest.raises(ConfigError) as caught:
        PipelineConfig.from_sources(
            {**stack, "backup": True, "backupCopyRegion": "ap-south-1"}, environ={}
        )
    (line,) = caught.value.lines
    assert line == (
        "config error: trade-pipeline:backupCopyRegion = 'ap-south-1': ap-south-1 is not one "
        "of secondaryRegions "
        "(us-west-2, eu-west-1); the copy goes to the backup vault the stack creates in each "
        "of its regions"
    )


def test_prod_exports_the_endpoint_id_producers_need(plan: Plan) -> None:
    """The outputs reader checks ``globalEndpoint.id`` against botocore's ``EndpointId``
    pattern: the prod stack's exports pass it, and the id is the URL's, not the name."""
    from trade_pipeline.ops.outputs import StackOutputs

    endpoint = StackOutputs.model_validate(plan.stack_outputs).global_endpoint
    assert endpoint is not None
    assert endpoint.url == f"https://{endpoint.id}.endpoint.events.amazonaws.com"
    assert endpoint.name == single(plan, rt.EVENT_ENDPOINT, "us-east-1").inputs["name"]
