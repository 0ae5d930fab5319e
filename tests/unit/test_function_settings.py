"""Both Lambda functions of every region get every function-wide setting, from the config.

The processor and the conflict detector are built by one helper (``components/functions.py``);
before it, each had its own copy and the copies drifted (the detector's system log level was
a hard-coded ``INFO`` while the processor's followed ``platformLogLevel``). For each resource a
function has (the function, its log group, its role, its async invoke config), :data:`PARTS`
says which inputs are the function's own; every other input is function-wide, and:

- must be equal in both functions of a region (so a setting added to the builder is covered
  without a line here, and one a component sets by itself is caught);
- must be listed with the value the config says it must have (so a new input fails
  :func:`test_every_input_is_either_function_wide_or_the_functions_own` until it is), and
  every function of every region must have that value. The dev stack runs with non-default
  values, so a function that takes a default instead of the config fails.

Three stacks: dev (non-default values, code signing on), prod (customer-managed keys: the log
groups are encrypted), private (every function in its region's VPC). Functions are found by
handler, never by their position in the plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.support.plans import build, policy_doc
from trade_pipeline import resource_types as rt
from trade_pipeline.components.conflicts import HANDLER as DETECTOR_HANDLER
from trade_pipeline.components.pipeline import HANDLER as PROCESSOR_HANDLER
from trade_pipeline.config.types import newest_python_runtime
from trade_pipeline.preview import (
    Plan,
    PlannedResource,
    load_stack_config,
    run_preview,
)
from trade_pipeline.preview_mocks import MOCK_ACCOUNT_ID
from trade_processor.metric_names import NAMESPACE as METRIC_NAMESPACE

REPO = Path(__file__).resolve().parents[2]
HANDLERS = (PROCESSOR_HANDLER, DETECTOR_HANDLER)
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
InputPath = tuple[str, ...]


def _older_runtime() -> str:
    major, minor = newest_python_runtime().removeprefix("python").split(".")
    return f"python{major}.{int(minor) - 1}"


# None of these is the default, and the two log levels differ from each other and from INFO.
NON_DEFAULTS: dict[str, Any] = {
    "lambdaRuntime": _older_runtime(),
    "lambdaArchitecture": "x86_64",
    "lambdaMemoryMb": 1024,
    "lambdaTimeoutSeconds": 45,
    "lambdaReservedConcurrency": 7,
    "conflictDetectorReservedConcurrency": 3,
    "lambdaMaxRetryAttempts": 1,
    "lambdaMaxEventAgeSeconds": 900,
    "logLevel": "WARN",
    "platformLogLevel": "DEBUG",
    "logRetentionDays": 90,
    "codeSigning": True,
}


@dataclass(frozen=True)
class Stack:
    """A plan and what its functions must have: the validated config, the artifact."""

    plan: Plan
    artifact: Any

    @property
    def config(self) -> dict[str, Any]:
        return self.plan.config

    def functions(self, region: str) -> list[PlannedResource]:
        found = [f for f in self.plan.by_type(rt.FUNCTION) if f.region == region]
        assert sorted(f.inputs["handler"] for f in found) == sorted(HANDLERS), region
        return found


Expect = Callable[[Stack, str], Any]
"""The value a function-wide input must have, in a stack and region."""


def _in_region(stack: Stack, type_: str, region: str) -> list[PlannedResource]:
    return [r for r in stack.plan.by_type(type_) if r.region == region]


def _signing_config_arn(stack: Stack, region: str) -> Any:
    if not stack.config["codeSigning"]:
        return None
    (config,) = _in_region(stack, rt.CODE_SIGNING_CONFIG, region)
    return config.outputs["arn"]


def _private_subnets(stack: Stack, region: str) -> Any:
    if stack.config["networkMode"] != "vpc":
        return None
    subnets = [s for s in _in_region(stack, rt.SUBNET, region) if "-private-" in s.name]
    assert subnets, region
    return [s.outputs["id"] for s in subnets]


def _function_security_group(stack: Stack, region: str) -> Any:
    if stack.config["networkMode"] != "vpc":
        return None
    groups = _in_region(stack, rt.SECURITY_GROUP, region)
    (group,) = [g for g in groups if g.name.endswith("-functions-sg")]
    return [group.outputs["id"]]


def _replaces_groups_on_destroy(stack: Stack, region: str) -> Any:
    return True if stack.config["networkMode"] == "vpc" else None


def _replacement_security_group(stack: Stack, region: str) -> Any:
    """On destroy the interfaces move to the VPC's default group (no rules) first."""
    if stack.config["networkMode"] != "vpc":
        return None
    (group,) = _in_region(stack, rt.DEFAULT_SECURITY_GROUP, region)
    return [group.outputs["id"]]


