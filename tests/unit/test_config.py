"""PipelineConfig: sources, precedence, and one clear line per rejected value."""

from __future__ import annotations

from typing import Any

import pytest

from trade_pipeline.config.describe import user_type
from trade_pipeline.config.errors import ConfigError
from trade_pipeline.config.items import EncryptionMode
from trade_pipeline.config.model import PipelineConfig
from trade_pipeline.config.types import newest_python_runtime, supported_python_runtimes

BASE = {"primaryRegion": "us-east-1", "secondaryRegions": ["us-west-2", "eu-west-1"]}


def rejected(stack: dict[str, Any], environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        PipelineConfig.from_sources(stack, environ or {})
    return info.value.lines


def test_defaults_are_the_documented_ones() -> None:
    config = PipelineConfig.from_sources(BASE, {})
    assert config.regions == ("us-east-1", "us-west-2", "eu-west-1")
    assert config.lambda_runtime == newest_python_runtime() == supported_python_runtimes()[0]
    assert config.lambda_architecture.value == "arm64"
    assert config.encryption is EncryptionMode.AWS_MANAGED
    assert config.lambda_errors_threshold > 1
    assert config.table_deletion_protection is False  # environment "dev"


def test_deletion_protection_defaults_on_outside_dev() -> None:
    config = PipelineConfig.from_sources({**BASE, "environmentSuffix": "prod"}, {})
    assert config.table_deletion_protection is True
    off = PipelineConfig.from_sources(
        {**BASE, "environment": "prod", "deletionProtection": False}, {}
    )
    assert off.table_deletion_protection is False


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"PRIMARY_REGION": "eu-central-1"}, ("eu-central-1", "us-west-2", "eu-west-1")),
        (
            {"SECONDARY_REGIONS": "ap-southeast-1, ca-central-1"},
            ("us-east-1", "ap-southeast-1", "ca-central-1"),
        ),
        ({"SECONDARY_REGION": "eu-north-1"}, ("us-east-1", "eu-north-1")),
        ({"SECONDARY_REGIONS": "[]"}, ("us-east-1",)),
        ({"TRADE_PIPELINE_SECONDARY_REGIONS": "sa-east-1"}, ("us-east-1", "sa-east-1")),
    ],
)
def test_environment_overrides_regions(environ: dict[str, str], expected: tuple[str, ...]) -> None:
    assert PipelineConfig.from_sources(BASE, environ).regions == expected


def test_environment_overrides_any_field_with_typed_parsing() -> None:
    config = PipelineConfig.from_sources(
        BASE,
        {
            "ENVIRONMENT_SUFFIX": "pr-42",
            "TRADE_PIPELINE_LAMBDA_MEMORY_MB": "512",
            "TRADE_PIPELINE_DELETION_PROTECTION": "true",
            "TRADE_PIPELINE_ALARM_EMAILS": "desk@example.com,ops@example.com",
            "TRADE_PIPELINE_TAGS": "cost-centre=trading,owner=platform",
            "TRADE_PIPELINE_POLICY_WAIVERS": '[{"rule": "x", "reason": "reviewed in PR 12"}]',
        },
    )
    assert config.environment_suffix == "pr-42"
    assert config.lambda_memory_mb == 512
    assert config.table_deletion_protection is True
    assert config.alarm_emails == ("desk@example.com", "ops@example.com")
    assert config.tags == {"cost-centre": "trading", "owner": "platform"}
    assert config.policy_waivers[0].reason == "reviewed in PR 12"


def test_environment_wins_over_stack_config() -> None:
    config = PipelineConfig.from_sources(
        # unprotected: on a protected stack this override is refused (tests/unit/test_overrides)
        {**BASE, "environmentSuffix": "stack", "deletionProtection": False},
        {"ENVIRONMENT_SUFFIX": "env"},
    )
    assert config.environment_suffix == "env"


@pytest.mark.parametrize(
    ("stack", "environ", "key", "rule"),
    [
        (
            {**BASE, "secondaryRegions": ["us-west-2", "mars-north-1"]},
            {},
            "secondaryRegions",
            "must be an AWS region",
        ),
        ({}, {"PRIMARY_REGION": "us-east-one"}, "PRIMARY_REGION", "must be an AWS region"),
        (
            {**BASE, "primaryRegion": "cn-north-1"},
            {},
            "primaryRegion = 'cn-north-1'",
            "is a region of the aws-cn partition; the pipeline deploys to the aws partition only",
        ),
        (
            {**BASE},
            {"SECONDARY_REGIONS": "us-west-2,us-gov-west-1"},
            "SECONDARY_REGIONS",
            "'us-gov-west-1': is a region of the aws-us-gov partition",
        ),
        (
            {**BASE, "witnessRegion": "cn-northwest-1"},
            {},
            "witnessRegion",
            "aws-cn partition",
        ),
        (
            {**BASE, "secondaryRegions": ["us-west-2", "us-west-2"]},
            {},
            "secondaryRegions",
            "more than once",
        ),
        (
            {**BASE, "secondaryRegions": ["us-east-1"]},
            {},
            "secondaryRegions",
            "lists the primary region",
        ),
        ({"secondaryRegions": ["us-west-2"]}, {}, "primaryRegion", "required"),
        ({**BASE, "environmentSuffix": "Dev_1"}, {}, "environmentSuffix", "lower-case letters"),
        ({**BASE}, {"ENVIRONMENT_SUFFIX": "-dev"}, "ENVIRONMENT_SUFFIX", "starting with a letter"),
        ({**BASE, "environmentSuffix": "a" * 17}, {}, "environmentSuffix", "at most 16 characters"),
        ({**BASE, "namePrefix": "p" * 13}, {}, "namePrefix", "at most 12 characters"),
        (
            {**BASE, "lambdaRuntime": "python3.9"},
            {},
            "lambdaRuntime",
            "older runtimes are rejected",
        ),
        (
            {**BASE},
            {"TRADE_PIPELINE_LAMBDA_RUNTIME": "nodejs22.x"},
            "TRADE_PIPELINE_LAMBDA_RUNTIME",
            "must be one of",
        ),
        ({**BASE, "lambdaMemoryMb": 64}, {}, "lambdaMemoryMb", "greater than or equal to 128"),
        (
            {**BASE, "logRetentionDays": 10},
            {},
            "logRetentionDays",
            "CloudWatch Logs retention value",
        ),
        ({**BASE, "alarmEmails": ["not-an-address"]}, {}, "alarmEmails", "not an e-mail address"),
        ({**BASE, "alarmPeriodSeconds": 90}, {}, "alarmPeriodSeconds", "multiple of 60"),
        (
            {**BASE, "alarmHttpsEndpoints": ["http://events.example.com/sns"]},
            {},
            "alarmHttpsEndpoints",
            "not an https:// URL with a host: http://events.example.com/sns",
        ),
        (
            {**BASE},
            {"TRADE_PIPELINE_ALARM_HTTPS_ENDPOINTS": "https:///no-host"},
            "TRADE_PIPELINE_ALARM_HTTPS_ENDPOINTS",
            "not an https:// URL with a host",
        ),
        ({**BASE, "encryption": "none"}, {}, "encryption", "aws-managed"),
        (
            {**BASE, "primaryRegoin": "us-east-1"},
            {},
            "primaryRegoin",
            "unknown key (did you mean primaryRegion?)",
        ),
        (
            {**BASE, "policyWaivers": [{"rule": "x", "reason": "short"}]},
            {},
            "policyWaivers",
            "at least 10 characters",
        ),
        ({**BASE, "tags": {"aws:owner": "x"}}, {}, "tags", "reserved"),
        (
            {**BASE, "xraySamplingRate": 0.2},
            {},
            "xraySamplingRate",
            "removed: Lambda samples X-Ray traces at a fixed rate",
        ),
        (
            {**BASE},
            {"TRADE_PIPELINE_XRAY_SAMPLING_RATE": "0.2"},
            "TRADE_PIPELINE_XRAY_SAMPLING_RATE (environment) = '0.2'",
            "removed: Lambda samples X-Ray traces at a fixed rate",
        ),
        (
            {**BASE},
            {"TRADE_PIPELINE_XRAY_SAMPLING_RESERVOIR": "5"},
            "TRADE_PIPELINE_XRAY_SAMPLING_RESERVOIR (environment) = '5'",
            "unset the variable",
        ),
        ({**BASE, "logLevel": "TRACE"}, {}, "logLevel", "TRACE is not accepted"),
        (
            # 451 + 450 fails in a default account: 99 would stay unreserved
            {**BASE, "lambdaReservedConcurrency": 451, "conflictDetectorReservedConcurrency": 450},
            {},
            "lambdaReservedConcurrency",
            "(451) + conflictDetectorReservedConcurrency (450) = 901 per region leaves less than "
            "the 100 unreserved Lambda requires of lambdaAccountConcurrencyQuota (1000)",
        ),
        (
            {**BASE, "lambdaReservedConcurrency": 200, "lambdaAccountConcurrencyQuota": 250},
            {},
            "lambdaReservedConcurrency",
            "reserve at most 150 in all",
        ),
    ],
)
def test_each_bad_value_gets_one_line_naming_key_value_and_rule(
    stack: dict[str, Any], environ: dict[str, str], key: str, rule: str
) -> None:
    lines = rejected(stack, environ)
    assert len(lines) == 1, lines
    (line,) = lines
    assert line.startswith("config error: ")
    assert key in line
    assert rule in line
    assert "Traceback" not in line and "\n" not in line