def _log_key_arn(stack: Stack, region: str) -> Any:
    """Customer-managed mode: the region's table key (its policy lets CloudWatch Logs use it)."""
    if stack.config["encryption"] != "customer-managed":
        return None
    (table,) = stack.plan.by_type(rt.TABLE)
    keys = {r["regionName"]: r["kmsKeyArn"] for r in table.inputs["replicas"]}
    primary = table.inputs["serverSideEncryption"]["kmsKeyArn"]
    assert primary
    return keys.get(region, primary)


LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "LambdaAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": MOCK_ACCOUNT_ID}},
        }
    ],
}


def _config(key: str) -> Expect:
    return lambda stack, _region: stack.config[key]


def _always(value: Any) -> Expect:
    return lambda _stack, _region: value


@dataclass(frozen=True)
class Part:
    """One resource every function has: how to find a function's own, its inputs that may
    differ between functions, and what each function-wide input must be."""

    type: str
    find: Callable[[Stack, PlannedResource], PlannedResource]
    own: tuple[InputPath, ...]
    shared: Mapping[InputPath, Expect]


def _function(_stack: Stack, fn: PlannedResource) -> PlannedResource:
    return fn


def _log_group(stack: Stack, fn: PlannedResource) -> PlannedResource:
    wanted = fn.inputs["loggingConfig"]["logGroup"]
    groups = _in_region(stack, rt.LOG_GROUP, str(fn.region))
    (group,) = [g for g in groups if g.outputs["name"] == wanted]
    return group


def _role(stack: Stack, fn: PlannedResource) -> PlannedResource:
    (role,) = [r for r in stack.plan.by_type(rt.ROLE) if r.outputs["arn"] == fn.inputs["role"]]
    return role


def _invoke_config(stack: Stack, fn: PlannedResource) -> PlannedResource:
    configs = _in_region(stack, rt.INVOKE_CONFIG, str(fn.region))
    (config,) = [c for c in configs if c.inputs["functionName"] == fn.outputs["name"]]
    return config