@pytest.mark.parametrize(
    ("processor", "detector", "quota"), [(900, None, 1000), (450, 450, 1000), (1900, 0, 2000)]
)
def test_reserved_concurrency_that_leaves_100_unreserved_is_accepted(
    processor: int, detector: int | None, quota: int
) -> None:
    values = {"lambdaReservedConcurrency": processor, "lambdaAccountConcurrencyQuota": quota}
    if detector:
        values["conflictDetectorReservedConcurrency"] = detector
    config = PipelineConfig.from_sources({**BASE, **values}, environ={})
    assert config.conflict_detector_reserved_concurrency == (detector or None)


def test_the_detector_reserves_nothing_by_default() -> None:
    config = PipelineConfig.from_sources({**BASE, "lambdaReservedConcurrency": 100}, environ={})
    assert config.conflict_detector_reserved_concurrency is None
    assert config.lambda_account_concurrency_quota == 1000


def test_several_bad_values_are_all_reported() -> None:
    lines = rejected({**BASE, "lambdaMemoryMb": 1, "lambdaTimeoutSeconds": 0})
    assert len(lines) == 2
    assert any("lambdaMemoryMb" in line for line in lines)
    assert any("lambdaTimeoutSeconds" in line for line in lines)


def test_runtime_choices_are_the_two_newest_python_runtimes_of_the_provider() -> None:
    import pulumi_aws as aws

    runtimes = supported_python_runtimes()
    known = {r.value for r in aws.lambda_.Runtime}
    assert len(runtimes) == 2 and set(runtimes) <= known
    major_minor = [tuple(map(int, r.removeprefix("python").split("."))) for r in runtimes]
    assert major_minor[0] > major_minor[1]
    assert all(
        tuple(map(int, r.removeprefix("python").split("."))) <= major_minor[0]
        for r in known
        if r.startswith("python3.")
    )