ENV = ("environment", "variables")
PARTS = {
    "function": Part(
        rt.FUNCTION,
        _function,
        own=(
            ("name",),
            ("description",),
            ("handler",),
            ("role",),
            ("loggingConfig", "logGroup"),
            (*ENV, "POWERTOOLS_SERVICE_NAME"),
            (*ENV, "TABLE_NAME"),
            (*ENV, "REJECTED_EVENTS_QUEUE_URL"),
            (*ENV, "TABLE_INDEXES"),  # the processor's: the table's index keys
            (*ENV, "TABLE_CONSISTENCY_MODE"),  # the processor's: eventual or strong
            # each function's key: lambdaReservedConcurrency, conflictDetectorReservedConcurrency
            ("reservedConcurrentExecutions",),
            (*ENV, "OCCURRED_AT_MAX_AGE_DAYS"),  # the processor's occurred_at window
            (*ENV, "OCCURRED_AT_MAX_AHEAD_SECONDS"),
        ),
        shared={
            ("runtime",): _config("lambdaRuntime"),
            ("architectures",): lambda stack, _: [stack.config["lambdaArchitecture"]],
            ("memorySize",): _config("lambdaMemoryMb"),
            ("timeout",): _config("lambdaTimeoutSeconds"),
            # No key sets it: Lambda's default (512 MB) for every function.
            ("ephemeralStorage", "size"): _always(None),
            ("tracingConfig", "mode"): _always("Active"),
            ("loggingConfig", "logFormat"): _always("JSON"),
            # Lambda's filter never above INFO, so metric lines (no level) are kept; the
            # logger applies logLevel at the source (POWERTOOLS_LOG_LEVEL)
            ("loggingConfig", "applicationLogLevel"): lambda stack, _: (
                "DEBUG" if stack.config["logLevel"] == "DEBUG" else "INFO"
            ),
            ("loggingConfig", "systemLogLevel"): _config("platformLogLevel"),
            (*ENV, "POWERTOOLS_LOG_LEVEL"): _config("logLevel"),
            # The namespace the alarms and the dashboard read.
            (*ENV, "POWERTOOLS_METRICS_NAMESPACE"): _always(METRIC_NAMESPACE),
            ("code",): lambda stack, _: str(stack.artifact.path),
            ("sourceCodeHash",): lambda stack, _: stack.artifact.source_code_hash,
            ("codeSigningConfigArn",): _signing_config_arn,
            ("vpcConfig", "subnetIds"): _private_subnets,
            ("vpcConfig", "securityGroupIds"): _function_security_group,
            ("replaceSecurityGroupsOnDestroy",): _replaces_groups_on_destroy,
            ("replacementSecurityGroupIds",): _replacement_security_group,
        },
    ),
    "log group": Part(
        rt.LOG_GROUP,
        _log_group,
        own=(("name",),),
        shared={
            ("retentionInDays",): _config("logRetentionDays"),
            ("kmsKeyId",): _log_key_arn,
        },
    ),
    "role": Part(
        rt.ROLE,
        _role,
        own=(("name",), ("description",)),
        shared={("assumeRolePolicy",): _always(LAMBDA_TRUST)},
    ),
    "async invoke config": Part(
        rt.INVOKE_CONFIG,
        _invoke_config,
        own=(("functionName",), ("destinationConfig", "onFailure", "destination")),
        shared={
            ("maximumRetryAttempts",): _config("lambdaMaxRetryAttempts"),
            ("maximumEventAgeInSeconds",): _config("lambdaMaxEventAgeSeconds"),
        },
    ),
}


def leaves(value: Any, path: InputPath = ()) -> dict[InputPath, Any]:
    """Every leaf input by its path (``("loggingConfig", "systemLogLevel")``)."""
    if isinstance(value, dict) and value:
        found: dict[InputPath, Any] = {}
        for key, item in value.items():
            found.update(leaves(item, (*path, key)))
        return found
    return {path: value}


def comparable(value: Any) -> Any:
    """Archives by path, policy documents parsed, lists as sets (the plan's order is the
    engine's registration order), absent and None alike."""
    if isinstance(value, pulumi.FileArchive):
        return value.path
    if isinstance(value, str) and value.startswith("{"):
        return json.loads(value)
    if isinstance(value, list):
        return sorted(comparable(v) for v in value)
    return value


def inputs_of(stack: Stack, part: Part, fn: PlannedResource) -> dict[InputPath, Any]:
    return {path: comparable(v) for path, v in leaves(part.find(stack, fn).inputs).items()}


def is_own(part: Part, path: InputPath) -> bool:
    return any(path[: len(own)] == own for own in part.own)


# ------------------------------------------------------------------------------- plans --
@pytest.fixture(scope="module", params=["dev-non-default", "prod", "private"])
def stack(request: pytest.FixtureRequest, lambda_artifact: Any) -> Stack:
    name = request.param
    if name == "private":
        return Stack(request.getfixturevalue("private_plan"), lambda_artifact)
    if name == "prod":
        prod = load_stack_config("prod", REPO)
        plan = run_preview(prod, stack="prod", environ={}, artifact=lambda_artifact)
        return Stack(plan, lambda_artifact)
    dev = request.getfixturevalue("dev_stack_config")
    overrides = {f"trade-pipeline:{key}": value for key, value in NON_DEFAULTS.items()}
    plan = build({**dev, **overrides}, lambda_artifact)
    assert {key: plan.config[key] for key in NON_DEFAULTS} == NON_DEFAULTS
    return Stack(plan, lambda_artifact)