def test_program_reads_config_the_way_the_pulumi_cli_hands_it_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    import pulumi

    from trade_pipeline.stack import config_from_pulumi

    # Given config only in PULUMI_CONFIG, as the CLI's Python language host passes it
    pulumi.runtime.set_all_config({}, [])
    monkeypatch.setenv(
        "PULUMI_CONFIG",
        json.dumps(
            {
                "trade-pipeline:primaryRegion": "eu-west-1",
                "trade-pipeline:secondaryRegions": '["eu-central-1"]',
                "trade-pipeline:lambdaMemoryMb": "512",
                "pulumi:disable-default-providers": '["aws"]',
                "aws:region": "us-east-1",
            }
        ),
    )
    # When the program loads its config
    config, announcements = config_from_pulumi(environ={})
    # Then it sees every key of its namespace, typed, and ignores other namespaces
    assert config.regions == ("eu-west-1", "eu-central-1")
    assert config.lambda_memory_mb == 512
    assert announcements == ()  # no environment variable changed anything
    assert announcements == ()  # no environment variable changed anything


@pytest.mark.parametrize(
    ("indexes", "message"),
    [
        ([{"name": "by-desk"}], "name 'by-desk': must be one of by-symbol-time"),
        ([{"name": "by-order-time", "include": ["price"]}], "include: a non-empty list"),
        (
            [{"name": "by-order-time", "projection": "INCLUDE", "include": ["desk"]}],
            "include: desk: not an item attribute",
        ),
        ([{"name": "by-order-time"}, {"name": "by-order-time"}], "listed more than once"),
    ],
)
def test_a_bad_table_index_is_one_line(indexes: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        PipelineConfig.from_sources({"primaryRegion": "us-east-1", "tableIndexes": indexes}, {})
    (line,) = caught.value.lines
    assert line.startswith("config error: trade-pipeline:tableIndexes") and message in line


def test_table_indexes_default_to_none_and_name_the_processors_variable() -> None:
    cfg = PipelineConfig.from_sources({"primaryRegion": "us-east-1"}, {})
    assert cfg.table_indexes == () and cfg.table_index_names == ""
    chosen = PipelineConfig.from_sources(
        {
            "primaryRegion": "us-east-1",
            "tableIndexes": [
                {"name": "by-order-time"},
                {"name": "by-symbol-time", "projection": "INCLUDE", "include": ["price"]},
            ],
        },
        {},
    )
    assert chosen.table_index_names == "by-order-time,by-symbol-time"
    assert chosen.table_indexes[0].projection.value == "KEYS_ONLY"


# Every on/off key, found from the model: a new boolean key is covered without listing it.
FLAGS = [
    name
    for name in PipelineConfig.model_fields
    if user_type(PipelineConfig, name).startswith("true or false")
]
# What pydantic's own bool would read as a boolean, and a YAML number.
NOT_TRUE_OR_FALSE = ("yes", "no", "on", "off", "1", "0", "t", "f", "y", "n", "truee")


def test_the_flags_are_the_on_off_keys() -> None:
    assert {"failover_enabled", "deletion_protection", "backup", "code_signing"} <= set(FLAGS)


@pytest.mark.parametrize("field", FLAGS)
def test_a_flag_accepts_exactly_true_or_false(field: str) -> None:
    key = PipelineConfig.model_fields[field].alias or field
    variable = f"TRADE_PIPELINE_{field.upper()}"
    for written in ("false", "FALSE", "False", " false ", False):
        stack = PipelineConfig.from_sources({**BASE, key: written}, {})
        assert getattr(stack, field) is False, written
    assert getattr(PipelineConfig.from_sources(BASE, {variable: "False"}), field) is False
    for written in NOT_TRUE_OR_FALSE:
        (line,) = rejected(BASE, {variable: written})
        rule = "must be true or false"
        assert line == f"config error: {variable} (environment) = {written!r}: {rule}"
    for value in (1, 0, "yes", "on"):
        (line,) = rejected({**BASE, key: value})
        assert line == f"config error: trade-pipeline:{key} = {value!r}: must be true or false"


def test_true_in_any_case_is_true() -> None:
    for written in ("true", "TRUE", "True", True):
        config = PipelineConfig.from_sources({**BASE, "codeSigning": written}, {})
        assert config.code_signing is True
    assert PipelineConfig.from_sources(BASE, {"TRADE_PIPELINE_BACKUP": "TRUE"}).backup is True