# ------------------------------------------------------------------------------- tests --
@pytest.mark.parametrize("part", PARTS, ids=str)
def test_every_input_is_either_function_wide_or_the_functions_own(stack: Stack, part: str) -> None:
    spec = PARTS[part]
    for region in REGIONS:
        for fn in stack.functions(region):
            unlisted = [
                ".".join(path)
                for path in inputs_of(stack, spec, fn)
                if not is_own(spec, path) and path not in spec.shared
            ]
            assert unlisted == [], (
                f"{part} of {fn.inputs['handler']} in {region}: add each of these inputs to "
                "PARTS, as the function's own or function-wide with the value it must have"
            )


@pytest.mark.parametrize("part", PARTS, ids=str)
def test_both_functions_of_a_region_share_every_function_wide_input(
    stack: Stack, part: str
) -> None:
    spec = PARTS[part]
    for region in REGIONS:
        by_handler = {fn.inputs["handler"]: fn for fn in stack.functions(region)}
        processor, detector = (
            {p: v for p, v in inputs_of(stack, spec, by_handler[h]).items() if not is_own(spec, p)}
            for h in (PROCESSOR_HANDLER, DETECTOR_HANDLER)
        )
        differ = {
            ".".join(path): (processor.get(path), detector.get(path))
            for path in processor.keys() | detector.keys()
            if processor.get(path) != detector.get(path)
        }
        assert differ == {}, f"{part} in {region}: (processor, detector) differ"


@pytest.mark.parametrize("part", PARTS, ids=str)
def test_every_function_wide_input_has_the_value_the_config_gives(stack: Stack, part: str) -> None:
    spec = PARTS[part]
    for region in REGIONS:
        for fn in stack.functions(region):
            actual = inputs_of(stack, spec, fn)
            wrong = {
                ".".join(path): (actual.get(path), comparable(expect(stack, region)))
                for path, expect in spec.shared.items()
                if actual.get(path) != comparable(expect(stack, region))
            }
            assert wrong == {}, f"{part} of {fn.inputs['handler']} in {region}: (is, must be)"


def test_each_stack_exercises_what_it_is_here_for(stack: Stack) -> None:
    """The cases above would pass vacuously on a stack without keys, signing or a VPC."""
    for region in REGIONS:
        functions = stack.functions(region)
        if stack.plan.stack == "prod":
            assert all(_log_group(stack, f).inputs.get("kmsKeyId") for f in functions)
        elif stack.plan.stack == "private":
            assert all(f.inputs["vpcConfig"]["subnetIds"] for f in functions)
        else:
            assert all(f.inputs["codeSigningConfigArn"] for f in functions)


def test_every_functions_role_writes_its_own_log_group_and_traces(stack: Stack) -> None:
    """The statements every function's policy shares (``iam/functions.py``), on the function's
    own log group in each policy."""
    for region in REGIONS:
        for fn in stack.functions(region):
            role = _role(stack, fn)
            (policy,) = [
                p
                for p in _in_region(stack, rt.ROLE_POLICY, region)
                if p.inputs["role"] == role.id
                and not p.name.endswith(("-vpc-access", "-vpc-teardown"))
            ]
            statements = {s["Sid"]: s for s in policy_doc(policy)["Statement"]}
            log_group_arn = _log_group(stack, fn).outputs["arn"].removesuffix(":*")
            assert statements["OwnLogGroup"] == {
                "Sid": "OwnLogGroup",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [f"{log_group_arn}:log-stream:*"],
            }
            assert statements["XRayNoResourceType"] == {
                "Sid": "XRayNoResourceType",
                "Effect": "Allow",
                "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                "Resource": "*",
            }


def test_each_function_reserves_by_its_own_key(stack: Stack) -> None:
    keys = {
        PROCESSOR_HANDLER: "lambdaReservedConcurrency",
        DETECTOR_HANDLER: "conflictDetectorReservedConcurrency",
    }
    for region in REGIONS:
        for fn in stack.functions(region):
            wanted = stack.config.get(keys[fn.inputs["handler"]])
            assert fn.inputs.get("reservedConcurrentExecutions") == wanted, fn.name
